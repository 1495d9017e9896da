/* Cadre: the deterministic, replayable mode (the contract is in
 * cadre/sim.h).
 *
 * Design notes.
 *
 * No thread. A system made with cadre_config.seed != 0 has one per-core
 * worker record (workers[0]) and no blocking pool, and starts no thread:
 * not the worker, not the timer service (timer.c: no thread when sys->sim
 * is set), not the governor (off), not the I/O thread (the I/O calls are
 * refused with CADRE_ESTATE before anything starts). The thread that drives
 * the system (cadre_sim_step, cadre_sim_run, cadre_system_await_quiescent,
 * and the waits of shutdown and of actors/'s blocking calls) becomes that
 * worker for the length of the call: its thread-locals point at workers[0]
 * and its message pool, and it is online for QSBR; between calls it is an
 * outside thread again, so a send or spawn from it only queues, as from any
 * thread that is not a worker. Nothing runs concurrently, so the order of
 * everything is the order of the calls: the same on every run.
 *
 * The scheduler. sched.c does not queue a runnable actor in a run queue in
 * this mode: cadre__schedule and cadre__sched_requeue add it to one set
 * (sim->ready, linked through rq_node; the same link the run queues' inject
 * list uses, so an actor is in at most one). A step draws one of them
 * uniformly with the PRNG (splitmix64 seeded by the seed), and draws the
 * run's batch (1 .. cfg.batch) too, so the interleavings a seed gives are
 * any a real scheduler could give with one worker, not only FIFO ones.
 * The draw walks the list: O(runnable actors) a step, fine for tests.
 *
 * Virtual time. cadre__clock_ns (system/) is the one clock of every time
 * read that changes behaviour (timers, shutdown deadlines, and through
 * cadre_system_now_ms the supervisor's and router's restart windows); here
 * it is sim->now_ns, which starts at 0 and moves only in a step that finds
 * nothing runnable: to the next timer's deadline (never backwards). Timers
 * fire from the step with the calling thread as the worker, outside any
 * actor's run (tls_actor NULL: their sends are not coalesced).
 *
 * The hash. Each event (a run: its actor's slot and generation and the
 * messages it handled; a spawn; an exit and its reason; a timer's fire and
 * its target and type; a jump of the clock) is mixed into sim->hash. No
 * address and no system id goes in, so equal runs give equal hashes in any
 * process. Reclamation (QSBR) and the message pool are driven by the same
 * steps, so slots are reused in the same order: refs are equal too.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cadre/sim.h>

#include "cadre__runtime.h"
#include "cadre__timer.h"

int
cadre__sim_new(struct cadre_system *sys, uint64_t seed)
{
	struct cadre__sim *s = cadre__alloc(sizeof *s);
	if (s == NULL)
		return CADRE_ENOMEM;
	*s = (struct cadre__sim){.seed = seed, .rng = seed};
	sys->sim = s;
	return 0;
}

void
cadre__sim_free(struct cadre_system *sys)
{
	if (sys->sim == NULL)
		return;
	cadre__pool_fini(sys->workers[0].pool); /* the driving thread's pool */
	cadre__free(sys->sim, sizeof *sys->sim);
	sys->sim = NULL;
}

