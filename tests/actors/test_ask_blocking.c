/* Blocking calls from the blocking pool: an actor spawned with
 * CADRE_SPAWN_BLOCKING runs on the blocking pool precisely to block, so
 * cadre_ask_wait, the cadre_supervisor_* calls and cadre_router_query work
 * there (they returned CADRE_EWOULDBLOCK before), while
 * cadre_system_shutdown and cadre_system_await_stopped are still refused
 * (they would wait for the thread that calls them). A shutdown while a
 * blocking actor waits in cadre_ask_wait ends the wait (CADRE_ECANCELED),
 * so the pool thread can finish. Run one case with: test_ask_blocking
 * <case>. */
#include <cadre/router.h>
#include <cadre/supervisor.h>

#include "ask_helpers.h"
#include <pthread.h>

enum { OP_ASK = 1, OP_START_CHILD, OP_REFUSED, OP_IS_WORKER, OP_ASK_FOREVER, OP_QUERY };

struct op {
	int op;
	cadre_ref to;
};

/* The outcome of the last op: set once (release), read by the test. */
static atomic_int op_done, op_rc, op_extra, op_waiting;
static char reply[16];
static size_t reply_size;
static cadre_ref child_ref;

static const cadre_child_spec child = {.id = "kid",
                                       .beh = &silent_beh,
                                       .restart = CADRE_TEMPORARY,
                                       .shutdown_ms = 1000,
                                       .type = CADRE_WORKER};

static int
do_op(cadre_system *s, const struct op *o)
{
	uint32_t type = 0;
	switch (o->op) {
	case OP_ASK: {
		int rc = cadre_ask_wait(s, o->to, T_REQ, "hello", 5, 10000, reply, sizeof reply,
		                        &reply_size, &type);
		atomic_store(&op_extra, (int)type);
		return rc;
	}
	case OP_START_CHILD:
		return cadre_supervisor_start_child(s, o->to, &child, NULL, &child_ref, 10000);
	case OP_REFUSED:
		atomic_store(&op_extra, cadre_system_await_stopped(s, 0));
		return cadre_system_shutdown(s, 0);
	case OP_IS_WORKER:
		return cadre_is_worker_thread() ? 1 : 0;
	case OP_ASK_FOREVER:
		atomic_store(&op_waiting, 1);
		return cadre_ask_wait(s, o->to, T_REQ, NULL, 0, CADRE_FOREVER, NULL, 0, NULL, NULL);
	case OP_QUERY: {
		cadre_router_stats st;
		return cadre_router_query(s, o->to, &st, NULL, 0, NULL, 10000);
	}
	default:
		return -1;
	}
}

static int
runner_receive(cadre_actor *self, const cadre_msg *m)
{
	struct op o;
	CHECK_EQ(m->size, sizeof o);
	memcpy(&o, m->data, sizeof o);
	atomic_store(&op_rc, do_op(cadre_actor_system(self), &o));
	atomic_store_explicit(&op_done, 1, memory_order_release);
	return 0;
}

static const cadre_behaviour runner_beh = {
        .size = sizeof(cadre_actor), .receive = runner_receive, .name = "runner"};

static cadre_ref
spawn_runner(bool blocking)
{
	cadre_spawn_opts o = {.flags = blocking ? CADRE_SPAWN_BLOCKING : 0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &runner_beh, &o, NULL, &r), 0);
	return r;
}

static int
run_op(cadre_ref runner, int op, cadre_ref to)
{
	struct op o = {op, to};
	atomic_store(&op_done, 0);
	atomic_store(&op_rc, 12345);
	CHECK_EQ(cadre_send(sys, runner, T_GO, &o, sizeof o), 0);
	WAIT_FOR(atomic_load_explicit(&op_done, memory_order_acquire) == 1);
	return atomic_load(&op_rc);
}

static void
is_worker(void)
{
	sys_up();
	CHECK(!cadre_is_worker_thread());
	CHECK_EQ(run_op(spawn_runner(false), OP_IS_WORKER, CADRE_REF_NONE), 1);
	CHECK_EQ(run_op(spawn_runner(true), OP_IS_WORKER, CADRE_REF_NONE), 0);
	sys_down();
}

