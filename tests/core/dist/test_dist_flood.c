/* Distribution, a flood to a slow receiver (cadre/node.h): the receiver
 * stops handling; its node stops reading at inbound_max (reads_paused),
 * ZeroMQ's queues fill, the sender's queue for that peer reaches
 * queue_max and the senders get CADRE_EFULL (counted: overflows), so
 * memory stays bounded. Released, everything that was accepted arrives,
 * and the accounting over both nodes is exact. */
#include <stdlib.h>
#include <zmq.h>

#include "cadre__wire.h"
#include "dist_helpers.h"

#define WAIT_ROUNDS 60000
#include "waits.h"

static int gate_open, gate_handled;

static int
slow_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	while (!__atomic_load_n(&gate_open, __ATOMIC_ACQUIRE))
		nap_ms(1);
	__atomic_add_fetch(&gate_handled, 1, __ATOMIC_RELEASE);
	return 0;
}
static const cadre_behaviour slow = {.size = sizeof(cadre_actor), .receive = slow_receive};

/* Two nodes for a flood: a sends with a small queue, b reads with a small
 * inbound budget; silences never end the link (the timeout is long). */
static void
flood_pair(const char *ta, const char *tb, char *ea, char *eb, cadre_system **a, cadre_system **b)
{
	dist_endpoint(ea, 128, "flood", ta);
	dist_endpoint(eb, 128, "flood", tb);
	cadre_node_config na = {.name = "a",
	                        .endpoint = ea,
	                        .insecure = true,
	                        .queue_max = 1000,
	                        .tick_ms = 100,
	                        .timeout_ms = 60000};
	cadre_node_config nb = {.name = "b",
	                        .endpoint = eb,
	                        .insecure = true,
	                        .inbound_max = 256 * 1024,
	                        .tick_ms = 100,
	                        .timeout_ms = 60000};
	*a = dist_node_cfg(&na);
	*b = dist_node_cfg(&nb);
}

static void
test_flood(void)
{
	char ea[128], eb[128];
	cadre_system *a, *b;
	flood_pair("a", "b", ea, eb, &a, &b);
	CHECK_EQ(cadre_node_connect(a, eb, NULL), 0);
	CHECK_EQ(cadre_node_wait(a, "b", 10000), 0);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(b, &slow, NULL, NULL, &r), 0);
	static char payload[1024];
	long sent = 0, full = 0, max = test_size("FLOOD_MAX", 400000);
	for (long i = 0; i < max && full < 200; i++) {
		int rc = cadre_send(a, r, 1, payload, sizeof payload);
		CHECK(rc == 0 || rc == CADRE_EFULL);
		if (rc == 0)
			sent++;
		else {
			full++;
			nap_ms(1);
		}
	}
	fprintf(stderr, "flood: %ld accepted, %ld refused (EFULL)\n", sent, full);
	CHECK(full >= 200);
	cadre_node_stats sa, sb;
	CHECK_EQ(cadre_node_stats_get(a, &sa), 0);
	CHECK_EQ(cadre_node_stats_get(b, &sb), 0);
	CHECK_EQ(sa.overflows, (uint64_t)full);
	CHECK(sb.reads_paused >= 1);
	/* Bounded: what was accepted and not handled is at most the queues'
	 * bounds (queue_max, ZeroMQ's high-water marks, the inbound budget). */
	CHECK(sent < 1000 + 2 * 10000 + 256 + 50000);
	__atomic_store_n(&gate_open, 1, __ATOMIC_RELEASE);
	WAIT_FOR(__atomic_load_n(&gate_handled, __ATOMIC_ACQUIRE) == sent);
	CHECK_EQ(cadre_system_await_quiescent(a, 5000), 0);
	CHECK_EQ(cadre_system_await_quiescent(b, 5000), 0);
	cadre_stats st[2];
	CHECK_EQ(cadre_system_stats(a, -1, &st[0]), 0);
	CHECK_EQ(cadre_system_stats(b, -1, &st[1]), 0);
	dist_check_accounting(st, 2);
	CHECK_EQ(st[1].handled, (uint64_t)sent);
	dist_pair_free(a, b, ea, eb);
}

/* The same flood, then the receiver's node leaves while the sender's queue
 * for it is full: what was queued becomes dead letters on the sender's
 * node, counted there as sent too, so the sum still holds. */
