/* The allocation-failure sweep of actors/' calls (regression test): ask
 * (cadre_ask from an actor, cadre_ask_wait from a thread), supervisor start
 * and router create. Core's calls are swept by tests/core/signal/
 * test_oom_signals.c, whose comment explains the method: round n fails the
 * n-th allocation made from the call on (cadre__alloc_fail_after(n), the
 * seam in mailbox/base/cadre__alloc.h, which actors/ allocates through too)
 * and checks that the call returned CADRE_ENOMEM and nothing happened, or
 * kept its promise; a sweep ends at the first round that completes with the
 * failure unconsumed. Every round runs on a fresh system of one worker,
 * set up before arming, and is freed (ASan/LSan reports leaks at exit).
 *
 * The promises: an ask's outcome (its reply, or its timeout if the reply
 * could not be sent) arrives exactly once; cadre_ask_wait returns the
 * reply; cadre_supervisor_start returns 0 with every child running, and
 * otherwise CADRE_ENOMEM with no child left alive; a router spawned by
 * cadre_router_spawn comes up with its pool, or fails at start and leaves
 * no routee behind.
 *
 * Before the fix, cadre_supervisor_start timed out (after its full timeout)
 * when the child's STARTED notice could not be allocated, and answered
 * CADRE_ECANCELED when a child's spawn ran out of memory. */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <cadre.h>
#include <cadre/ask.h>
#include <cadre/router.h>
#include <cadre/supervisor.h>

#include "cadre__alloc.h"
#include "check.h"
#include "quiet.h"

#define MAX_ROUNDS 300
#define WAIT_MS 10000
#define T_MS 10000L

enum { T_REQ = 1, T_MARK, CMD_ASK, CMD_FINISH };

static long started, stopped, requests, marks, replies_failed;
static bool retry_reply; /* a reply that ran out of memory is sent again */

static void
bump(long *p)
{
	__atomic_add_fetch(p, 1, __ATOMIC_RELEASE); /* read with ld() */
}

static void
reset(void)
{
	__atomic_store_n(&started, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&stopped, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&requests, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&marks, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&replies_failed, 0, __ATOMIC_RELEASE);
}

/* ---- a worker: counts starts and stops; replies to requests -------------------------- */
static int
w_start(cadre_actor *self, void *arg)
{
	(void)self, (void)arg;
	bump(&started);
	return 0;
}

static int
w_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_request req;
	if (m->type == T_MARK)
		bump(&marks);
	if (m->type != T_REQ || cadre_ask_request(m, &req) != 0)
		return 0;
	bump(&requests);
	int rc = cadre_reply(cadre_actor_system(self), &req.reply_to, T_REQ, req.data, req.size);
	if (rc == CADRE_ENOMEM && retry_reply)
		rc = cadre_reply(cadre_actor_system(self), &req.reply_to, T_REQ, req.data,
		                 req.size);
	if (rc != 0)
		bump(&replies_failed);
	return 0;
}

static void
w_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)self, (void)why;
	bump(&stopped);
}

static const cadre_behaviour worker_beh = {
        .size = sizeof(cadre_actor), .start = w_start, .receive = w_receive, .stop = w_stop};

