/* Cadre: starting and stopping a system.
 *
 * Design notes.
 *
 * Shutdown (cadre_system_shutdown): first, while the system still runs,
 * the roots of supervision trees (actors that trap their stop request,
 * not spawned linked by one) get their stop request and stop their trees
 * in order; shutdown waits until they are gone, or its deadline. Then closing
 * is set (seq_cst); spawns in
 * flight are waited for (spawn does [RMW spawning ; load closing], shutdown
 * does [RMW closing ; load spawning]: Dekker, so no spawn slips past the
 * walk); every live actor gets a stop request; workers exit when no actor
 * is alive; then the shutting-down thread waits for the outside sections
 * in progress (those that began before closing was set among them; not for
 * a moment with no outside thread inside one, which busy senders may never
 * give) and reclaims what is left, dead-lettering every queued message.
 * One deadline bounds the phases: at it, `killing` is set (release; read
 * with acquire by actor/stop.c) and every stop request taken from then on
 * stops its actor with KILLED. A callback in progress is not interrupted:
 * the join waits for it (cadre/actor.h says so).
 *
 * Quiescence (cadre_system_await_quiescent): work items, each begun before
 * it can be finished: an actor made runnable (a thread's `woken`, counted
 * in cadre__schedule before the actor is queued) is finished by the run
 * that leaves it idle or dead (`settled`, loop.c, after the run's outbox
 * flush and wakes); a dead actor (`stopped`) by its reclamation
 * (`reclaimed`, after its mail is dead-lettered); a timer by its fire. The
 * check waits for the outside sections in progress at the call (a send's
 * or a timer fire's push comes before its wake is counted, inside one),
 * then reads the finished counters, then the timers, then the begun
 * counters, all with acquire, each paired with its writer's release store
 * (or acq_rel add) made after everything its item did. A finished item
 * seen makes every item it began visible to the later loads, so each item
 * seen finished is seen begun; and for work the caller caused, the first
 * item of its chain not seen finished is seen begun. So begun == finished
 * (with no timer due) cannot hold while such work is left: no false
 * positive. docs/architecture.md ("Quiescence") has the argument.
 */
#include <errno.h>
#include <sys/random.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cadre__actor.h"
#include "cadre__io.h"
#include "cadre__ioaux.h"
#include "cadre__metrics.h"
#include "cadre__dist.h"
#include "cadre__observe.h"
#include "cadre__registry.h"
#include "cadre__runtime.h"
#include "cadre__send.h"
#include "cadre__timer.h"

/* Process-wide source of system ids (0 is never used: CADRE_REF_NONE). */
static uint32_t next_system_id;

/* A node's incarnation: random, never 0 (0 is "not a node"). */
static uint32_t
cadre__incarnation(void)
{
	uint32_t v = 0;
	while (v == 0)
		if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
			v = (uint32_t)(cadre__now_ns() ^ (cadre__now_ns() >> 32) ^
			               (uint64_t)getpid());
	return v;
}

/* The configuration, zero fields meaning the defaults. */
static int
configure(struct cadre_system *sys, const cadre_config *cfg, unsigned n)
{
	sys->nworkers = n;
	sys->nblocking = cfg->blocking_threads != 0 ? cfg->blocking_threads : 2;
	if (cfg->seed != 0)
		sys->nblocking = 0; /* the deterministic mode: its actors run on workers[0] */
	if (sys->nblocking > CADRE__MAX_BLOCKING || cfg->shutdown_timeout < CADRE_FOREVER)
		return CADRE_EINVAL;
	sys->nall = n + sys->nblocking;
	sys->batch = cfg->batch != 0 ? cfg->batch : 100;
	sys->spin_rounds = cfg->spin_rounds != 0 ? cfg->spin_rounds : 64;
	sys->steal_age = (cfg->steal_after_us != 0 ? cfg->steal_after_us : 100u) * UINT64_C(1000);
	sys->max_msg = cfg->max_message_size != 0 ? cfg->max_message_size : (1u << 20);
	sys->shutdown_ms = cfg->shutdown_timeout != 0 ? cfg->shutdown_timeout : 5000;
	sys->run_next = !cfg->no_run_next;
	sys->backpressure = !cfg->no_backpressure;
	sys->coalesce = !cfg->no_coalesce;
	sys->dead_letter = cfg->dead_letter;
	sys->dead_letter_ctx = cfg->dead_letter_ctx;
	sys->prealloc = cfg->prealloc_bytes;
	sys->actor_stats =
	        cfg->actor_stats || cfg->observe_path != NULL || cfg->metrics_address != NULL;
	if (cfg->observe_path != NULL &&
	    (cfg->observe_path[0] == '\0' || strlen(cfg->observe_path) > CADRE__OBSERVE_PATH_MAX))
		return CADRE_EINVAL;
	sys->start_ns = cadre__now_ns();
	sys->start_ticks = cadre__ticks();
	cadre__log_configure(sys, cfg);
	sys->table.fresh_index = 1; /* index 0 is never used */
	if (cfg->node != NULL)      /* a node: every ref carries its incarnation (cadre/node.h) */
		sys->table.node = cadre__incarnation();
	sys->hooks = cadre__actor_hooks;
	return 0;
}

