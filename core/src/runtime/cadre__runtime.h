/* Cadre internal: the runtime (runtime/): making, shutting down and freeing
 * a system (system.c), and the threads that run actors (loop.c). The top
 * layer: it wires the others together (the hooks) and is used by none. */
#ifndef CADRE__RUNTIME_H
#define CADRE__RUNTIME_H

#include "cadre__actor.h"

int cadre__workers_start(struct cadre_system *sys);
void cadre__workers_join(struct cadre_system *sys);
void cadre__workers_fini(struct cadre_system *sys);

#endif /* CADRE__RUNTIME_H */
