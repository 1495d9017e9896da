/* Cadre internal: the system and its threads (system/). The shape of
 * struct cadre_system and struct cadre__worker, composed of the parts of the
 * layers below (table/, reclaim/, msg/) and the data of the layers above
 * (the dispatcher's queues, the run in progress), with what every layer
 * above needs of them: who the calling thread is, holding an actor (the
 * lookup verb), dead letters and counters.
 * Uses: table/, reclaim/, msg/, mailbox/. */
#ifndef CADRE__SYSTEM_H
#define CADRE__SYSTEM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>
#include <cadre/behave.h>
#include <cadre/links.h>
#include <cadre/log.h>
#include <cadre/registry.h>
#include <cadre/timer.h>

#include "cadre__alloc.h"
#include "cadre__atomic.h"
#include "cadre__clock.h"
#include "cadre__futex.h"
#include "cadre__mailbox.h"
#include "cadre__msg.h"
#include "cadre__reclaim.h"
#include "cadre__table.h"
#include "cadre__trace.h"

/* What a run left the actor as. */
enum {
	CADRE__RUN_IDLE = 0,  /* mailbox marked idle: the next waker schedules it */
	CADRE__RUN_AGAIN = 1, /* still has (or may have) mail: requeue it */
	CADRE__RUN_DEAD = 2,  /* stopped: to limbo */
};

/* After receive: the message is freed (handled), stashed, or dead. */
enum { CADRE__DISP_FREE = 0, CADRE__DISP_STASH = 1, CADRE__DISP_DEAD = 2 };

struct cadre__worker;

/* Hooks: where a lower layer must act on an actor's life, it calls the
 * upper layer through these, installed by runtime/ when the system is made
 * (never by name: the layers stay one-way). None is on the message path. */
struct cadre__hooks {
	/* actor/: runs receive on a view (a signal turned message); a run
	 * result: CADRE__RUN_AGAIN, or CADRE__RUN_DEAD if the actor stopped. */
	int (*deliver)(struct cadre__worker *w, struct cadre__actor *a, const cadre_msg *view);
	/* actor/: ends the actor's life with reason; CADRE__RUN_DEAD. */
	int (*finish)(struct cadre__worker *w, struct cadre__actor *a, cadre_exit reason);
	/* actor/: frees a dead actor after its grace period (ctx: the worker,
	 * or NULL when the system is freed). */
	cadre__reclaim_fn *reclaim;
};

/* Threads that run actors, as runtime/ limits them: per-core workers (one
 * bit each in idle_mask) and blocking-pool threads; a thread's index is
 * below CADRE__MAX_THREADS. A monitor id is (the thread's monitor_seq <<
 * CADRE__MONITOR_INDEX_BITS) | its index, so it is unique in the system
 * for its lifetime only while every index fits in those bits (with 6 bits,
 * threads i and i + 64 made equal ids). */
#define CADRE__MAX_WORKERS 64u
#define CADRE__MAX_BLOCKING 256u
#define CADRE__MAX_THREADS (CADRE__MAX_WORKERS + CADRE__MAX_BLOCKING)
#define CADRE__MONITOR_INDEX_BITS 9u
_Static_assert(CADRE__MAX_THREADS <= (1u << CADRE__MONITOR_INDEX_BITS),
               "every thread index fits below a monitor id's sequence");
_Static_assert(CADRE__MAX_WORKERS <= 64u, "one bit per worker in idle_mask");

/* ---- the dispatcher's data (sched/) -------------------------------------- */
/* A worker's run queue: a power of two. 1024 rather than 256: one sender
 * that wakes a thousand receivers (fan-out) overflowed 256 into the inject
 * queue, an exchange and a miss per actor; A/B in docs/performance.md,
 * "Fan-out". (-D for experiments.) */
#ifndef CADRE__RUNQ_SIZE
#define CADRE__RUNQ_SIZE 1024u
#endif

/* The blocking pool's run queue: a bounded MPMC ring, and an unbounded
 * overflow list behind it (sched/bpool.c). */