static void
ask_wait_from_pool(void)
{
	sys_up();
	cadre_ref echo = spawn(&echo_beh, NULL);
	cadre_ref b = spawn_runner(true);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(run_op(b, OP_ASK, echo), 0);
		CHECK_EQ(reply_size, 5);
		CHECK_EQ(memcmp(reply, "hello", 5), 0);
		CHECK_EQ(atomic_load(&op_extra), T_REQ + 1);
	}
	/* on a per-core worker it is still refused */
	CHECK_EQ(run_op(spawn_runner(false), OP_ASK, echo), CADRE_EWOULDBLOCK);
	sys_down();
}

static void
supervisor_from_pool(void)
{
	sys_up();
	cadre_sup_spec spec = {.strategy = CADRE_ONE_FOR_ONE, .intensity = 1, .period_ms = 5000};
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(sys, &spec, &sup, NULL, 10000), 0);
	child_ref = CADRE_REF_NONE;
	CHECK_EQ(run_op(spawn_runner(true), OP_START_CHILD, sup), 0);
	CHECK(!cadre_ref_is_none(child_ref));
	cadre_child_counts c;
	CHECK_EQ(cadre_supervisor_count_children(sys, sup, &c, 10000), 0);
	CHECK_EQ(c.active, 1);
	CHECK_EQ(run_op(spawn_runner(false), OP_START_CHILD, sup), CADRE_EWOULDBLOCK);
	sys_down();
}

static void
router_query_from_pool(void)
{
	sys_up();
	cadre_ref routees[2] = {spawn(&silent_beh, NULL), spawn(&silent_beh, NULL)};
	cadre_router_spec rs = {
	        .strategy = CADRE_ROUTE_ROUND_ROBIN, .routees = routees, .nroutees = 2};
	cadre_ref router;
	CHECK_EQ(cadre_router_spawn(sys, &rs, &router), 0);
	CHECK_EQ(run_op(spawn_runner(true), OP_QUERY, router), 0);
	CHECK_EQ(run_op(spawn_runner(false), OP_QUERY, router), CADRE_EWOULDBLOCK);
	sys_down();
}

/* shutdown and await_stopped would wait for their own thread: refused on
 * the pool as on the workers. */
static void
shutdown_refused_on_pool(void)
{
	sys_up();
	CHECK_EQ(run_op(spawn_runner(true), OP_REFUSED, CADRE_REF_NONE), CADRE_EWOULDBLOCK);
	CHECK_EQ(atomic_load(&op_extra), CADRE_EWOULDBLOCK);
	CHECK_EQ(run_op(spawn_runner(false), OP_REFUSED, CADRE_REF_NONE), CADRE_EWOULDBLOCK);
	CHECK_EQ(atomic_load(&op_extra), CADRE_EWOULDBLOCK);
	sys_down();
}

static atomic_int shut_done, shut_rc;

static void *
shut_main(void *arg)
{
	(void)arg;
	atomic_store(&shut_rc, cadre_system_shutdown(sys, CADRE_FOREVER));
	atomic_store_explicit(&shut_done, 1, memory_order_release); /* pairs: WAIT_FOR's acquire */
	return NULL;
}

/* A blocking actor waits forever for a silent actor; the shutdown must end
 * the wait (CADRE_ECANCELED) and finish. */
static void
shutdown_while_waiting(void)
{
	sys_up();
	cadre_ref quiet = spawn(&silent_beh, NULL);
	cadre_ref b = spawn_runner(true);
	struct op o = {OP_ASK_FOREVER, quiet};
	atomic_store(&op_done, 0);
	atomic_store(&op_waiting, 0);
	CHECK_EQ(cadre_send(sys, b, T_GO, &o, sizeof o), 0);
	WAIT_FOR(atomic_load(&op_waiting) == 1);
	nap_ms(20); /* most likely asleep in the wait by now */
	pthread_t th;
	atomic_store(&shut_done, 0);
	CHECK_EQ(pthread_create(&th, NULL, shut_main, NULL), 0);
	WAIT_FOR(atomic_load_explicit(&shut_done, memory_order_acquire) == 1); /* no hang */
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(atomic_load(&shut_rc), 0);
	CHECK_EQ(atomic_load_explicit(&op_done, memory_order_acquire), 1);
	CHECK_EQ(atomic_load(&op_rc), CADRE_ECANCELED);
	sys_down(); /* a second shutdown: 0; checks the counts */
}

int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	RUN(is_worker);
	RUN(ask_wait_from_pool);
	RUN(supervisor_from_pool);
	RUN(router_query_from_pool);
	RUN(shutdown_refused_on_pool);
	RUN(shutdown_while_waiting);
	return 0;
}