/* The system's memory, configured, with its workers array; NULL with *rc
 * set on failure. */
static struct cadre_system *
new_system(const cadre_config *cfg, unsigned n, int *rc)
{
	struct cadre_system *sys = cadre__alloc_aligned(sizeof *sys, CADRE__CACHELINE);
	*rc = CADRE_ENOMEM;
	if (sys == NULL)
		return NULL;
	/* An id source: only uniqueness matters (acq_rel is more than needed). */
	sys->table.id = cadre__faa_acqrel_u32(&next_system_id, 1) + 1;
	if (sys->table.id == 0) /* wrapped after 4 billion systems */
		sys->table.id = cadre__faa_acqrel_u32(&next_system_id, 1) + 1;
	if (configure(sys, cfg, n) != 0) {
		cadre__free_aligned(sys, sizeof *sys, CADRE__CACHELINE);
		*rc = CADRE_EINVAL;
		return NULL;
	}
	sys->workers =
	        cadre__alloc_aligned(sys->nall * sizeof(struct cadre__worker), CADRE__CACHELINE);
	if (sys->workers == NULL) {
		cadre__free_aligned(sys, sizeof *sys, CADRE__CACHELINE);
		return NULL;
	}
	pthread_mutex_init(&sys->shutdown_lock, NULL);
	return sys;
}

/* The endpoints a running system serves through its own actors (observe/):
 * the snapshot socket for cadre-top, and the metrics for Prometheus. */
static int
start_endpoints(struct cadre_system *sys, const cadre_config *cfg)
{
	int rc = 0;
	/* The deterministic mode refuses I/O (cadre/sim.h): its endpoints too.
	 * (Their start waits for the listener's actor, which no thread runs.) */
	if (sys->sim != NULL &&
	    (cfg->observe_path != NULL || cfg->metrics_address != NULL || cfg->node != NULL))
		return CADRE_ESTATE;
	if (cfg->observe_path != NULL && (rc = cadre__observe_start(sys, cfg->observe_path)) != 0)
		return rc;
	if (cfg->metrics_address != NULL &&
	    (rc = cadre__metrics_start(sys, cfg->metrics_address)) != 0)
		return rc;
	if (cfg->node != NULL)
		rc = cadre__dist_start(sys, cfg->node);
	return rc;
}