#define CADRE__BPOOL_CAP 65536u /* power of two */
struct cadre__bcell {
	uint64_t seq;
	struct cadre__actor *actor;
};
struct cadre__bpool {
	struct cadre__bcell *cells;
	uint64_t enq CADRE__ALIGNED;
	uint64_t deq CADRE__ALIGNED;
	uint32_t parked CADRE__ALIGNED; /* pool threads parked (or parking) */
	uint32_t wake;                  /* futex word */
	/* Overflow: MPSC through the actors' rq_node; its consumer side
	 * belongs to the pool thread that holds `draining`. */
	struct cadre_mailbox over CADRE__ALIGNED;
	uint64_t over_n;   /* actors in over, or being linked into it */
	uint32_t draining; /* 1: a pool thread holds over's consumer side */
};

/* The parallelism governor's state (sched/govern.c): touched only by the
 * worker that holds the epoch (gov_next). */
struct cadre__gov {
	uint64_t last_ns, last_msgs, last_runs; /* at the last epoch's end */
	double rate;                            /* smoothed messages per ms at k */
	double won;                             /* sum of the won probe epochs' rates */
	unsigned k;                             /* the chosen count of active workers */
	unsigned probe;                         /* the count being probed */
	unsigned phase;                         /* GOV_STEADY, ... */
	unsigned epochs;                        /* steady epochs since the last probe */
	unsigned every;                         /* steady epochs between probes */
	unsigned wins;                          /* won measured epochs of this probe */
	uint64_t switches;                      /* times k changed */
	bool up;                                /* the last probe was k + 1 */
};
enum { CADRE__GOV_STEADY, CADRE__GOV_SETTLE, CADRE__GOV_MEASURE, CADRE__GOV_BACK };

/* One thread that runs actors: a per-core worker or a blocking-pool thread.
 * Fields are grouped by the threads that touch them. */
struct cadre__worker {
	/* Cross-thread: thieves CAS runq_head; wakers bump wake_seq. */
	uint32_t runq_head CADRE__ALIGNED; /* consumers (owner + thieves) CAS */
	uint32_t wake_seq CADRE__ALIGNED;  /* futex word */
	uint32_t io_polling; /* io/wpoll.c: parked in epoll_wait, not on wake_seq (seq_cst) */
	uint32_t rebalance;  /* sched/govern.c: made active again: steal without waiting */
	bool io_harvest;     /* io/wpoll.c: its park's events wait to be dispatched (owner) */
	struct cadre_mailbox inject CADRE__ALIGNED; /* actors scheduled from other threads */
	/* Owner only (thieves read runq slots and runq_tail). */
	uint32_t runq_tail CADRE__ALIGNED; /* owner stores (release) */
	struct cadre__actor *runq[CADRE__RUNQ_SIZE];
	uint64_t runq_stamp[CADRE__RUNQ_SIZE]; /* when each was queued (ns); thieves read */
	uint64_t now;                          /* owner's clock (ns), refreshed now and then */
	unsigned clock_runs;                   /* runs from the queues (1 in 16 reads the clock) */
	struct cadre__actor *run_next;
	unsigned run_next_streak;
	bool dormant;     /* index >= sys->active when it last looked (sched/govern.c) */
	bool rebalancing; /* taking a share of a busy worker's queue at once (govern.c) */
	/* The run in progress (actor/, signal/, send/). */
	cadre_exit exit;                 /* the running actor's stop reason, once it stops */
	bool exit_signalled;             /* ... an exit signal ended it (signal/, for the log) */
	struct cadre_mail *pending_mail; /* a delivered EXIT's mail, until claimed */
	const cadre_msg *cur_view;       /* the message receive is handling */
	int cur_disp;                    /* what happens to it: CADRE__DISP_* */
	bool mute_pending;               /* the running actor sent to an overloaded one */
	cadre_ref mute_on;               /* ... this one */
	unsigned run_sends;              /* messages the running actor has sent in this run */
	uint64_t outbox_used;            /* bit per busy way of outbox */
	struct cadre__pool pool[CADRE__POOL_CLASSES]; /* this thread's, see msg/pool.c */
	struct cadre__outbox outbox[CADRE__OUTBOX_WAYS];
	unsigned tick;
	uint64_t monitor_seq; /* monitor ids: seq << CADRE__MONITOR_INDEX_BITS | index */
	/* Spawns in progress on this worker: written by the owner only (a
	 * seq_cst add, a release store: actor/spawn.c), read by shutdown and
	 * an exiting worker. */
	uint32_t spawning;
	unsigned index;
	bool blocking; /* a thread of the blocking pool */
	int cpu;       /* the CPU it is pinned to, or -1: set before its thread starts,
	                  read-only after (runtime/placement.c) */
	uint64_t rng;
	struct cadre_system *sys;
	pthread_t thread;
	struct cadre__slot_cache slots; /* free slot indexes (table/) */
	struct cadre__limbo limbo;      /* dead actors awaiting a grace period (reclaim/) */
	/* Counters: written by the owner only (relaxed), read by anyone. */
	cadre_stats st;
	uint64_t reclaimed; /* dead actors freed (owner writes, release) */
	/* Quiescence (runtime/system.c, cadre_system_await_quiescent): actors
	 * this thread made runnable (woken or spawned; cadre__schedule), and
	 * runs it ended without requeueing the actor (idle or dead; loop.c).
	 * Owner writes, release store; read with acquire (cadre__settled /
	 * cadre__woken). */
	uint64_t woken;
	uint64_t settled;
	/* Seeing inside (cadre/stats.h). current: the actor it runs now, or
	 * NULL (owner stores relaxed; walks load it relaxed: a state hint).
	 * phase: busy/idle accounting (sched/sched.c): the ns of the last
	 * change << 1 | 1 while idle (searching or parked); owner stores it
	 * with release after st.busy_ns / st.idle_ns, readers load it acquire
	 * first (cadre_system_stats adds the phase in progress). */
	struct cadre__actor *current;
	uint64_t phase;
	unsigned stat_runs; /* runs with per-actor counters (owner only): 1 in
	                       CADRE__RUN_SAMPLE is timed (actor/run.c) */
	/* The trace (system/trace.c): this thread's ring while recording,
	 * else NULL (the owner loads it with acquire; cadre_trace_start and
	 * _stop store it). */
	struct cadre__tring *trace;
};

