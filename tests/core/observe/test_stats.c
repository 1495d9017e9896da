/* Per-actor and per-worker counters, and the walk of live actors
 * (cadre/stats.h): exact counts after a known workload, the mailbox length
 * of a blocked actor (bounded and unbounded), the states, the names, a
 * supervised child's restarts, a walk from inside an actor, and walks
 * while thousands of actors spawn and stop. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "check.h"
#define WAIT_ROUNDS 20000
#include "waits.h"

enum { M_DATA = 1, M_BLOCK = 2, M_FAIL = 3, M_WALK = 4 };

static cadre_system *
new_sys(unsigned workers, bool stats)
{
	cadre_config cfg = {.workers = workers, .actor_stats = stats, .quiet = true};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

static cadre_actor_info
info_of(cadre_system *sys, cadre_ref r)
{
	cadre_actor_info in;
	CHECK_EQ(cadre_actor_stats(sys, r, &in), 0);
	CHECK(cadre_ref_is_equal(in.ref, r));
	return in;
}

/* ---- an actor that counts, and blocks on M_BLOCK until released ---------- */
static int release_flag; /* atomic: 1 lets a blocked receive return */
static int blocked_flag; /* atomic: 1 once a receive is blocked */

struct counter {
	cadre_actor base;
	long n;
};

static int
counter_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct counter *c = (struct counter *)self;
	c->n++;
	if (msg->type == M_BLOCK) {
		__atomic_store_n(&blocked_flag, 1, __ATOMIC_RELEASE);
		while (!__atomic_load_n(&release_flag, __ATOMIC_ACQUIRE))
			sched_yield();
	}
	return 0;
}

static const cadre_behaviour counter_beh = {
        .size = sizeof(struct counter), .receive = counter_receive, .name = "counter"};
static const cadre_behaviour anon_beh = {.size = sizeof(struct counter),
                                         .receive = counter_receive};

static cadre_ref
spawn_counter(cadre_system *sys, const cadre_behaviour *beh, uint32_t capacity)
{
	cadre_spawn_opts o = {.mailbox_capacity = capacity};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, beh, &o, NULL, &r), 0);
	return r;
}

static void
block(cadre_system *sys, cadre_ref r)
{
	__atomic_store_n(&release_flag, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&blocked_flag, 0, __ATOMIC_RELEASE);
	CHECK_EQ(cadre_send(sys, r, M_BLOCK, NULL, 0), 0);
	WAIT_FOR(__atomic_load_n(&blocked_flag, __ATOMIC_ACQUIRE));
}

static void
unblock(void)
{
	__atomic_store_n(&release_flag, 1, __ATOMIC_RELEASE);
}