/* ---- rounds ----------------------------------------------------------------------------- */
static cadre_system *
sys_up(void)
{
	reset();
	cadre_system *sys;
	cadre_config cfg = {.workers = 1, .no_pinning = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

static bool
consumed_then_disarm(void)
{
	/* Acquire: pairs with the acq_rel CAS that consumed it (alloc.c). */
	bool used = cadre__load_acq_u64(&cadre__alloc_countdown) == UINT64_MAX;
	cadre__alloc_fail_after(-1);
	return used;
}

static void
sys_down(cadre_system *sys)
{
	cadre_stats st;
	CHECK_EQ(cadre_system_await_stopped(sys, WAIT_MS), 0);
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	cadre_system_free(sys);
}

struct tally {
	int rounds, refused, kept;
};

static void
count(struct tally *t, long rc)
{
	if (rc != 0 && rc != CADRE_ENOMEM)
		fprintf(stderr, "   round %d: %s\n", t->rounds, cadre_err_name((int)rc));
	CHECK(rc == 0 || rc == CADRE_ENOMEM);
	t->rounds++;
	if (rc == 0)
		t->kept++;
	else
		t->refused++;
}

/* ---- cadre_ask, from an actor ------------------------------------------------------------ */
struct asker {
	cadre_actor base;
	cadre_asker asker;
};

static long a_rc, a_done, a_outcomes, a_finished;

static int
asker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct asker *a = (struct asker *)self;
	if (cadre_ask_dispatch(self, &a->asker, m) > 0)
		return 0; /* a late reply or timeout, dropped */
	if (m->type == CADRE_MSG_REPLY) {
		cadre_response r;
		CHECK_EQ(cadre_reply_read(m, &r), 0);
		CHECK(r.status == 0 || r.status == CADRE_ETIMEDOUT);
		CHECK(r.status != 0 || (r.size == 100 && r.type == T_REQ));
		bump(&a_outcomes);
	} else if (m->type == CMD_ASK) {
		const long *n = m->data;
		const cadre_ref *to = (const cadre_ref *)(const void *)(n + 1);
		unsigned char payload[100] = {7};
		cadre__alloc_fail_after(*n);
		int rc =
		        cadre_ask(self, &a->asker, *to, T_REQ, payload, sizeof payload, 1000, NULL);
		__atomic_store_n(&a_rc, rc, __ATOMIC_RELEASE);
		bump(&a_done);
	} else if (m->type == CMD_FINISH) {
		bump(&a_finished);
		return cadre_stop(self);
	}
	return 0;
}

static void
asker_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	cadre_asker_fini(self, &((struct asker *)self)->asker);
}

static const cadre_behaviour asker_beh = {
        .size = sizeof(struct asker), .receive = asker_receive, .stop = asker_stop};

static bool
ask_round(long n, struct tally *t)
{
	cadre_system *sys = sys_up();
	__atomic_store_n(&a_done, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&a_outcomes, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&a_finished, 0, __ATOMIC_RELEASE);
	cadre_ref r, a;
	CHECK_EQ(cadre_spawn(sys, &worker_beh, NULL, NULL, &r), 0);
	CHECK(wait_at_least(&started, 1, WAIT_MS));
	CHECK_EQ(cadre_spawn(sys, &asker_beh, NULL, NULL, &a), 0);
	unsigned char cmd[sizeof(long) + sizeof(cadre_ref)];
	memcpy(cmd, &n, sizeof n);
	memcpy(cmd + sizeof n, &r, sizeof r);
	CHECK_EQ(cadre_send(sys, a, CMD_ASK, cmd, sizeof cmd), 0);
	CHECK(wait_at_least(&a_done, 1, WAIT_MS));
	long rc = ld(&a_rc);
	if (rc == 0)
		CHECK(wait_at_least(&a_outcomes, 1, WAIT_MS)); /* the promise */
	bool used = consumed_then_disarm();
	CHECK_EQ(cadre_send(sys, r, T_MARK, NULL, 0), 0);
	CHECK(wait_at_least(&marks, 1, WAIT_MS));
	CHECK_EQ(cadre_send(sys, a, CMD_FINISH, NULL, 0), 0);
	CHECK(wait_at_least(&a_finished, 1, WAIT_MS));
	CHECK_EQ(ld(&a_outcomes), rc == 0 ? 1 : 0); /* exactly once */
	if (rc != 0)
		CHECK_EQ(ld(&requests), 0); /* nothing happened */
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	sys_down(sys);
	count(t, rc);
	return used;
}

/* ---- cadre_ask_wait, from this thread -------------------------------------------------- */
static bool
ask_wait_round(long n, struct tally *t)
{
	cadre_system *sys = sys_up();
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &worker_beh, NULL, NULL, &r), 0);
	CHECK(wait_at_least(&started, 1, WAIT_MS));
	unsigned char payload[100], buf[128];
	memset(payload, 9, sizeof payload);
	size_t got = 0;
	uint32_t type = 0;
	cadre__alloc_fail_after(n);
	long rc = cadre_ask_wait(sys, r, T_REQ, payload, sizeof payload, T_MS, buf, sizeof buf,
	                         &got, &type);
	bool used = consumed_then_disarm();
	if (rc == 0) { /* the promise: the reply */
		CHECK_EQ(got, sizeof payload);
		CHECK_EQ(type, T_REQ);
		CHECK(memcmp(buf, payload, sizeof payload) == 0);
	}
	/* a request, if one went out, was queued before this mark */
	CHECK_EQ(cadre_send(sys, r, T_MARK, NULL, 0), 0);
	CHECK(wait_at_least(&marks, 1, WAIT_MS));
	CHECK_EQ(ld(&requests), rc == 0 ? 1 : 0);
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	sys_down(sys);
	count(t, rc);
	return used;
}