/* Per-actor run time is sampled: one run in this many (a power of two). */
#define CADRE__RUN_SAMPLE 32u
/* ---- the deterministic mode (runtime/sim.c; cadre/sim.h) -------------------
 * One thread only (the one that drives the system): plain fields. */
struct cadre__sim {
	uint64_t seed;
	uint64_t rng;         /* the scheduler's PRNG state (splitmix64) */
	uint64_t now_ns;      /* the virtual clock (never moves backwards) */
	uint64_t hash;        /* running hash of the scheduling events */
	cadre_mb_node *ready; /* runnable actors, linked through rq_node */
	uint64_t nready;
	unsigned batch; /* the batch of the run in progress (actor/run.c) */
};

/* Scheduling events hashed (cadre__sim_note). */
enum {
	CADRE__SIM_RUN = 1,   /* a: the actor, b: messages handled */
	CADRE__SIM_SPAWN = 2, /* a: the actor */
	CADRE__SIM_EXIT = 3,  /* a: the actor, b: kind << 32 | code */
	CADRE__SIM_TIMER = 4, /* a: the target, b: the type */
	CADRE__SIM_TIME = 5,  /* a: the clock (ns) after a jump */
};

/* ---- the system -------------------------------------------------------- */
struct cadre_system {
	/* Read-mostly. */
	unsigned nworkers;  /* per-core workers: workers[0 .. nworkers) */
	unsigned nblocking; /* blocking pool: workers[nworkers .. nall) */
	unsigned nall;
	unsigned batch;
	unsigned spin_rounds;
	uint64_t steal_age; /* ns a queued actor waits before it may be stolen */
	uint32_t max_msg;
	int64_t shutdown_ms; /* cadre_system_free's shutdown deadline (cfg.shutdown_timeout) */
	bool run_next;
	bool backpressure;
	bool coalesce;
	cadre_dead_letter_fn dead_letter;
	void *dead_letter_ctx;
	cadre_log_fn log; /* log.c: the hook, or NULL: the default printer */
	void *log_ctx;
	bool quiet;       /* no hook: print nothing */
	uint32_t dl_rate; /* dead letters a second before an event */
	size_t prealloc;  /* bytes each per-core worker prefaults at start (cfg.prealloc_bytes) */
	struct cadre__hooks hooks;
	struct cadre__worker *workers;
	struct cadre__timers *timers;     /* timer/ */
	struct cadre__registry *registry; /* registry/ */
	struct cadre__io *io;             /* io/: the I/O engine */
	/* io/: closes the handles ref owned; called by actor/ at an actor's
	 * finish when it was given any (CADRE__SIG_F_IO). Set once, when the
	 * system is made. */
	void (*io_finish)(struct cadre_system *sys, cadre_ref ref);
	/* io/wpoll.c, the worker poller (CADRE_IO_POLLER=worker; NULL with the
	 * I/O thread). Set once, when the system is made. io_park: a parking
	 * worker waits in epoll_wait instead of on wake_seq (true: it did;
	 * false: wait on the futex, for at most *nap ns, 0: no limit); io_poll:
	 * a worker between runs dispatches what its park harvested, and with
	 * `any` what a non-blocking epoll_wait finds; io_kick: wakes a worker parked in epoll_wait. */
	bool (*io_park)(struct cadre__worker *w, uint32_t seq, long *nap);
	void (*io_poll)(struct cadre__worker *w, bool any);
	void (*io_kick)(struct cadre_system *sys);
	struct cadre__sigs *sigs;   /* io/signals.c: made at the first subscription */
	struct cadre__files *files; /* io/files.c: made at the first file call */
	struct cadre__bpool bpool;
	struct cadre__table table; /* table/: id, slots, magazines */