/* ---- exact counters -------------------------------------------------------- */
static void
test_exact_counters(void)
{
	cadre_system *sys = new_sys(2, true);
	CHECK(cadre_system_has_actor_stats(sys));
	cadre_ref r = spawn_counter(sys, &counter_beh, 0);
	enum { N = 5000 };
	for (int i = 0; i < N - 64; i++)
		CHECK_EQ(cadre_send(sys, r, M_DATA, &i, sizeof i), 0);
	/* 64 runs at least: one of the two workers runs it 32 times, and
	 * times one run in 32 (run_ns is sampled) */
	for (int i = 0; i < 64; i++) {
		CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
		CHECK_EQ(cadre_send(sys, r, M_DATA, &i, sizeof i), 0);
	}
	CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
	cadre_actor_info in = info_of(sys, r);
	CHECK_EQ(in.handled, N);
	CHECK(in.runs >= 64 && in.runs <= N + 1);
	CHECK(in.run_ns > 0);
	CHECK_EQ(in.mailbox, 0);
	CHECK_EQ(in.restarts, 0);
	CHECK_EQ(in.state, CADRE_ACTOR_IDLE);
	CHECK(strcmp(in.behaviour, "counter") == 0);
	CHECK(strcmp(in.name, "") == 0);
	/* per-worker runs and messages sum to the system's */
	cadre_stats all, w;
	CHECK_EQ(cadre_system_stats(sys, -1, &all), 0);
	uint64_t runs = 0, msgs = 0, t0 = all.busy_ns + all.idle_ns;
	for (unsigned i = 0; i < cadre_system_workers(sys); i++) {
		CHECK_EQ(cadre_system_stats(sys, (int)i, &w), 0);
		runs += w.batches;
		msgs += w.handled;
		CHECK(w.runq <= 1024);
	}
	CHECK_EQ(all.handled, N);
	CHECK_EQ(msgs, all.handled);
	CHECK_EQ(runs, all.batches);
	CHECK(all.busy_ns > 0);
	nap_ms(20);
	CHECK_EQ(cadre_system_stats(sys, -1, &all), 0);
	CHECK(all.busy_ns + all.idle_ns >= t0 + 2 * 15 * 1000000ull);
	cadre_system_free(sys);

	/* off: the per-actor counters stay 0; the rest is there */
	sys = new_sys(2, false);
	CHECK(!cadre_system_has_actor_stats(sys));
	r = spawn_counter(sys, &counter_beh, 0);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(cadre_send(sys, r, M_DATA, &i, sizeof i), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
	in = info_of(sys, r);
	CHECK_EQ(in.handled, 0);
	CHECK_EQ(in.runs, 0);
	CHECK_EQ(in.run_ns, 0);
	CHECK_EQ(in.state, CADRE_ACTOR_IDLE);
	CHECK(strcmp(in.behaviour, "counter") == 0);
	cadre_system_free(sys);
}

/* ---- the mailbox of a blocked actor ---------------------------------------- */
static void
mailbox_case(bool stats, uint32_t capacity, uint64_t want)
{
	cadre_system *sys = new_sys(2, stats);
	cadre_ref r = spawn_counter(sys, &counter_beh, capacity);
	block(sys, r);
	for (int i = 0; i < 1000; i++)
		CHECK_EQ(cadre_send(sys, r, M_DATA, &i, sizeof i), 0);
	cadre_actor_info in = info_of(sys, r);
	CHECK_EQ(in.mailbox, want);
	CHECK_EQ(in.state, CADRE_ACTOR_RUNNING);
	unblock();
	CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
	in = info_of(sys, r);
	CHECK_EQ(in.mailbox, 0);
	CHECK_EQ(in.handled, stats ? 1001 : 0);
	cadre_system_free(sys);
}

static void
test_mailbox(void)
{
	mailbox_case(true, 0, 1000);     /* unbounded: pushes less takes */
	mailbox_case(true, 2000, 1000);  /* bounded: its count */
	mailbox_case(false, 2000, 1000); /* bounded, counters off: still known */
	mailbox_case(false, 0, 0);       /* unbounded, counters off: not kept */
}

/* ---- states and names ------------------------------------------------------ */
static void
test_states_names(void)
{
	cadre_system *sys = new_sys(1, true);
	cadre_ref busy = spawn_counter(sys, &counter_beh, 0);
	cadre_ref other = spawn_counter(sys, &anon_beh, 0);
	cadre_ref doomed = spawn_counter(sys, &counter_beh, 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
	CHECK_EQ(info_of(sys, other).state, CADRE_ACTOR_IDLE);
	CHECK_EQ(cadre_register(sys, "the \"other\"", other), 0);
	block(sys, busy); /* the only worker is held */
	CHECK_EQ(info_of(sys, busy).state, CADRE_ACTOR_RUNNING);
	CHECK_EQ(cadre_send(sys, other, M_DATA, NULL, 0), 0);
	cadre_actor_info in = info_of(sys, other);
	CHECK_EQ(in.state, CADRE_ACTOR_RUNNABLE);
	CHECK(strcmp(in.name, "the \"other\"") == 0);
	CHECK(strcmp(in.behaviour, "") == 0); /* no name */
	CHECK_EQ(cadre_stop_ref(sys, doomed), 0);
	CHECK_EQ(info_of(sys, doomed).state, CADRE_ACTOR_STOPPING);
	/* the walk sees the same */
	cadre_actor_info all[8];
	int n = cadre_system_actors(sys, all, 8);
	CHECK_EQ(n, 3);
	int seen = 0;
	for (int i = 0; i < n; i++) {
		if (cadre_ref_is_equal(all[i].ref, busy))
			seen += all[i].state == CADRE_ACTOR_RUNNING;
		if (cadre_ref_is_equal(all[i].ref, other))
			seen += all[i].state == CADRE_ACTOR_RUNNABLE &&
			        strcmp(all[i].name, "the \"other\"") == 0;
		if (cadre_ref_is_equal(all[i].ref, doomed))
			seen += all[i].state == CADRE_ACTOR_STOPPING;
	}
	CHECK_EQ(seen, 3);
	CHECK_EQ(cadre_system_actors(sys, all, 2), 2); /* at most cap */
	CHECK_EQ(cadre_system_actors(sys, NULL, 0), 0);
	unblock();
	CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
	cadre_actor_info gone;
	CHECK_EQ(cadre_actor_stats(sys, doomed, &gone), CADRE_ENOACTOR);
	cadre_system_free(sys);
}

/* ---- a supervised child's restarts ------------------------------------------ */
static int
failer_receive(cadre_actor *self, const cadre_msg *msg)
{
	(void)self;
	return msg->type == M_FAIL ? 7 : 0;
}

static const cadre_behaviour failer_beh = {
        .size = sizeof(cadre_actor), .receive = failer_receive, .name = "failer"};

static cadre_ref
child_of(cadre_system *sys, cadre_ref sup)
{
	cadre_child_info ci;
	size_t n = 0;
	CHECK_EQ(cadre_supervisor_which_children(sys, sup, &ci, 1, &n, 5000), 0);
	CHECK_EQ(n, 1);
	return ci.ref;
}

static void
test_restarts(void)
{
	cadre_system *sys = new_sys(2, true);
	cadre_child_spec child = {.id = "c", .beh = &failer_beh, .restart = CADRE_PERMANENT};
	cadre_sup_spec spec = {
	        .strategy = CADRE_ONE_FOR_ONE, .intensity = 10, .children = &child, .nchildren = 1};
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(sys, &spec, &sup, NULL, 5000), 0);
	cadre_ref c = child_of(sys, sup);
	CHECK_EQ(info_of(sys, c).restarts, 0);
	for (uint64_t k = 1; k <= 3; k++) {
		CHECK_EQ(cadre_send(sys, c, M_FAIL, NULL, 0), 0);
		cadre_ref next;
		do {
			nap_ms(1);
			next = child_of(sys, sup);
		} while (cadre_ref_is_none(next) || cadre_ref_is_equal(next, c));
		c = next;
		cadre_actor_info in = info_of(sys, c);
		CHECK_EQ(in.restarts, k);
		CHECK(strcmp(in.behaviour, "failer") == 0);
	}
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.restarts, 3);
	cadre_system_free(sys);
}

