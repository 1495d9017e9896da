/* One timeout convention (cadre/actor.h, cadre_timeout): every function
 * that waits, delays or times out takes milliseconds as a cadre_timeout,
 * where CADRE_FOREVER means no limit, CADRE_NOWAIT means do not wait (for
 * a delay or a request's timeout: the next tick), and any other negative
 * value is refused with CADRE_EINVAL. This test walks every such function
 * with the three kinds of value. */
#include <stdatomic.h>

#include <cadre.h>

#include "check.h"
#define WAIT_ROUNDS 20000 /* x 1 ms: bound of every wait */
#include "waits.h"

enum { T_GO = 1, T_REQ = 2, T_ANS = 3, T_TICK = 4 };

#define BAD ((cadre_timeout)-2)

/* ---- actors ---------------------------------------------------------------------------- */
static int
silent_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self, (void)m;
	return 0; /* never answers */
}

static const cadre_behaviour silent_beh = {
        .size = sizeof(cadre_actor), .receive = silent_receive, .name = "silent"};

static int
echo_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_request rq;
	if (cadre_ask_request(m, &rq) != 0)
		return 0;
	return cadre_reply(cadre_actor_system(self), &rq.reply_to, T_ANS, rq.data, rq.size);
}

static const cadre_behaviour echo_beh = {
        .size = sizeof(cadre_actor), .receive = echo_receive, .name = "echo"};

/* The asking actor: on T_GO {silent, echo} it checks its own calls. */
struct asker {
	cadre_actor base;
	cadre_asker asker;
};

static atomic_int bad_ask, bad_ask_cb;      /* what the bad timeouts returned */
static atomic_int nowait_status = 1;        /* the outcome of a NOWAIT request */
static atomic_int forever_status = 1;       /* the outcome of a FOREVER request */
static atomic_int outcomes;                 /* outcomes seen */
static atomic_int timer_ok = 1, timer_seen; /* a NOWAIT timer's delivery */

static void
never_cb(cadre_actor *self, void *ctx, const cadre_response *r)
{
	(void)self, (void)ctx, (void)r;
	CHECK(0); /* a refused request has no outcome */
}

static int
asker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct asker *a = (struct asker *)self;
	if (cadre_ask_dispatch(self, &a->asker, m) > 0)
		return 0;
	if (m->type == CADRE_MSG_REPLY) {
		cadre_response r;
		CHECK_EQ(cadre_reply_read(m, &r), 0);
		/* seq_cst: read by the main thread after `outcomes` */
		if (cadre_ref_is_none(r.from))
			atomic_store(&nowait_status, r.status);
		else
			atomic_store(&forever_status, r.status);
		atomic_fetch_add(&outcomes, 1);
		return 0;
	}
	if (m->type == T_TICK) {
		atomic_store(&timer_ok, 0);
		atomic_fetch_add(&timer_seen, 1);
		return 0;
	}
	if (m->type != T_GO)
		return 0;
	const cadre_ref *to = m->data; /* {silent, echo} */
	atomic_store(&bad_ask, cadre_ask(self, &a->asker, to[1], T_REQ, "x", 1, BAD, NULL));
	atomic_store(&bad_ask_cb, cadre_ask_cb(self, &a->asker, to[1], T_REQ, "x", 1, BAD, never_cb,
	                                       NULL, NULL));
	CHECK_EQ(cadre_ask(self, &a->asker, to[0], T_REQ, "x", 1, CADRE_NOWAIT, NULL), 0);
	CHECK_EQ(cadre_ask(self, &a->asker, to[1], T_REQ, "y", 1, CADRE_FOREVER, NULL), 0);
	return 0;
}

static void
asker_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	cadre_asker_fini(self, &((struct asker *)self)->asker);
}

static const cadre_behaviour asker_beh = {.size = sizeof(struct asker),
                                          .receive = asker_receive,
                                          .stop = asker_stop,
                                          .name = "asker"};

/* ---- the cases ------------------------------------------------------------------------- */
static cadre_system *
new_system(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 2, .no_pinning = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

static cadre_ref
spawn(cadre_system *sys, const cadre_behaviour *beh)
{
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, beh, NULL, NULL, &r), 0);
	return r;
}

static void
system_waits(void)
{
	cadre_system *sys;
	cadre_config cfg = {.shutdown_timeout = BAD};
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
	sys = new_system();
	cadre_ref s = spawn(sys, &silent_beh);
	CHECK_EQ(cadre_system_await_stopped(sys, BAD), CADRE_EINVAL);
	CHECK_EQ(cadre_system_await_stopped(sys, CADRE_NOWAIT), CADRE_ETIMEDOUT); /* s lives */
	CHECK_EQ(cadre_system_await_stopped(sys, 20), CADRE_ETIMEDOUT);
	CHECK_EQ(cadre_system_shutdown(sys, BAD), CADRE_EINVAL);
	CHECK_EQ(cadre_stop_ref(sys, s), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_NOWAIT), 0);
	cadre_system_free(sys);
}

