/* Distribution, two nodes in one process (cadre/node.h): connect, UP on
 * both sides, the node table (self, of, list), whereis across nodes,
 * sends and request/response (cadre_ask_wait from a thread to an actor of
 * the other node), a node that leaves (DOWN, reason LEAVE, on the other),
 * sends to it then (CADRE_ENODE: counted dead letters), and the exact
 * accounting summed over both nodes. */
#include <stdlib.h>

#include "dist_helpers.h"

#define WAIT_ROUNDS 20000
#include "waits.h"

/* On a worker, the waiting calls refuse (CADRE_ESTATE). */
static int worker_rc[2] = {1, 1};
static int
waiter_start(cadre_actor *self, void *arg)
{
	(void)arg;
	cadre_ref r;
	cadre_system *sys = cadre_actor_system(self);
	__atomic_store_n(&worker_rc[0], cadre_node_wait(sys, "b", 10), __ATOMIC_RELEASE);
	__atomic_store_n(&worker_rc[1], cadre_whereis_wait(sys, "b", "echo", 10, &r),
	                 __ATOMIC_RELEASE);
	return 0;
}
static const cadre_behaviour waiter = {
        .size = sizeof(cadre_actor), .start = waiter_start, .receive = dist_count_receive};

static void
test_two_nodes(void)
{
	char ea[128], eb[128];
	dist_endpoint(ea, sizeof ea, "basic", "a");
	dist_endpoint(eb, sizeof eb, "basic", "b");
	cadre_system *a = dist_node("a", ea, 1200), *b = dist_node("b", eb, 1200);
	cadre_ref watch;
	CHECK_EQ(cadre_spawn(a, &dist_watcher, NULL, NULL, &watch), 0);
	WAIT_FOR(dist_load(&dist_watching) == 1); /* subscribed before any event */
	CHECK_EQ(cadre_node_connect(b, ea, NULL), 0);
	CHECK_EQ(cadre_node_wait(a, "b", 10000), 0);
	CHECK_EQ(cadre_node_wait(b, "a", 10000), 0);
	WAIT_FOR(dist_load(&dist_ups) >= 1);

	/* The node table. */
	char name[CADRE_NODE_NAME_MAX + 1];
	uint32_t inc_a, inc_b;
	CHECK_EQ(cadre_node_self(a, name, sizeof name, &inc_a), 0);
	CHECK(strcmp(name, "a") == 0);
	CHECK_EQ(cadre_node_self(b, name, sizeof name, &inc_b), 0);
	CHECK(inc_a != 0 && inc_b != 0 && inc_a != inc_b);
	char names[4][CADRE_NODE_NAME_MAX + 1];
	CHECK_EQ(cadre_node_list(a, names, 4), 1);
	CHECK(strcmp(names[0], "b") == 0);
	CHECK_EQ(cadre_node_wait(a, "nobody", 50), CADRE_ETIMEDOUT);

	/* whereis across nodes. */
	cadre_ref counter, echo, r;
	CHECK_EQ(cadre_spawn(b, &dist_counter, NULL, NULL, &counter), 0);
	CHECK_EQ(cadre_spawn(b, &dist_echo, NULL, NULL, &echo), 0);
	CHECK_EQ(cadre_register(b, "counter", counter), 0);
	CHECK_EQ(cadre_register(b, "echo", echo), 0);
	CHECK_EQ(cadre_whereis_wait(a, "b", "counter", 5000, &r), 0);
	CHECK(cadre_ref_is_equal(r, counter));
	CHECK_EQ(r.node, inc_b);
	CHECK_EQ(cadre_node_of(a, r, name, sizeof name), 0);
	CHECK(strcmp(name, "b") == 0);
	CHECK_EQ(cadre_node_of(b, r, name, sizeof name), 0);
	CHECK(name[0] == '\0');
	CHECK_EQ(cadre_whereis_wait(a, "b", "nothing", 5000, &r), CADRE_ENOENT);
	CHECK_EQ(cadre_whereis_wait(a, "c", "counter", 5000, &r), CADRE_ENODE);
	cadre_ref wref;
	CHECK_EQ(cadre_spawn(a, &waiter, NULL, NULL, &wref), 0);
	WAIT_FOR(__atomic_load_n(&worker_rc[1], __ATOMIC_ACQUIRE) != 1);
	CHECK_EQ(worker_rc[0], CADRE_ESTATE);
	CHECK_EQ(worker_rc[1], CADRE_ESTATE);

	/* Sends, in order of arrival counted on the other node. */
	int n = 2000;
	for (int i = 0; i < n; i++)
		CHECK_EQ(cadre_send(a, counter, 1, &i, sizeof i), 0);
	WAIT_FOR(dist_load(&dist_counted) == n);

	/* Request/response across nodes. */
	char buf[32];
	size_t got = 0;
	uint32_t type = 0;
	CHECK_EQ(cadre_ask_wait(a, echo, 5, "ping", 4, 5000, buf, sizeof buf, &got, &type), 0);
	CHECK_EQ(got, 4);
	CHECK_EQ(type, 7);
	CHECK(memcmp(buf, "ping", 4) == 0);

	/* b leaves: a sees DOWN (LEAVE); sends to b are counted dead letters. */
	CHECK_EQ(cadre_system_await_quiescent(b, 5000), 0);
	CHECK_EQ(cadre_system_shutdown(b, 5000), 0);
	cadre_stats st[2];
	CHECK_EQ(cadre_system_stats(b, -1, &st[1]), 0);
	WAIT_FOR(dist_load(&dist_downs) >= 1);
	CHECK_EQ(dist_last_down, CADRE_NODE_R_LEAVE);
	CHECK_EQ(cadre_node_list(a, names, 4), 0);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(cadre_send(a, counter, 1, &i, sizeof i), CADRE_ENODE);
	cadre_node_stats ns;
	CHECK_EQ(cadre_node_stats_get(a, &ns), 0);
	CHECK(ns.dead_remote >= 10);
	CHECK(ns.frames_out >= (uint64_t)n);
	CHECK_EQ(ns.malformed, 0);
	CHECK_EQ(cadre_system_await_quiescent(a, 5000), 0);
	CHECK_EQ(cadre_system_stats(a, -1, &st[0]), 0);
	dist_check_accounting(st, 2);
	CHECK(st[0].dead_letters >= 10);
	dist_pair_free(a, b, ea, eb);
}

int
main(void)
{
	TEST_CASE(test_two_nodes);
	return 0;
}