int
cadre_system_new(cadre_system **out, const cadre_config *cfg)
{
	if (out == NULL)
		return CADRE_EINVAL;
	*out = NULL;
	cadre_config dflt;
	memset(&dflt, 0, sizeof dflt);
	if (cfg == NULL)
		cfg = &dflt;
	/* Where the workers run, and how many there are by default: the
	 * config's CPU list, or the CPUs this thread may run on. */
	struct cadre__placement pl;
	int rc = cadre__placement_new(&pl, cfg);
	if (rc != 0)
		return rc;
	unsigned n = cfg->seed != 0 ? 1 : cfg->workers; /* one worker record, no thread */
	if (n == 0) {
		n = cfg->ncpus != 0 ? cfg->ncpus : pl.allowed;
		if (n > CADRE__MAX_WORKERS)
			n = CADRE__MAX_WORKERS;
	}
	if (n > CADRE__MAX_WORKERS) { /* one bit per worker in idle_mask */
		cadre__placement_free(&pl);
		return CADRE_EINVAL;
	}
	struct cadre_system *sys = new_system(cfg, n, &rc);
	if (sys == NULL) {
		cadre__placement_free(&pl);
		return rc;
	}
	if (cfg->seed != 0 && (rc = cadre__sim_new(sys, cfg->seed)) != 0)
		goto fail_workers;
	if ((rc = cadre__qsbr_init(&sys->qsbr, sys->nall)) != 0)
		goto fail_workers;
	if ((rc = cadre__registry_new(sys)) != 0)
		goto fail_qsbr;
	if ((rc = cadre__bpool_init(sys)) != 0)
		goto fail_registry;
	if ((rc = cadre__io_new(sys)) != 0)
		goto fail_bpool;
	if ((rc = cadre__timers_start(sys)) != 0)
		goto fail_io;
	cadre__gov_init(sys, !cfg->no_governor && sys->sim == NULL);
	/* Before the workers start: their first runs may be recorded. */
	if ((rc = cadre__trace_init(sys, cfg->trace_events, cfg->trace_dump_path)) != 0)
		goto fail_trace;
	rc = cadre__workers_start(sys, &pl);
	cadre__placement_free(&pl); /* each worker took its CPU */
	if (rc != 0)
		goto fail_trace;
	if ((rc = start_endpoints(sys, cfg)) != 0) {
		cadre_system_free(sys); /* a running system: shut down, then freed */
		return rc;
	}
	*out = sys;
	return 0;
fail_trace:
	cadre__trace_fini(sys);
	cadre__timers_stop(sys);
	cadre__timers_free(sys);
fail_io:
	cadre__io_free(sys);
fail_bpool:
	cadre__bpool_fini(sys);
fail_registry:
	cadre__registry_free(sys);
fail_qsbr:
	cadre__qsbr_fini(&sys->qsbr);
fail_workers:
	cadre__placement_free(&pl); /* (NULL already after workers_start) */
	cadre__sim_free(sys);
	cadre__free_aligned(sys->workers, sys->nall * sizeof(struct cadre__worker),
	                    CADRE__CACHELINE);
	pthread_mutex_destroy(&sys->shutdown_lock);
	cadre__free_aligned(sys, sizeof *sys, CADRE__CACHELINE);
	return rc;
}

static void
nap(long ns)
{
	struct timespec ts = {0, ns};
	nanosleep(&ts, NULL);
}

/* A wait of shutdown's: a nap, or in the deterministic mode a drive that
 * lets at most ns of virtual time pass (sim.c). */
static void
pause_for(struct cadre_system *sys, long ns)
{
	if (sys->sim != NULL)
		cadre__sim_wait(sys, (uint64_t)ns);
	else
		nap(ns);
}

static void
stop_one(void *ctx, struct cadre__actor *a)
{
	cadre__request_stop(ctx, a);
}

/* ---- 0. supervision trees, top-down ----------------------------------------- */
struct trees {
	struct cadre_system *sys;
	cadre_ref *roots;
	size_t n, cap;
};

static bool
is_root(struct cadre__actor *a)
{
	/* Acquire: pairs with the acq_rel RMW of cadre_trap_stop (the bits are
	 * all we read). */
	uint32_t sig = cadre__load_acq_u32(&a->sig);
	return (sig & (CADRE__SIG_F_TRAP_STOP | CADRE__SIG_F_PARENT_STOPS)) ==
	       CADRE__SIG_F_TRAP_STOP;
}

static void
count_root(void *ctx, struct cadre__actor *a)
{
	struct trees *t = ctx;
	t->cap += is_root(a);
}

static void
stop_root(void *ctx, struct cadre__actor *a)
{
	struct trees *t = ctx;
	if (t->n == t->cap || !is_root(a))
		return; /* (a root spawned since the count: stopped with the rest) */
	t->roots[t->n++] = cadre__ref_of(t->sys, a);
	cadre__request_stop(t->sys, a);
}

static bool
roots_alive(struct trees *t)
{
	bool any = false;
	cadre__enter(t->sys, NULL);
	for (size_t i = 0; i < t->n && !any; i++)
		any = cadre__table_get(&t->sys->table, t->roots[i]) != NULL;
	cadre__leave(t->sys, NULL);
	return any;
}

/* Asks each root of a supervision tree to stop (it traps the request and
 * stops its tree in order) and waits until they are gone, or the deadline. The
 * system still runs meanwhile: a stopping tree signals its children, and
 * its timers fire. The walks hold actor pointers: outside sections. */