/* ---- a walk from inside an actor -------------------------------------------- */
static int walked = -100;

static int
walker_receive(cadre_actor *self, const cadre_msg *msg)
{
	if (msg->type == M_WALK) {
		cadre_actor_info buf[4];
		int n = cadre_system_actors(cadre_actor_system(self), buf, 4);
		cadre_actor_info me;
		if (cadre_actor_stats(cadre_actor_system(self), cadre_self(self), &me) != 0 ||
		    me.state != CADRE_ACTOR_RUNNING)
			n = -1;
		__atomic_store_n(&walked, n, __ATOMIC_RELEASE);
	}
	return 0;
}

static const cadre_behaviour walker_beh = {.size = sizeof(cadre_actor), .receive = walker_receive};

static void
test_walk_inside(void)
{
	cadre_system *sys = new_sys(2, true);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &walker_beh, NULL, NULL, &r), 0);
	spawn_counter(sys, &counter_beh, 0);
	CHECK_EQ(cadre_send(sys, r, M_WALK, NULL, 0), 0);
	WAIT_FOR(__atomic_load_n(&walked, __ATOMIC_ACQUIRE) != -100);
	CHECK_EQ(walked, 2);
	cadre_system_free(sys);
}

/* ---- walks while actors spawn and stop ------------------------------------------ */
struct churn {
	cadre_system *sys;
	int done;
};

