/* Cadre internal: the dispatcher (sched/). Per-core run queues, the inject
 * queues, stealing, parking and waking, and the blocking pool's queue: where
 * a runnable actor waits and which thread runs it next. It runs nothing
 * itself: runtime/ loops over cadre__sched_next and actor/'s run.
 * Uses: system/ and what is below it. See sched.c's Design notes. */
#ifndef CADRE__SCHED_H
#define CADRE__SCHED_H

#include "cadre__system.h"

/* How an actor came to be scheduled. */
enum {
	CADRE__SCHED_WOKEN = 0,   /* a send woke it: may run next on this worker */
	CADRE__SCHED_SPAWNED = 1, /* new: back of the run queue */
	CADRE__SCHED_UNMUTED = 2, /* a muted sender resumes: back of the run queue; it never
	                             stopped being runnable, so it is not counted as woken */
};

/* Makes a runnable: from any thread (the caller saw its mailbox turn
 * active, or spawned it). */
void cadre__schedule(struct cadre_system *sys, struct cadre__actor *a, int how);
/* After a run that left mail: a goes to the back of w's queue (a per-core
 * worker) or of the blocking pool's (a pool thread). */
void cadre__sched_requeue(struct cadre__worker *w, struct cadre__actor *a);
/* A per-core worker's next actor: run_next, its queues, then a bounded
 * search (stealing); NULL if none. */
struct cadre__actor *cadre__sched_next(struct cadre__worker *w);
/* A per-core worker with nothing to run sleeps until woken (or naps, while
 * others have queued actors or its limbo is not empty). */
void cadre__sched_park(struct cadre__worker *w);
/* Wakes every parked thread (shutdown, exit). */
void cadre__wake_all(struct cadre_system *sys);
/* Wakes w if it is parked (a spurious wake-up is harmless). */
void cadre__sched_kick(struct cadre__worker *w);

/* The parallelism governor (govern.c): set up before the threads start
 * (on: the governor runs; with one worker it never does); then called by a
 * worker between runs when its clock passes gov_next. */
void cadre__gov_init(struct cadre_system *sys, bool on);
void cadre__govern(struct cadre__worker *w);
/* The governor's decision (pure, for tests too): one epoch's rate r
 * (messages per ms; negative after a gap) and whether runs were short;
 * returns the count of workers that should be active for the next epoch. */
unsigned cadre__gov_step(struct cadre__gov *g, unsigned n, double r, bool short_runs);
/* g at n workers, steady, no history. */
void cadre__gov_reset(struct cadre__gov *g, unsigned n);

/* A worker's queues, before its thread starts. */
void cadre__sched_init(struct cadre__worker *w);

/* The blocking pool (bpool.c): one MPMC queue shared by the pool threads;
 * scheduling never waits (a ring, and an overflow list behind it). */
int cadre__bpool_init(struct cadre_system *sys);
void cadre__bpool_fini(struct cadre_system *sys);
void cadre__bpool_schedule(struct cadre_system *sys, struct cadre__actor *a);
struct cadre__actor *cadre__bpool_next(struct cadre__worker *w);
void cadre__bpool_park(struct cadre__worker *w);

#endif /* CADRE__SCHED_H */
