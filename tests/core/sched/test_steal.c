/* Stealing under the locality-first rule (core/src/sched/sched.c): a queued
 * actor stays with its worker until it has waited steal_after_us or the
 * queue is long, and idle workers nap while anything is queued anywhere.
 *
 * stuck_owner: an actor spins in its start callback until another actor,
 * queued behind it on the same worker, has started. Only a steal by the
 * other worker can end the spin (a bounded wait: 10 s, then the check
 * fails). Each round starts from an idle system (both workers asleep with
 * no timeout), so the wake-up of a sleeper by the first queued actor is
 * exercised too; in half of the rounds the second actor is queued before
 * the long run begins, in the other half during it.
 *
 * long_queue: one actor spawns 4,000 actors that each spin ~20 us and
 * record the worker they ran on; both workers must have run some. */
#include <pthread.h>
#include <string.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"
#include "quiet.h"
#include "stuck.h"

/* z queues x (and y, unless x queues it) on its own worker. */
static int
z_start(cadre_actor *self, void *arg)
{
	bool y_during = arg != NULL;
	cadre_system *sys = cadre_actor_system(self);
	cadre_ref x, y;
	CHECK_EQ(cadre_spawn(sys, &x_beh, NULL, y_during ? (void *)1 : NULL, &x), 0);
	if (!y_during)
		CHECK_EQ(cadre_spawn(sys, &y_beh, NULL, NULL, &y), 0);
	return cadre_stop(self);
}

static const cadre_behaviour z_beh = {
        .size = sizeof(cadre_actor), .start = z_start, .receive = noop_receive};

static void
stuck_owner(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 2};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	for (int round = 0; round < 20; round++) {
		/* Let both workers go to sleep with no timeout. */
		nap_ms(20);
		stuck_round_begin();
		cadre_ref z;
		CHECK_EQ(cadre_spawn(sys, &z_beh, NULL, (round & 1) ? (void *)1 : NULL, &z), 0);
		stuck_round_end();
		CHECK_EQ(cadre_system_await_stopped(sys, 10000), 0);
	}
	cadre_stats st;
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK(st.steals >= 20); /* every y (or x) moved */
	CHECK_EQ(st.spawned, 20 * 3);
	CHECK_EQ(st.stopped, 20 * 3);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	cadre_system_free(sys);
}

#define SPINNERS 4000
static uint32_t ran_on[2];

static int
spinner_start(cadre_actor *self, void *arg)
{
	(void)arg;
	char name[16] = {0};
	pthread_getname_np(pthread_self(), name, sizeof name);
	if (strcmp(name, "cadre-w0") == 0)
		cadre__faa_acqrel_u32(&ran_on[0], 1); /* read by main after idle */
	else if (strcmp(name, "cadre-w1") == 0)
		cadre__faa_acqrel_u32(&ran_on[1], 1); /* as above */
	uint64_t end = now_ns() + 20000u;             /* ~20 us */
	while (now_ns() < end)
		;
	return cadre_stop(self);
}

static const cadre_behaviour spinner_beh = {
        .size = sizeof(cadre_actor), .start = spinner_start, .receive = noop_receive};

static int
forker_start(cadre_actor *self, void *arg)
{
	(void)arg;
	for (int i = 0; i < SPINNERS; i++) {
		cadre_ref r;
		CHECK_EQ(cadre_spawn(cadre_actor_system(self), &spinner_beh, NULL, NULL, &r), 0);
	}
	return cadre_stop(self);
}

static const cadre_behaviour forker_beh = {
        .size = sizeof(cadre_actor), .start = forker_start, .receive = noop_receive};

static void
long_queue(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 2};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref f;
	CHECK_EQ(cadre_spawn(sys, &forker_beh, NULL, NULL, &f), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 60000), 0);
	uint32_t a = cadre__load_acq_u32(&ran_on[0]), b = cadre__load_acq_u32(&ran_on[1]);
	fprintf(stderr, "long_queue: worker 0 ran %u, worker 1 ran %u\n", a, b);
	CHECK_EQ(a + b, SPINNERS);
	CHECK(a > 0 && b > 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, stuck_owner);
	TEST_CASE_IF(only, long_queue);
	fprintf(stderr, "test_steal: ok\n");
	return 0;
}
