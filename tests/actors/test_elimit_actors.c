/* A full actor table is CADRE_ELIMIT through actors/' calls too
 * (regression test): cadre_supervisor_start, cadre_router_spawn,
 * cadre_ask_wait and cadre_ask_gather_wait each spawn an actor of their own
 * first (the supervisor's starter, the router, the request's proxy) and
 * return that spawn's code. With the table's capacity lowered to CAP (the
 * internal cadre__table_set_capacity) and CAP actors alive, each returns
 * CADRE_ELIMIT (before the change: CADRE_ENOMEM, the table's old code), and
 * nothing is left behind: once the actors have stopped, the same calls
 * succeed, and the counts are exact.
 *
 * CAP is more than the workers' index caches can hold (2 x 4096), so that
 * the stopped actors' indexes come back to the main thread. Bounded: every
 * wait has a deadline and then fails. */
#include <stdint.h>
#include <string.h>

#include <cadre.h>
#include <cadre/ask.h>
#include <cadre/router.h>
#include <cadre/supervisor.h>

#include "cadre__system.h"
#include "check.h"
#include "quiet.h"

#define CAP 16384u
#define T_MS 10000L

enum { T_REQ = 1 };

static long started, stopped;

static int
count_start(cadre_actor *self, void *arg)
{
	(void)self;
	(void)arg;
	__atomic_add_fetch(&started, 1, __ATOMIC_RELEASE); /* read with ld() */
	return 0;
}

static void
count_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)self;
	(void)why;
	__atomic_add_fetch(&stopped, 1, __ATOMIC_RELEASE); /* read with ld() */
}

/* Answers a request with its payload. */
static int
echo_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0)
		return 0;
	return cadre_reply(cadre_actor_system(self), &req.reply_to, T_REQ, req.data, req.size);
}

static const cadre_behaviour echo = {.size = sizeof(cadre_actor),
                                     .start = count_start,
                                     .receive = echo_receive,
                                     .stop = count_stop};

/* Each call that spawns first; all must return want. */
static void
calls_return(cadre_system *sys, cadre_ref target, int want)
{
	/* The specs outlive the supervisor and the router (static). */
	static cadre_child_spec kid = {.id = "kid", .beh = &echo};
	static cadre_sup_spec sp = {
	        .strategy = CADRE_ONE_FOR_ONE, .children = &kid, .nchildren = 1};
	cadre_ref sup = CADRE_REF_NONE;
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, NULL, T_MS), want);
	static cadre_router_spec rs = {
	        .strategy = CADRE_ROUTE_ROUND_ROBIN, .beh = &echo, .pool_size = 1};
	cadre_ref router = CADRE_REF_NONE;
	CHECK_EQ(cadre_router_spawn(sys, &rs, &router), want);
	char buf[8];
	size_t got = 0;
	uint32_t type = 0;
	CHECK_EQ(cadre_ask_wait(sys, target, T_REQ, "ping", 4, T_MS, buf, sizeof buf, &got, &type),
	         want);
	cadre_gather *g = NULL;
	CHECK_EQ(cadre_ask_gather_wait(sys, &target, 1, T_REQ, "ping", 4, CADRE_GATHER_ALL, 1, T_MS,
	                               &g),
	         want);
	cadre_gather_free(g);
	if (want != 0)
		return;
	CHECK_EQ(got, 4);
	CHECK(memcmp(buf, "ping", 4) == 0);
	/* sup, its child, router and its routee: stop the two roots */
	CHECK_EQ(cadre_stop_ref(sys, sup), 0);
	CHECK_EQ(cadre_stop_ref(sys, router), 0);
}

int
main(void)
{
	cadre_config cfg = {.workers = 2};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre__table_set_capacity(&sys->table, CAP), 0);
	static cadre_ref live[CAP];
	for (unsigned i = 0; i < CAP; i++)
		CHECK_EQ(cadre_spawn(sys, &echo, NULL, NULL, &live[i]), 0);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &echo, NULL, NULL, &r), CADRE_ELIMIT);
	CHECK(wait_at_least(&started, CAP, 30000));
	calls_return(sys, live[0], CADRE_ELIMIT);
	/* Nothing was left behind by the refused calls. */
	CHECK_EQ(stats_of(sys).actors_alive, CAP);
	for (unsigned i = 1; i < CAP; i++)
		CHECK_EQ(cadre_stop_ref(sys, live[i]), 0);
	CHECK(wait_at_least(&stopped, CAP - 1, 30000));
	/* Usable again: every call succeeds (the supervisor's and the
	 * router's children start). */
	calls_return(sys, live[0], 0);
	CHECK_EQ(cadre_stop_ref(sys, live[0]), 0);
	cadre_stats st = await_quiet(sys);
	/* CAP, then the supervisor and its child, the router and its
	 * routee, the two requests' proxies: the refused spawns count
	 * nowhere. */
	CHECK_EQ(st.spawned, CAP + 6);
	CHECK_EQ(ld(&started), CAP + 2); /* echo: the CAP, the child, the routee */
	CHECK_EQ(ld(&stopped), CAP + 2);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
	return 0;
}
