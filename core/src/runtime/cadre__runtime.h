/* Cadre internal: the runtime (runtime/): making, shutting down and freeing
 * a system (system.c), and the threads that run actors (loop.c). The top
 * layer: it wires the others together (the hooks) and is used by none. */
#ifndef CADRE__RUNTIME_H
#define CADRE__RUNTIME_H

#include "cadre__actor.h"

/* Where the per-core workers run (placement.c): cpu[i % n] for worker i
 * (n <= CADRE__MAX_WORKERS), or no pinning (cpu NULL). allowed: how many CPUs the creating thread may
 * run on (the default worker count). */
struct cadre__placement {
	int *cpu;
	unsigned n;
	unsigned allowed;
};

int cadre__placement_new(struct cadre__placement *p, const cadre_config *cfg);
void cadre__placement_free(struct cadre__placement *p);
int cadre__thread_start(struct cadre__worker *w, void *(*fn)(void *));

int cadre__workers_start(struct cadre_system *sys, const struct cadre__placement *p);
void cadre__workers_join(struct cadre_system *sys);
void cadre__workers_fini(struct cadre_system *sys);
/* One run of a on w, with what follows it (loop.c); CADRE__RUN_*. */
int cadre__run_one(struct cadre__worker *w, struct cadre__actor *a);

/* The deterministic mode (sim.c): made with the system when cfg.seed is
 * not 0; sim_wait: instead of a nap of ns in the waits of shutdown, runs
 * what is runnable, or lets virtual time pass (to the next timer, at most
 * ns); sim_quiescent: cadre_system_await_quiescent's drive. */
int cadre__sim_new(struct cadre_system *sys, uint64_t seed);
void cadre__sim_free(struct cadre_system *sys);
void cadre__sim_wait(struct cadre_system *sys, uint64_t ns);
int cadre__sim_quiescent(struct cadre_system *sys);

#endif /* CADRE__RUNTIME_H */