static void
stop_trees(struct cadre_system *sys, uint64_t deadline)
{
	struct trees t = {sys, NULL, 0, 0};
	cadre__enter(sys, NULL);
	cadre__table_each(&sys->table, count_root, &t);
	cadre__leave(sys, NULL);
	if (t.cap == 0 || (t.roots = cadre__alloc(t.cap * sizeof *t.roots)) == NULL)
		return; /* none, or no memory: all stop at once */
	cadre__enter(sys, NULL);
	cadre__table_each(&sys->table, stop_root, &t);
	cadre__leave(sys, NULL);
	while (roots_alive(&t) && cadre__clock_ns(sys) < deadline)
		pause_for(sys, 1000000);
	cadre__free(t.roots, t.cap * sizeof *t.roots);
}

/* ---- 1. the actors left: asked, then killed at the deadline -------------- */

/* Waits until no actor is alive or the deadline has passed; true if none
 * is alive. The workers run the stops meanwhile. */
static bool
await_none_alive(struct cadre_system *sys, uint64_t deadline)
{
	long step = 10000;
	while (cadre__alive(sys) != 0) {
		if (cadre__clock_ns(sys) >= deadline)
			return false;
		pause_for(sys, step);
		if (step < 1000000)
			step *= 2;
	}
	return true;
}

/* From now on a stop request stops its actor with KILLED (actor/stop.c).
 * Every live actor already has its request queued (the walk of phase 1),
 * or is in a callback and gets to it when that returns. Release store:
 * pairs with cadre__stop_request's acquire load. A request already taken
 * runs its stop with SHUTDOWN; the walk again for the requests a root
 * trapped before closing, whose STOP bit it cleared (a no-op for others). */
static void
kill_rest(struct cadre_system *sys)
{
	cadre__store_rel_u32(&sys->killing, 1);
	cadre__enter(sys, NULL);
	cadre__table_each(&sys->table, stop_one, sys);
	cadre__leave(sys, NULL);
	cadre__wake_all(sys);
}

int
cadre_system_shutdown(cadre_system *sys, cadre_timeout timeout)
{
	if (sys == NULL || timeout < CADRE_FOREVER)
		return CADRE_EINVAL;
	if (cadre__tls_worker != NULL)
		return CADRE_EWOULDBLOCK; /* it would block a worker thread */
	pthread_mutex_lock(&sys->shutdown_lock);
	if (cadre__load_acq_u32(&sys->shut_down)) { /* pairs with the release store below */
		pthread_mutex_unlock(&sys->shutdown_lock);
		return 0;
	}
	uint64_t deadline = cadre__clock_deadline(sys, timeout);
	/* 0. Supervision trees stop top-down, in order (not with NOWAIT:
	 * everything is killed at once). */
	if (timeout != CADRE_NOWAIT)
		stop_trees(sys, deadline);

	/* 1. Refuse new spawns, sends and timers. seq_cst: Dekker with spawn.
	 * Pending timers are dropped: never sent, never counted. */
	cadre__xchg_sc_u32(&sys->closing, 1);
	while (cadre__spawning(sys) != 0)
		sched_yield();
	cadre__timers_stop(sys);
	cadre__io_stop(sys);   /* no I/O event is delivered from now on */
	cadre__dist_stop(sys); /* LEAVE to the peers; nothing from the network from now on */

	/* 2. Ask every live actor to stop (SHUTDOWN; or KILLED if the deadline
	 * has passed already). The walk holds actor pointers, so it is an
	 * outside section for the grace period. */
	if (cadre__clock_ns(sys) >= deadline)
		cadre__store_rel_u32(&sys->killing, 1); /* as in kill_rest */
	cadre__enter(sys, NULL);
	cadre__table_each(&sys->table, stop_one, sys);
	cadre__leave(sys, NULL);
	cadre__wake_all(sys);

	/* 3. Workers run the stops and exit when no actor is alive; at the
	 * deadline, what is left is killed. A callback in progress is never
	 * interrupted: the join waits for it to return. */
	if (!await_none_alive(sys, deadline))
		kill_rest(sys);
	cadre__workers_join(sys);
	/* No actor runs: no file or signal call can come now. The file
	 * operations in flight finish (their events are dead letters), the
	 * signal subscriptions end (the old actions come back). */
	cadre__files_stop(sys);
	cadre__sigs_stop(sys);

	/* 4. Outside threads that passed the closing check before it was set
	 * may still be pushing: wait for the sections in progress now (not for
	 * a moment with none: busy senders may never leave one), then reclaim
	 * everything. A section that begins after the mark sees closing set
	 * and every slot cleared (reclaim/qsbr.c's Design notes). */
	uint64_t mark = cadre__outside_mark(&sys->qsbr);
	while (!cadre__outside_passed(&sys->qsbr, mark))
		nap(100000);
	for (unsigned i = 0; i < sys->nall; i++)
		cadre__limbo_free_all(&sys->workers[i].limbo, sys->hooks.reclaim, &sys->workers[i]);
	cadre__io_close_all(sys); /* what no finish closed; no message is left */
	/* a hint; single-threaded here */
	cadre__store_rel_u32(&sys->qsbr.pending, 0);
	cadre__store_rel_u32(&sys->shut_down, 1); /* pairs with the acquire load at the top */
	pthread_mutex_unlock(&sys->shutdown_lock);
	return 0;
}