	uint32_t closing CADRE__ALIGNED;   /* 0 -> 1 at shutdown (seq_cst) */
	uint32_t spawning;                 /* spawns in progress (shutdown waits for 0) */
	uint32_t exiting;                  /* workers must exit */
	uint32_t shut_down;                /* shutdown finished */
	uint32_t prefaulting;              /* workers still prefaulting (runtime/loop.c) */
	uint64_t idle_mask CADRE__ALIGNED; /* parked (or parking) workers, bit per worker */
	uint64_t sleep_mask;     /* parked with no timeout (nothing was queued anywhere) */
	uint32_t spinning;       /* workers searching for work */
	struct cadre__qsbr qsbr; /* reclaim/: qs words, limbo hint, outside sections */
	uint32_t inject_rr;      /* round-robin target for outside wakes */
	/* The parallelism governor (sched/govern.c). */
	uint32_t active CADRE__ALIGNED; /* workers 0 .. active-1 take work (relaxed: a hint) */
	uint64_t gov_next;              /* the epoch's end (ns); UINT64_MAX: held or off */
	struct cadre__gov gov;
	/* Counters of work done by outside threads (atomic adds). */
	cadre_stats outside_st CADRE__ALIGNED;
	uint64_t outside_woken; /* as a worker's `woken`, for other threads (acq_rel add) */
	uint32_t killing;       /* shutdown's deadline passed: stop requests kill (release) */
	pthread_mutex_t shutdown_lock; /* serialises shutdown callers (never a worker) */
	/* The dead-letter rate (log.c), touched on the dead-letter path only. */
	uint64_t dl_start CADRE__ALIGNED; /* the window's start (ms) */
	uint64_t dl_count;                /* dead letters in it */
	uint64_t dl_reported;             /* when the last event was made (ms), 0: never */
	/* Seeing inside (cadre/stats.h, observe/): read-only after start. */
	bool actor_stats;                /* per-actor counters (cfg.actor_stats or observe_path) */
	uint64_t start_ns;               /* cadre__now_ns() when the system was made */
	uint64_t start_ticks;            /* cadre__ticks() then */
	struct cadre__endpoint *obs;     /* observe/server.c: the observe endpoint, or NULL */
	struct cadre__endpoint *metrics; /* observe/metrics.c: the Prometheus endpoint, or NULL */
	/* The trace (system/trace.c): the outside threads' shared ring while
	 * recording, else NULL (as a worker's `trace`); the rings, the dump
	 * path and the lock of start / stop. */
	struct cadre__tring *trace_out CADRE__ALIGNED;
	struct cadre__trace *trace;
	/* The deterministic mode (cadre_config.seed): NULL when the system
	 * runs on threads. Set once, when the system is made; read on the
	 * message path (cadre__schedule), so on a line of its own that is
	 * never written (the dead-letter fields above are). */
	struct cadre__sim *sim CADRE__ALIGNED;
	/* Distribution (dist/, cadre/node.h): the hook that routes a ref of
	 * another node, and dist's state; both NULL when the system is not a
	 * node. Set once, before the system is returned; read only after a
	 * local lookup failed (deliver, sig_post), never on the local path. */
	const struct cadre__remote *remote;
	void *dist;
};

