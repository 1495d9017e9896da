/* Distribution, a flood to a slow receiver (cadre/node.h): the receiver
 * stops handling; its node stops reading at inbound_max (reads_paused),
 * ZeroMQ's queues fill, the sender's queue for that peer reaches
 * queue_max and the senders get CADRE_EFULL (counted: overflows), so
 * memory stays bounded. Released, everything that was accepted arrives,
 * and the accounting over both nodes is exact. */
#include <stdlib.h>

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

static void
test_flood(void)
{
	char ea[128], eb[128];
	dist_endpoint(ea, sizeof ea, "flood", "a");
	dist_endpoint(eb, sizeof eb, "flood", "b");
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
	cadre_system *a = dist_node_cfg(&na), *b = dist_node_cfg(&nb);
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
	cadre_system_free(b);
	cadre_system_free(a);
	dist_unlink(ea);
	dist_unlink(eb);
}

int
main(void)
{
	TEST_CASE(test_flood);
	return 0;
}