static void
timers(void)
{
	cadre_system *sys = new_system();
	cadre_ref a = spawn(sys, &asker_beh);
	cadre_timer t;
	CHECK_EQ(cadre_send_after(sys, a, T_TICK, NULL, 0, BAD, &t), CADRE_EINVAL);
	CHECK_EQ(cadre_send_interval(sys, a, T_TICK, NULL, 0, BAD, &t), CADRE_EINVAL);
	CHECK_EQ(cadre_send_interval(sys, a, T_TICK, NULL, 0, CADRE_NOWAIT, &t), CADRE_EINVAL);
	/* FOREVER: armed, never due; NOWAIT: the next tick */
	CHECK_EQ(cadre_send_after(sys, a, T_TICK, NULL, 0, CADRE_FOREVER, &t), 0);
	cadre_timer never = t;
	CHECK_EQ(cadre_send_after(sys, a, T_TICK, NULL, 0, CADRE_NOWAIT, NULL), 0);
	WAIT_FOR(atomic_load(&timer_seen) == 1);
	CHECK_EQ(atomic_load(&timer_ok), 0);
	CHECK_EQ(cadre_timer_cancel(sys, never), 0); /* still pending: it never fired */
	cadre_system_free(sys);
}

static void
requests(void)
{
	cadre_system *sys = new_system();
	cadre_ref to[2] = {spawn(sys, &silent_beh), spawn(sys, &echo_beh)};
	cadre_ref a = spawn(sys, &asker_beh);
	CHECK_EQ(cadre_send(sys, a, T_GO, to, sizeof to), 0);
	WAIT_FOR(atomic_load(&outcomes) == 2);
	CHECK_EQ(atomic_load(&bad_ask), CADRE_EINVAL);
	CHECK_EQ(atomic_load(&bad_ask_cb), CADRE_EINVAL);
	CHECK_EQ(atomic_load(&nowait_status), CADRE_ETIMEDOUT); /* at the next tick */
	CHECK_EQ(atomic_load(&forever_status), 0);              /* answered, no limit */

	/* futures */
	char buf[8];
	size_t n = 0;
	CHECK_EQ(cadre_ask_wait(sys, to[1], T_REQ, "z", 1, BAD, buf, sizeof buf, &n, NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_wait(sys, to[0], T_REQ, "z", 1, CADRE_NOWAIT, buf, sizeof buf, &n, NULL),
	         CADRE_ETIMEDOUT);
	CHECK_EQ(
	        cadre_ask_wait(sys, to[1], T_REQ, "z", 1, CADRE_FOREVER, buf, sizeof buf, &n, NULL),
	        0);
	CHECK_EQ(n, 1);
	CHECK_EQ(buf[0], 'z');
	cadre_system_free(sys);
}

static void
supervisors_and_routers(void)
{
	cadre_system *sys = new_system();
	static const cadre_child_spec kids[1] = {
	        {.id = "w", .beh = &silent_beh, .restart = CADRE_PERMANENT, .shutdown_ms = 1000}};
	static const cadre_sup_spec spec = {.strategy = CADRE_ONE_FOR_ONE,
	                                    .intensity = 1,
	                                    .period_ms = 5000,
	                                    .children = kids,
	                                    .nchildren = 1};
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(sys, &spec, &sup, NULL, BAD), CADRE_EINVAL);
	CHECK_EQ(cadre_supervisor_start(sys, &spec, &sup, NULL, CADRE_FOREVER), 0);
	cadre_child_counts cc;
	cadre_child_info ci[1];
	size_t n;
	static const cadre_child_spec extra = {
	        .id = "x", .beh = &silent_beh, .restart = CADRE_PERMANENT, .shutdown_ms = 1000};
	cadre_ref child;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &extra, NULL, &child, BAD), CADRE_EINVAL);
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, "w", CADRE_REF_NONE, BAD),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_supervisor_restart_child(sys, sup, "w", &child, BAD), CADRE_EINVAL);
	CHECK_EQ(cadre_supervisor_delete_child(sys, sup, "w", BAD), CADRE_EINVAL);
	CHECK_EQ(cadre_supervisor_which_children(sys, sup, ci, 1, &n, BAD), CADRE_EINVAL);
	CHECK_EQ(cadre_supervisor_count_children(sys, sup, &cc, BAD), CADRE_EINVAL);
	CHECK_EQ(cadre_supervisor_stop(sys, sup, BAD), CADRE_EINVAL);
	/* nothing happened: still one running child */
	CHECK_EQ(cadre_supervisor_count_children(sys, sup, &cc, CADRE_FOREVER), 0);
	CHECK_EQ(cc.specs, 1);
	CHECK_EQ(cc.active, 1);
	CHECK_EQ(cadre_supervisor_which_children(sys, sup, ci, 1, &n, 5000), 0);
	CHECK_EQ(n, 1);

	cadre_ref routees[1] = {spawn(sys, &silent_beh)};
	cadre_router_spec rs = {
	        .strategy = CADRE_ROUTE_ROUND_ROBIN, .routees = routees, .nroutees = 1};
	cadre_ref r;
	CHECK_EQ(cadre_router_spawn(sys, &rs, &r), 0);
	cadre_router_stats st;
	CHECK_EQ(cadre_router_query(sys, r, &st, NULL, 0, NULL, BAD), CADRE_EINVAL);
	CHECK_EQ(cadre_router_query(sys, r, &st, NULL, 0, NULL, CADRE_FOREVER), 0);
	CHECK_EQ(st.routees, 1);
	CHECK_EQ(cadre_supervisor_stop(sys, sup, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, system_waits);
	TEST_CASE_IF(only, timers);
	TEST_CASE_IF(only, requests);
	TEST_CASE_IF(only, supervisors_and_routers);
	return 0;
}