/* ---- distribution's hook ----------------------------------------------------
 * dist/ routes what core cannot deliver locally: a message or a signal for
 * a ref whose node word is another node's. post is called on any thread (a
 * worker, or an outside thread), not holding the system, and
 *   returns 0: m taken (an ordinary message is counted sent by the caller);
 *   CADRE_ENODE: the node is down or unknown; m still the caller's (an
 *     ordinary message is counted sent and dead-lettered with that why; a
 *     signal is released);
 *   CADRE_EFULL: the peer's queue is full (ordinary messages only): not
 *     sent, not counted, m the caller's;
 *   CADRE_ESERIAL: a moved payload with no serializer for its type: as
 *     EFULL;
 *   CADRE_ENOMEM: no memory for the frame: as EFULL.
 * A LINK or MONITOR signal is always taken: dist keeps its block as the
 * promise (the EXIT or DOWN owed to the sender if the node goes down). */
struct cadre__msg;
struct cadre__remote {
	int (*post)(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to,
	            struct cadre__msg *m, bool sig);
};

/* Whether `to` names an actor of another node that dist may route. */
static inline bool
cadre__ref_remote(const struct cadre_system *sys, cadre_ref to)
{
	return to.node != sys->table.node && sys->remote != NULL;
}

/* The worker the calling thread is, or NULL; and the actor it is running. */
extern __attribute__((
        tls_model("initial-exec"))) _Thread_local struct cadre__worker *cadre__tls_worker;
extern __attribute__((
        tls_model("initial-exec"))) _Thread_local struct cadre__actor *cadre__tls_actor;

static inline struct cadre__worker *
cadre__my_worker(const struct cadre_system *sys)
{
	struct cadre__worker *w = cadre__tls_worker;
	return (w != NULL && w->sys == sys) ? w : NULL;
}

static inline cadre_ref
cadre__ref_of(const struct cadre_system *sys, const struct cadre__actor *a)
{
	return cadre__table_ref(&sys->table, a);
}

/* Counter helper: an owner-written counter takes a relaxed load and store
 * (no RMW: one writer; readers load it relaxed or acquire). Counters of
 * outside threads (sys->outside_st) take atomic adds instead. */
/* A cheap clock for per-run timing (per-actor run_ns): the time-stamp
 * counter where there is one (a few ns, against ~25 for clock_gettime),
 * converted to ns when read (observe/stats.c); elsewhere ns. */
static inline uint64_t
cadre__ticks(void)
{
#if defined(__x86_64__)
	return __builtin_ia32_rdtsc();
#else
	return cadre__now_ns();
#endif
}

static inline void
cadre__count(uint64_t *c, uint64_t n)
{
	cadre__store_rlx_u64(c, cadre__load_rlx_u64(c) + n);
}

/* ---- holding actors: the one lookup verb ----------------------------------
 * A thread may dereference an actor of sys only while it holds sys. On a
 * worker of sys (w = cadre__my_worker(sys) != NULL) that costs nothing: a
 * worker is not quiescent while it runs. Any other thread (w == NULL)
 * enters an outside section (reclaim/), which grace periods wait for.
 *   cadre__enter / cadre__leave: the section alone;
 *   cadre__hold: enters, refuses a closing system (CADRE_ECLOSED) and looks
 *     the ref up (CADRE_ENOACTOR); on an error it has left already, on
 *     success the caller ends with cadre__leave. */
static inline void
cadre__enter(struct cadre_system *sys, struct cadre__worker *w)
{
	if (w == NULL)
		cadre__outside_enter(&sys->qsbr);
}

static inline void
cadre__leave(struct cadre_system *sys, struct cadre__worker *w)
{
	if (w == NULL)
		cadre__outside_leave(&sys->qsbr);
}