int
cadre_system_await_stopped(cadre_system *sys, cadre_timeout timeout_ms)
{
	if (sys == NULL || timeout_ms < CADRE_FOREVER)
		return CADRE_EINVAL;
	if (cadre__tls_worker != NULL)
		return CADRE_EWOULDBLOCK;
	uint64_t deadline = cadre__clock_deadline(sys, timeout_ms);
	long step = 10000;
	while (cadre__alive(sys) != 0 || cadre__unreclaimed(sys) != 0) {
		if (cadre__clock_ns(sys) >= deadline)
			return CADRE_ETIMEDOUT;
		pause_for(sys, step);
		if (step < 1000000)
			step *= 2;
	}
	return 0;
}

/* ---- quiescence ------------------------------------------------------------- */

/* One look: is the system quiescent now? See the Design notes above. */
static bool
is_quiescent(struct cadre_system *sys)
{
	uint64_t settled = cadre__settled(sys); /* first: acquire loads (system/) */
	if (cadre__timers_due(sys))             /* then the timers (acquire) */
		return false;
	return cadre__woken(sys) == settled; /* last: acquire loads (system/) */
}

int
cadre_system_await_quiescent(cadre_system *sys, cadre_timeout timeout)
{
	if (sys == NULL || timeout < CADRE_FOREVER)
		return CADRE_EINVAL;
	if (cadre__tls_worker != NULL)
		return CADRE_EWOULDBLOCK;
	/* The deterministic mode: runs what is runnable and what is due now,
	 * on this thread; the clock does not move (sim.c). Acquire: as below. */
	if (sys->sim != NULL)
		return cadre__load_acq_u32(&sys->shut_down) ? 0 : cadre__sim_quiescent(sys);
	uint64_t deadline = cadre__deadline_ms(timeout);
	/* The outside sections in progress now (a send or a timer's fire
	 * between its push and its wake's count) end before we look. */
	uint64_t mark = cadre__outside_mark(&sys->qsbr);
	long step = 10000;
	for (;;) {
		/* Acquire: pairs with shutdown's release store; a shut-down
		 * system is quiescent (its counters are final). */
		if (cadre__load_acq_u32(&sys->shut_down))
			return 0;
		if (cadre__outside_passed(&sys->qsbr, mark) && is_quiescent(sys))
			return 0;
		if (cadre__now_ns() >= deadline)
			return CADRE_ETIMEDOUT;
		nap(step);
		if (step < 1000000)
			step *= 2;
	}
}

void
cadre_system_free(cadre_system *sys)
{
	if (sys == NULL)
		return;
	if (cadre_system_shutdown(sys, sys->shutdown_ms) != 0)
		return; /* called on a worker: refusing beats freeing under it */
	cadre__timers_free(sys);
	cadre__dist_free(sys);
	cadre__io_free(sys);
	cadre__registry_free(sys);
	cadre__sigs_free(sys);
	cadre__bpool_fini(sys);
	cadre__table_fini(&sys->table);
	cadre__qsbr_fini(&sys->qsbr);
	cadre__workers_fini(sys);
	cadre__endpoint_free(&sys->obs);
	cadre__endpoint_free(&sys->metrics);
	cadre__trace_fini(sys);
	cadre__sim_free(sys);
	cadre__free_aligned(sys->workers, sys->nall * sizeof(struct cadre__worker),
	                    CADRE__CACHELINE);
	pthread_mutex_destroy(&sys->shutdown_lock);
	cadre__free_aligned(sys, sizeof *sys, CADRE__CACHELINE);
}
