/**
 * @file
 * Cadre: the registry: names for actors.
 *
 * Names are per system, at most CADRE_NAME_MAX bytes. A name is freed when
 * its actor stops: whereis then answers CADRE_ENOENT and the name can be
 * registered again. Lookups take no lock. Any thread.
 */
#ifndef CADRE_REGISTRY_H
#define CADRE_REGISTRY_H

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The longest name, in bytes. */
#define CADRE_NAME_MAX 255

/**
 * Registers ref under name (copied).
 *
 * @threads any thread
 * @blocks  no
 * @retval 0 registered
 * @retval CADRE_EEXIST taken by a live actor
 * @retval CADRE_ENOACTOR ref is not a live actor of sys
 * @retval CADRE_EINVAL sys NULL, name NULL, empty or too long
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_register(cadre_system *sys, const char *name, cadre_ref ref);

/**
 * Removes a name.
 *
 * @threads any thread
 * @blocks  no
 * @retval 0 removed
 * @retval CADRE_ENOENT not registered, or its actor stopped
 * @retval CADRE_EINVAL sys NULL, name NULL, empty or too long
 */
CADRE_API int cadre_unregister(cadre_system *sys, const char *name);

/**
 * Looks a name up; takes no lock.
 *
 * @threads any thread
 * @blocks  no
 * @retval 0 found: *out set
 * @retval CADRE_ENOENT not registered, or its actor stopped
 * @retval CADRE_EINVAL sys or out NULL, name NULL, empty or too long
 */
CADRE_API int cadre_whereis(cadre_system *sys, const char *name, cadre_ref *out);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_REGISTRY_H */