static void
test_flood_then_leave(void)
{
	char ea[128], eb[128];
	cadre_system *a, *b;
	flood_pair("la", "lb", ea, eb, &a, &b);
	cadre_ref watch;
	CHECK_EQ(cadre_spawn(a, &dist_watcher, NULL, NULL, &watch), 0);
	WAIT_FOR(dist_load(&dist_watching) == 1); /* subscribed before any event */
	CHECK_EQ(cadre_node_connect(a, eb, NULL), 0);
	CHECK_EQ(cadre_node_wait(a, "b", 10000), 0);
	__atomic_store_n(&gate_open, 0, __ATOMIC_RELEASE);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(b, &slow, NULL, NULL, &r), 0);
	static char payload[1024];
	long full = 0, max = test_size("FLOOD_MAX", 400000);
	for (long i = 0; i < max && full < 1; i++)
		if (cadre_send(a, r, 1, payload, sizeof payload) == CADRE_EFULL)
			full++;
	CHECK(full == 1);
	__atomic_store_n(&gate_open, 1, __ATOMIC_RELEASE);
	CHECK_EQ(cadre_system_shutdown(b, 10000), 0);
	WAIT_FOR(dist_load(&dist_downs) >= 1);
	CHECK_EQ(cadre_system_await_quiescent(a, 5000), 0);
	cadre_stats st[2];
	CHECK_EQ(cadre_system_stats(a, -1, &st[0]), 0);
	CHECK_EQ(cadre_system_stats(b, -1, &st[1]), 0);
	cadre_node_stats sa;
	CHECK_EQ(cadre_node_stats_get(a, &sa), 0);
	fprintf(stderr, "leave: %llu dead on the sender's node\n",
	        (unsigned long long)st[0].dead_letters);
	dist_check_accounting(st, 2);
	dist_pair_free(a, b, ea, eb);
}

/* A peer that goes silent while the sender's queue for it is full (a
 * fake node: a raw DEALER says HELLO, a raw ROUTER that never reads is its
 * endpoint): the peer is declared down (TIMEOUT), and what was queued
 * becomes dead letters on the sender's node, counted there as sent too. */
static void
test_flood_to_silent(void)
{
	char ea[128], ef[128];
	dist_endpoint(ea, sizeof ea, "flood", "sa");
	dist_endpoint(ef, sizeof ef, "flood", "fake");
	cadre_node_config na = {.name = "a",
	                        .endpoint = ea,
	                        .insecure = true,
	                        .queue_max = 1000,
	                        .tick_ms = 100,
	                        .timeout_ms = 1500};
	cadre_system *a = dist_node_cfg(&na);
	void *ctx = zmq_ctx_new();
	void *r = zmq_socket(ctx, ZMQ_ROUTER), *s = zmq_socket(ctx, ZMQ_DEALER);
	int zero = 0, one = 1;
	zmq_setsockopt(r, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(r, ZMQ_RCVHWM, &one, sizeof one);
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	CHECK_EQ(zmq_bind(r, ef), 0);
	CHECK_EQ(zmq_connect(s, ea), 0);
	struct cadre__frame h = {.kind = CADRE__W_HELLO, .incarnation = 777, .session = 1};
	h.name = (struct cadre__wire_str){"fake", 4};
	h.endpoint = (struct cadre__wire_str){ef, (uint8_t)strlen(ef)};
	unsigned char buf[512];
	size_t len = cadre__wire_encode(&h, buf, sizeof buf);
	CHECK_EQ(zmq_send(s, buf, len, 0), (int)len);
	CHECK_EQ(cadre_node_wait(a, "fake", 10000), 0);
	cadre_ref there = {1, 1, 1, 777};
	static char payload[1024];
	long full = 0, max = test_size("FLOOD_MAX", 400000);
	/* Until the queue stays full for 100 naps: its DEALER is full too. */
	for (long i = 0; i < max && full < 100; i++) {
		int rc = cadre_send(a, there, 1, payload, sizeof payload);
		CHECK(rc == 0 || rc == CADRE_EFULL);
		if (rc == CADRE_EFULL) {
			full++;
			nap_ms(1);
		} else {
			full = 0;
		}
	}
	CHECK_EQ(full, 100);
	/* Silent: down; what was queued is dead (counted by dist after each). */
	cadre_node_stats ns;
	WAIT_FOR(cadre_node_stats_get(a, &ns) == 0 && ns.nodes_down == 1 && ns.dead_remote >= 1000);
	CHECK_EQ(cadre_system_await_quiescent(a, 5000), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(a, -1, &st), 0);
	fprintf(stderr, "silent: %llu dead on the sender's node\n",
	        (unsigned long long)st.dead_letters);
	CHECK(st.dead_letters >= 1000); /* the queue, at least */
	dist_check_accounting(&st, 1);
	zmq_close(s);
	zmq_close(r);
	zmq_ctx_term(ctx);
	cadre_system_free(a);
	dist_unlink(ea);
	dist_unlink(ef);
}

int
main(void)
{
	TEST_CASE(test_flood);
	TEST_CASE(test_flood_then_leave);
	TEST_CASE(test_flood_to_silent);
	return 0;
}