/* splitmix64 */
static uint64_t
draw(struct cadre__sim *s)
{
	uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The calling thread becomes workers[0] for a drive, and stops being it. */
static struct cadre__worker *
enter(struct cadre_system *sys)
{
	struct cadre__worker *w = &sys->workers[0];
	cadre__tls_worker = w;
	cadre__tls_actor = NULL;
	cadre__pool_attach(w->pool);
	cadre__qsbr_online(&sys->qsbr, 0);
	return w;
}

static void
leave(struct cadre_system *sys, struct cadre__worker *w)
{
	cadre__qsbr_announce(&sys->qsbr, 0);
	if (cadre__limbo_has(&w->limbo))
		cadre__reclaim_poll(w);
	cadre__qsbr_offline(&sys->qsbr, 0);
	cadre__pool_attach(NULL);
	cadre__tls_actor = NULL;
	cadre__tls_worker = NULL;
}

/* Runs one runnable actor, drawn from the set. */
static void
run_drawn(struct cadre_system *sys, struct cadre__worker *w)
{
	struct cadre__sim *s = sys->sim;
	uint64_t k = draw(s) % s->nready;
	cadre_mb_node **pp = &s->ready;
	while (k-- > 0)
		pp = &(*pp)->next;
	cadre_mb_node *n = *pp;
	*pp = n->next;
	s->nready--;
	struct cadre__actor *a = cadre__actor_of_rq(n);
	s->batch = 1u + (unsigned)(draw(s) % sys->batch);
	uint64_t id = cadre__sim_id(cadre__ref_of(sys, a));
	uint64_t before = w->st.handled;
	int r = cadre__run_one(w, a);
	cadre__tls_actor = NULL;
	cadre__sim_note(sys, CADRE__SIM_RUN, id, w->st.handled - before);
	if (r == CADRE__RUN_DEAD)
		cadre__sim_note(sys, CADRE__SIM_EXIT, id,
		                (uint64_t)w->exit.kind << 32 | (uint32_t)w->exit.code);
	if (cadre__limbo_has(&w->limbo))
		cadre__reclaim_poll(w);
}

/* Fires the timers due now; their count. */
static unsigned
fire_due(struct cadre_system *sys, struct cadre__worker *w)
{
	unsigned n = cadre__timers_turn(sys);
	if (w->outbox_used != 0)
		cadre__outbox_flush(sys, w);
	return n;
}

/* Moves the clock to t (never backwards), noting the jump. */
static void
clock_to(struct cadre_system *sys, uint64_t t)
{
	if (t <= sys->sim->now_ns)
		return;
	sys->sim->now_ns = t;
	cadre__sim_note(sys, CADRE__SIM_TIME, t, 0);
}

/* One step, letting the clock go up to `until` (ns); false: nothing
 * runnable, nothing due by then. */
static bool
step(struct cadre_system *sys, struct cadre__worker *w, uint64_t until)
{
	struct cadre__sim *s = sys->sim;
	if (s->nready > 0) {
		run_drawn(sys, w);
		return true;
	}
	if (fire_due(sys, w) > 0)
		return true;
	uint64_t next;
	if (!cadre__timers_next(sys, &next) || next > until)
		return false;
	clock_to(sys, next);
	fire_due(sys, w);
	return true;
}

/* Runs until nothing is runnable and nothing due by until, or for at most
 * max steps; the steps made. */
static uint64_t
drive(struct cadre_system *sys, uint64_t until, uint64_t max)
{
	struct cadre__worker *w = enter(sys);
	uint64_t steps = 0;
	while (steps < max && step(sys, w, until))
		steps++;
	leave(sys, w);
	return steps;
}

/* Shutdown's waits: a bounded drive (an actor that never goes idle must
 * not hold shutdown's deadlines back), then the time passes: to the next
 * timer, at most ns, or all of ns when nothing at all was left to do. */
#define WAIT_STEPS 4096u

void
cadre__sim_wait(struct cadre_system *sys, uint64_t ns)
{
	uint64_t until = sys->sim->now_ns + ns;
	uint64_t n = drive(sys, sys->sim->now_ns, WAIT_STEPS);
	if (n == WAIT_STEPS || (n == 0 && drive(sys, until, WAIT_STEPS) == 0))
		clock_to(sys, until);
}

int
cadre__sim_quiescent(struct cadre_system *sys)
{
	drive(sys, sys->sim->now_ns, UINT64_MAX);
	return 0;
}

/* The checks of the public drives. */
static int
check(cadre_system *sys)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	if (sys->sim == NULL)
		return CADRE_ESTATE;
	if (cadre__tls_worker != NULL)
		return CADRE_EWOULDBLOCK;
	/* Acquire: pairs with shutdown's seq_cst exchange (one thread here). */
	if (cadre__load_acq_u32(&sys->closing))
		return CADRE_ECLOSED;
	return 0;
}

int
cadre_sim_step(cadre_system *sys)
{
	int rc = check(sys);
	if (rc != 0)
		return rc;
	struct cadre__worker *w = enter(sys);
	bool did = step(sys, w, UINT64_MAX);
	leave(sys, w);
	return did ? 1 : 0;
}

int
cadre_sim_run(cadre_system *sys, cadre_timeout for_ms)
{
	if (sys != NULL && for_ms < CADRE_FOREVER)
		return CADRE_EINVAL;
	int rc = check(sys);
	if (rc != 0)
		return rc;
	uint64_t now = sys->sim->now_ns;
	uint64_t ns = (uint64_t)for_ms * 1000000u;
	uint64_t until = for_ms == CADRE_FOREVER || ns / 1000000u != (uint64_t)for_ms ||
	                                 now > UINT64_MAX - ns
	                         ? UINT64_MAX
	                         : now + ns;
	uint64_t steps = drive(sys, until, UINT64_MAX);
	if (until != UINT64_MAX)
		clock_to(sys, until);
	return steps > INT32_MAX ? INT32_MAX : (int)steps;
}

uint64_t
cadre_system_now_ms(const cadre_system *sys)
{
	return sys == NULL ? 0 : cadre__clock_ns(sys) / 1000000u;
}

uint64_t
cadre_sim_seed(const cadre_system *sys)
{
	return sys == NULL || sys->sim == NULL ? 0 : sys->sim->seed;
}

uint64_t
cadre_sim_hash(const cadre_system *sys)
{
	return sys == NULL || sys->sim == NULL ? 0 : sys->sim->hash;
}

/* CADRE_SEED from the environment: the seed to replay, or 0. */
static uint64_t
replay_seed(void)
{
	const char *e = getenv("CADRE_SEED");
	if (e == NULL || *e == '\0')
		return 0;
	char *end;
	unsigned long long v = strtoull(e, &end, 0);
	return *end == '\0' ? (uint64_t)v : 0;
}

int
cadre_sim_check(cadre_sim_scenario scenario, void *ctx, uint64_t first_seed, unsigned k,
                uint64_t *failed)
{
	if (scenario == NULL)
		return CADRE_EINVAL;
	uint64_t replay = replay_seed();
	uint64_t seed = replay != 0 ? replay : first_seed != 0 ? first_seed : 1;
	unsigned n = replay != 0 ? 1 : k;
	for (unsigned i = 0; i < n; i++, seed++) {
		if (seed == 0)
			seed = 1; /* 0 is "not deterministic" */
		if (scenario(seed, ctx) != 0) {
			fprintf(stderr,
			        "cadre_sim_check: seed %llu failed; replay it with "
			        "CADRE_SEED=%llu\n",
			        (unsigned long long)seed, (unsigned long long)seed);
			if (failed != NULL)
				*failed = seed;
			return 1;
		}
	}
	return 0;
}
