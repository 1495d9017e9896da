/* The blocking pool takes any number of runnable actors: scheduling one
 * never blocks and never spins, however full the pool's ring is.
 *
 * Both pool threads are held in the start of two "gate" actors while main
 * spawns N > CADRE__BPOOL_CAP blocking actors and sends each a message, so
 * nothing leaves the ring: the spawns beyond its capacity must not wait
 * for room (before the fix, spawn 65,537 spun in sched_yield forever).
 * Then the gates open; each actor, on each message, sends itself another
 * until it has had ROUNDS, so the pool threads requeue actors while the
 * ring is full too. Every actor must run exactly ROUNDS receives and stop;
 * the counts are exact (sent == handled, nothing dead-lettered).
 *
 * Bounded: the spawning runs on a helper thread that main waits for with a
 * deadline; every wait fails after its deadline. */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <cadre.h>

#include "cadre__system.h"
#include "check.h"
#include "quiet.h"

#define N 70000L /* > CADRE__BPOOL_CAP runnable at once */
#define ROUNDS 3L

_Static_assert(N > (long)CADRE__BPOOL_CAP, "more runnable actors than the ring holds");

static long gates_in, gate_open, started, received, stopped, spawned_all;
static cadre_system *sys;

static int
gate_start(cadre_actor *self, void *arg)
{
	(void)arg;
	__atomic_add_fetch(&gates_in, 1, __ATOMIC_RELEASE); /* read by main */
	/* Holds this pool thread until main opens the gate (60 s at most). */
	for (int i = 0; !ld(&gate_open); i++) {
		CHECK(i < 60000);
		nap_us(1000);
	}
	return cadre_stop(self);
}

static int
load_start(cadre_actor *self, void *arg)
{
	(void)self;
	(void)arg;
	__atomic_add_fetch(&started, 1, __ATOMIC_RELAXED); /* read after quiet */
	return 0;
}

struct load {
	cadre_actor base;
	long got;
};

static int
load_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	struct load *l = (struct load *)self;
	__atomic_add_fetch(&received, 1, __ATOMIC_RELEASE); /* read by main */
	if (++l->got == ROUNDS)
		return cadre_stop(self);
	/* Waits for the next run: the pool thread requeues us. */
	return cadre_send(cadre_actor_system(self), cadre_self(self), 1, NULL, 0);
}

static void
count_stop(cadre_actor *self, const cadre_exit *reason)
{
	(void)self;
	CHECK_EQ(reason->kind, CADRE_EXIT_NORMAL);
	__atomic_add_fetch(&stopped, 1, __ATOMIC_RELEASE); /* read by main */
}

static const cadre_behaviour gate = {.size = sizeof(cadre_actor),
                                     .start = gate_start,
                                     .receive = noop_receive,
                                     .stop = count_stop};
static const cadre_behaviour load = {.size = sizeof(struct load),
                                     .start = load_start,
                                     .receive = load_receive,
                                     .stop = count_stop};

static void *
spawner(void *arg)
{
	long n = (long)(intptr_t)arg;
	cadre_spawn_opts bo = {.flags = CADRE_SPAWN_BLOCKING};
	for (long i = 0; i < n; i++) {
		cadre_ref r;
		CHECK_EQ(cadre_spawn(sys, &load, &bo, NULL, &r), 0);
		CHECK_EQ(cadre_send(sys, r, 1, NULL, 0), 0);
	}
	__atomic_add_fetch(&spawned_all, 1, __ATOMIC_RELEASE); /* read by main */
	return NULL;
}

static void
reset(void)
{
	gates_in = gate_open = started = received = stopped = spawned_all = 0;
}

/* Waits for the counts, checks them exactly, shuts the system down. */
static void
finish(long gates)
{
	CHECK(wait_at_least(&stopped, N + gates, 120000));
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(__atomic_load_n(&started, __ATOMIC_ACQUIRE), N);
	CHECK_EQ(ld(&received), N * ROUNDS);
	CHECK_EQ(st.spawned, N + gates);
	CHECK_EQ(st.sent, N * ROUNDS);
	CHECK_EQ(st.handled, N * ROUNDS);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(__atomic_load_n(&sys->bpool.over_n, __ATOMIC_SEQ_CST), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

static void
overflow_runs_everything(void)
{
	reset();
	cadre_config cfg = {.workers = 2, .blocking_threads = 2};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_spawn_opts bo = {.flags = CADRE_SPAWN_BLOCKING};
	cadre_ref g;
	for (int i = 0; i < 2; i++)
		CHECK_EQ(cadre_spawn(sys, &gate, &bo, NULL, &g), 0);
	CHECK(wait_at_least(&gates_in, 2, 30000)); /* both pool threads held */
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, spawner, (void *)(intptr_t)N), 0);
	if (!wait_at_least(&spawned_all, 1, 60000)) {
		fprintf(stderr, "spawning %ld blocking actors did not finish in 60 s\n", N);
		abort(); /* the spawner is stuck waiting for room in the ring */
	}
	CHECK_EQ(pthread_join(t, NULL), 0);
	/* White box: the ring is full and the rest wait in the overflow (each
	 * actor was queued once, by its spawn; the sends found it active). */
	CHECK_EQ(__atomic_load_n(&sys->bpool.over_n, __ATOMIC_SEQ_CST), N - (long)CADRE__BPOOL_CAP);
	__atomic_store_n(&gate_open, 1, __ATOMIC_RELEASE); /* read by the gates */
	finish(2);
}

/* The same load without gates, from two spawning threads, on 8 pool
 * threads: producers, drainers and parkers race (no exact overflow use is
 * promised here; the counts must be exact all the same). */
static void
many_pool_threads_race(void)
{
	reset();
	cadre_config cfg = {.workers = 2, .blocking_threads = 8};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, spawner, (void *)(intptr_t)(N / 2)), 0);
	CHECK(wait_at_least(&spawned_all, 2, 60000));
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	finish(0);
}

int
main(void)
{
	TEST_CASE(overflow_runs_everything);
	TEST_CASE(many_pool_threads_race);
	return 0;
}