/* ---- cadre_supervisor_start --------------------------------------------------------------- */
static bool
sup_round(long n, struct tally *t)
{
	cadre_system *sys = sys_up();
	static const cadre_child_spec kids[2] = {
	        {.id = "a", .beh = &worker_beh, .restart = CADRE_PERMANENT, .shutdown_ms = 1000},
	        {.id = "b", .beh = &worker_beh, .restart = CADRE_PERMANENT, .shutdown_ms = 1000},
	};
	cadre_sup_spec spec = {.strategy = CADRE_ONE_FOR_ONE,
	                       .intensity = 3,
	                       .period_ms = 5000,
	                       .children = kids,
	                       .nchildren = 2};
	cadre_ref sup;
	const char *failed = NULL;
	cadre__alloc_fail_after(n);
	long rc = cadre_supervisor_start(sys, &spec, &sup, &failed, T_MS);
	bool used = consumed_then_disarm();
	count(t, rc);
	if (rc == 0) { /* the promise: every child running */
		CHECK_EQ(ld(&started), 2);
		cadre_child_counts k;
		CHECK_EQ(cadre_supervisor_count_children(sys, sup, &k, T_MS), 0);
		CHECK_EQ(k.active, 2);
		CHECK_EQ(cadre_supervisor_stop(sys, sup, T_MS), 0);
	} else {
		CHECK(failed == NULL);
	}
	CHECK_EQ(cadre_system_await_stopped(sys, WAIT_MS), 0); /* nothing left alive */
	CHECK_EQ(ld(&stopped), ld(&started));
	sys_down(sys);
	return used;
}

/* ---- cadre_router_spawn ------------------------------------------------------------------- */
static bool
router_round(long n, struct tally *t)
{
	cadre_system *sys = sys_up();
	cadre_router_spec spec = {.strategy = CADRE_ROUTE_ROUND_ROBIN,
	                          .beh = &worker_beh,
	                          .pool_size = 2,
	                          .intensity = 3};
	cadre_ref r;
	cadre__alloc_fail_after(n);
	long rc = cadre_router_spawn(sys, &spec, &r);
	/* its start is done when both routees started (one worker: the
	 * router's start ran first), or when it failed and nothing is left */
	for (long t0 = now_ms(); rc == 0; nap_us(200)) {
		cadre_stats st = stats_of(sys);
		if ((ld(&started) == 2 && st.actors_alive == 3) || st.actors_alive == 0)
			break;
		CHECK(now_ms() - t0 < WAIT_MS);
	}
	bool used = consumed_then_disarm();
	count(t, rc);
	bool up = rc == 0 && stats_of(sys).actors_alive == 3;
	if (up) { /* the promise: the pool is up */
		cadre_router_stats st;
		CHECK_EQ(cadre_router_query(sys, r, &st, NULL, 0, NULL, T_MS), 0);
		CHECK_EQ(st.routees, 2);
		CHECK_EQ(cadre_stop_ref(sys, r), 0);
	}
	CHECK_EQ(cadre_system_await_stopped(sys, WAIT_MS), 0); /* no routee left behind */
	CHECK_EQ(ld(&stopped), ld(&started));
	sys_down(sys);
	return used;
}

typedef bool (*round_fn)(long n, struct tally *t);

static void
sweep(const char *what, round_fn fn)
{
	struct tally t = {0};
	long n = 0;
	while (fn(n, &t)) {
		n++;
		CHECK(n < MAX_ROUNDS);
	}
	fprintf(stderr, "   %s: %d rounds, %d refused with ENOMEM, %d kept their promise\n", what,
	        t.rounds, t.refused, t.kept);
	CHECK(t.refused >= 1);
}

static void
oom_ask(void)
{
	retry_reply = false; /* a lost reply: the timeout is the outcome */
	sweep("cadre_ask", ask_round);
	retry_reply = true; /* the future gets its reply */
	sweep("cadre_ask_wait", ask_wait_round);
}

static void
oom_supervisor_start(void)
{
	sweep("cadre_supervisor_start", sup_round);
}

static void
oom_router_create(void)
{
	sweep("cadre_router_spawn", router_round);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, oom_ask);
	TEST_CASE_IF(only, oom_supervisor_start);
	TEST_CASE_IF(only, oom_router_create);
	fprintf(stderr, "test_oom_actors: ok\n");
	return 0;
}
