/* Cadre internal: distribution (dist/, cadre/node.h). What the rest of
 * core calls: runtime/ starts, stops and frees a node's machinery; the
 * message path reaches dist only through sys->remote (system/).
 * Uses: everything below runtime/. */
#ifndef CADRE__DIST_H
#define CADRE__DIST_H

#include <cadre/node.h>

#include "cadre__observe.h"

struct cadre_system;

/* After the workers started (cadre_system_new): validates and copies cfg,
 * binds the endpoint, starts the dist thread, sets sys->remote and
 * sys->dist, connects to the seeds. 0, or CADRE_EINVAL (cfg), CADRE_EADDR
 * / CADRE_EADDRINUSE (the endpoint), CADRE_ENOMEM, CADRE_ESYS. */
int cadre__dist_start(struct cadre_system *sys, const cadre_node_config *cfg);
/* Shutdown's first phase, once closing is set: LEAVE to every peer, the
 * dist thread joined, what is queued dead-lettered. Idempotent. */
void cadre__dist_stop(struct cadre_system *sys);
/* cadre_system_free: the rest (after the actors are gone). */
void cadre__dist_free(struct cadre_system *sys);

#endif /* CADRE__DIST_H */