static inline int
cadre__hold(struct cadre_system *sys, struct cadre__worker *w, cadre_ref ref,
            struct cadre__actor **a)
{
	cadre__enter(sys, w);
	/* Acquire: after a shutdown that returned, closing is seen set (pairs
	 * with shutdown's seq_cst exchange). */
	int rc = cadre__load_acq_u32(&sys->closing)                  ? CADRE_ECLOSED
	         : (*a = cadre__table_get(&sys->table, ref)) == NULL ? CADRE_ENOACTOR
	                                                             : 0;
	if (rc != 0)
		cadre__leave(sys, w);
	return rc;
}

/* ---- the system's clock ----------------------------------------------------
 * Every time read of Cadre that changes behaviour goes through this one
 * function: the virtual clock in the deterministic mode, else
 * CLOCK_MONOTONIC (ns). */
static inline uint64_t
cadre__clock_ns(const struct cadre_system *sys)
{
	return sys->sim != NULL ? sys->sim->now_ns : cadre__now_ns();
}

/* A deadline timeout ms from now on the system's clock (UINT64_MAX: none). */
static inline uint64_t
cadre__clock_deadline(const struct cadre_system *sys, int64_t timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX : cadre__clock_ns(sys) + (uint64_t)timeout_ms * 1000000u;
}

/* An actor's identity in the hash: its slot and generation (the system's
 * id differs between systems of one process). */
static inline uint64_t
cadre__sim_id(cadre_ref r)
{
	return (uint64_t)r.index << 32 | r.gen;
}

/* The deterministic mode: adds one event to the running hash (a no-op
 * when the mode is off). */
static inline void
cadre__sim_note(struct cadre_system *sys, uint64_t kind, uint64_t a, uint64_t b)
{
	struct cadre__sim *s = sys->sim;
	if (s == NULL)
		return;
	uint64_t h = s->hash ^ (kind * 0x9E3779B97F4A7C15ull);
	h = (h ^ a) * 0xBF58476D1CE4E5B9ull;
	h = (h ^ (h >> 31) ^ b) * 0x94D049BB133111EBull;
	s->hash = h ^ (h >> 29);
}

/* The running actor, if self is it on this thread (else NULL); and the same
 * as an error code (CADRE_EINVAL for NULL or not running). */
struct cadre__actor *cadre__running(const cadre_actor *self);
int cadre__self_check(const cadre_actor *self, struct cadre__actor **a);

/* A message that will not be handled: counted, shown to the dead-letter
 * hook, freed. w: the calling worker, or NULL. */
void cadre__dead_letter(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to,
                        struct cadre__msg *m, int why);
/* Log events (log.c): to the hook or the default printer; the
 * configuration's log fields; the dead-letter rate, called for every dead
 * letter (to: its receiver). */
void cadre__log(struct cadre_system *sys, const cadre_log_event *ev);
void cadre__log_configure(struct cadre_system *sys, const cadre_config *cfg);
void cadre__dead_letter_rate(struct cadre_system *sys, cadre_ref to);
/* Live actors, and spawns in progress anywhere (seq_cst: spawn's Dekker
 * pair with shutdown). */
uint64_t cadre__alive(struct cadre_system *sys);
uint32_t cadre__spawning(struct cadre_system *sys);
/* Dead actors not yet reclaimed (their queued mail not yet dead-lettered). */
uint64_t cadre__unreclaimed(struct cadre_system *sys);
/* Quiescence: work items finished (runs settled + dead actors reclaimed)
 * and work items begun (actors made runnable + actors stopped), each a sum
 * of monotonic counters read with acquire. Read cadre__settled first: see
 * runtime/system.c (cadre_system_await_quiescent) for why. */
uint64_t cadre__settled(struct cadre_system *sys);
uint64_t cadre__woken(struct cadre_system *sys);

/* The calling worker's limbo, polled with the system's reclaim hook. */
static inline void
cadre__reclaim_poll(struct cadre__worker *w)
{
	cadre__limbo_poll(&w->limbo, &w->sys->qsbr, w->sys->hooks.reclaim, w);
}

#endif /* CADRE__SYSTEM_H */