static void *
churn_main(void *arg)
{
	struct churn *c = arg;
	enum { TOTAL = 10000, BATCH = 100 };
	cadre_ref refs[BATCH];
	for (int k = 0; k < TOTAL / BATCH; k++) {
		for (int i = 0; i < BATCH; i++) {
			CHECK_EQ(cadre_spawn(c->sys, &counter_beh, NULL, NULL, &refs[i]), 0);
			CHECK_EQ(cadre_send(c->sys, refs[i], M_DATA, NULL, 0), 0);
		}
		for (int i = 0; i < BATCH; i++)
			CHECK_EQ(cadre_stop_ref(c->sys, refs[i]), 0);
	}
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int
check_entry(void *ctx, const cadre_actor_info *in)
{
	cadre_system *sys = ctx;
	cadre_ref any = in->ref;
	CHECK(any.index != 0 && any.sys != 0);
	CHECK((unsigned)in->state <= CADRE_ACTOR_STOPPING);
	CHECK(memchr(in->behaviour, '\0', sizeof in->behaviour) != NULL);
	CHECK(memchr(in->name, '\0', sizeof in->name) != NULL);
	CHECK(strcmp(in->behaviour, "counter") == 0);
	CHECK(in->mailbox <= 1);
	CHECK(in->handled <= 1);
	(void)sys;
	return 0;
}

static void
test_walk_churn(void)
{
	cadre_system *sys = new_sys(2, true);
	struct churn c = {sys, 0};
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, churn_main, &c), 0);
	cadre_actor_info buf[64];
	long walks = 0;
	while (!__atomic_load_n(&c.done, __ATOMIC_ACQUIRE)) {
		int n = cadre_system_each_actor(sys, check_entry, sys);
		CHECK(n >= 0);
		n = cadre_system_actors(sys, buf, 64);
		CHECK(n >= 0 && n <= 64);
		for (int i = 0; i < n; i++)
			check_entry(sys, &buf[i]);
		walks++;
	}
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK(walks > 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 20000), 0);
	CHECK_EQ(cadre_system_each_actor(sys, check_entry, sys), 0);
	cadre_system_free(sys);
}

/* ---- busy time from the first run --------------------------------------------
 * A worker whose first look finds work (an actor busy from its start) must
 * count its busy time from then, not from the clock's origin: busy + idle
 * never exceed the wall time since the system was made. (It counted from
 * boot when the worker's clock was still 0: 47,396 s after one second.) */
static int spin_stop; /* atomic: 1 ends the self-sends */

static int
spinner_start(cadre_actor *self, void *arg)
{
	(void)arg;
	return cadre_send(cadre_actor_system(self), cadre_self(self), M_DATA, NULL, 0);
}

static int
spinner_receive(cadre_actor *self, const cadre_msg *msg)
{
	(void)msg;
	if (__atomic_load_n(&spin_stop, __ATOMIC_ACQUIRE))
		return 0;
	return cadre_send(cadre_actor_system(self), cadre_self(self), M_DATA, NULL, 0);
}

static const cadre_behaviour spinner_beh = {
        .size = sizeof(cadre_actor), .start = spinner_start, .receive = spinner_receive};

static uint64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
test_busy_from_start(void)
{
	for (int round = 0; round < 10; round++) {
		__atomic_store_n(&spin_stop, 0, __ATOMIC_RELEASE);
		uint64_t t0 = mono_ns();
		cadre_system *sys = new_sys(1, false);
		cadre_ref r;
		CHECK_EQ(cadre_spawn(sys, &spinner_beh, NULL, NULL, &r), 0);
		nap_ms(20);
		cadre_stats st;
		CHECK_EQ(cadre_system_stats(sys, 0, &st), 0);
		uint64_t wall = mono_ns() - t0;
		CHECK(st.busy_ns > 0);
		CHECK(st.busy_ns + st.idle_ns <= wall);
		__atomic_store_n(&spin_stop, 1, __ATOMIC_RELEASE);
		CHECK_EQ(cadre_system_await_quiescent(sys, 20000), 0);
		cadre_system_free(sys);
	}
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, test_exact_counters);
	TEST_CASE_IF(only, test_mailbox);
	TEST_CASE_IF(only, test_states_names);
	TEST_CASE_IF(only, test_restarts);
	TEST_CASE_IF(only, test_walk_inside);
	TEST_CASE_IF(only, test_walk_churn);
	TEST_CASE_IF(only, test_busy_from_start);
	return 0;
}
