/* Cadre: the registry: names for actors.
 *
 * Names are per system, at most CADRE_NAME_MAX bytes. A name is freed when
 * its actor stops: whereis then answers CADRE_ENOENT and the name can be
 * registered again. Lookups take no lock. Any thread. */
#ifndef CADRE_REGISTRY_H
#define CADRE_REGISTRY_H

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CADRE_NAME_MAX 255

/* Returns 0, CADRE_EEXIST (taken by a live actor), CADRE_ENOACTOR (ref is
 * not a live actor of sys), CADRE_EINVAL (NULL, empty or too long name),
 * CADRE_ENOMEM or CADRE_ECLOSED. */
CADRE_API int cadre_register(cadre_system *sys, const char *name, cadre_ref ref);

/* Returns 0 or CADRE_ENOENT (not registered, or its actor stopped),
 * CADRE_EINVAL. */
CADRE_API int cadre_unregister(cadre_system *sys, const char *name);

/* Returns 0 (*out set), CADRE_ENOENT or CADRE_EINVAL. */
CADRE_API int cadre_whereis(cadre_system *sys, const char *name, cadre_ref *out);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_REGISTRY_H */
