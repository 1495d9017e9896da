/* Distribution with CURVE (cadre/node.h): nodes that accept each other's
 * keys connect (encrypted, authenticated); a node presenting a key that is
 * not accepted is refused, and the refusal is reported: CADRE_NODE_REFUSED
 * (reason UNKNOWN_KEY) to node monitors, a CADRE_LOG_NODE_REFUSED log
 * event, the `refused` counter. Bad configurations are refused. */
#include <stdlib.h>
#include <zmq.h>

#include "dist_helpers.h"

#define WAIT_ROUNDS 20000
#include "waits.h"

static int refused_logs;
static void
log_hook(void *ctx, const cadre_log_event *ev)
{
	(void)ctx;
	if (ev->kind == CADRE_LOG_NODE_REFUSED) {
		char line[256];
		CHECK(cadre_log_format(ev, line, sizeof line) > 0);
		CHECK(strstr(line, "unknown key") != NULL);
		__atomic_add_fetch(&refused_logs, 1, __ATOMIC_RELEASE);
	}
}

struct keys {
	char pub[41], sec[41];
};

static cadre_system *
secure_node(const char *name, const char *ep, const struct keys *k, const char *const *accept,
            size_t n)
{
	cadre_node_config nc = {.name = name,
	                        .endpoint = ep,
	                        .public_key = k->pub,
	                        .secret_key = k->sec,
	                        .accept_keys = accept,
	                        .n_accept_keys = n,
	                        .tick_ms = 200,
	                        .timeout_ms = 1200};
	cadre_config cfg = {.workers = 2, .node = &nc, .log = log_hook};
	cadre_system *sys = NULL;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

static void
test_bad_config(void)
{
	struct keys k;
	CHECK_EQ(zmq_curve_keypair(k.pub, k.sec), 0);
	char ep[128];
	dist_endpoint(ep, sizeof ep, "curve", "bad");
	cadre_node_config cases[] = {
	        {.name = "a", .endpoint = ep}, /* neither keys nor insecure */
	        {.name = "a", .endpoint = ep, .insecure = true, .public_key = k.pub},
	        {.name = "a b", .endpoint = ep, .insecure = true}, /* a bad name */
	        {.name = "a", .endpoint = ep, .public_key = "short", .secret_key = k.sec},
	        {.name = "a", .endpoint = "http://x", .insecure = true},
	};
	int want[] = {CADRE_EINVAL, CADRE_EINVAL, CADRE_EINVAL, CADRE_EINVAL, CADRE_EADDR};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cadre_config cfg = {.workers = 1, .node = &cases[i]};
		cadre_system *sys = NULL;
		CHECK_EQ(cadre_system_new(&sys, &cfg), want[i]);
	}
}

static void
test_unknown_key(void)
{
	struct keys ka, kb, kc;
	CHECK_EQ(zmq_curve_keypair(ka.pub, ka.sec), 0);
	CHECK_EQ(zmq_curve_keypair(kb.pub, kb.sec), 0);
	CHECK_EQ(zmq_curve_keypair(kc.pub, kc.sec), 0);
	char ea[128], eb[128], ec[128];
	dist_endpoint(ea, sizeof ea, "curve", "a");
	dist_endpoint(eb, sizeof eb, "curve", "b");
	dist_endpoint(ec, sizeof ec, "curve", "c");
	const char *acc_a[] = {kb.pub}, *acc_b[] = {ka.pub}, *acc_c[] = {ka.pub};
	cadre_system *a = secure_node("a", ea, &ka, acc_a, 1);
	cadre_system *b = secure_node("b", eb, &kb, acc_b, 1);
	cadre_system *c = secure_node("c", ec, &kc, acc_c, 1);
	cadre_ref watch, counter;
	CHECK_EQ(cadre_spawn(a, &dist_watcher, NULL, NULL, &watch), 0);
	WAIT_FOR(dist_load(&dist_watching) == 1); /* subscribed before any event */
	CHECK_EQ(cadre_spawn(a, &dist_counter, NULL, NULL, &counter), 0);
	CHECK_EQ(cadre_node_connect(b, ea, NULL), CADRE_EINVAL); /* a key is needed */
	CHECK_EQ(cadre_node_connect(b, ea, ka.pub), 0);
	CHECK_EQ(cadre_node_wait(b, "a", 10000), 0);
	CHECK_EQ(cadre_node_wait(a, "b", 10000), 0);
	CHECK_EQ(cadre_send(b, counter, 1, NULL, 0), 0);
	WAIT_FOR(dist_load(&dist_counted) == 1);

	/* c presents a key a does not accept. */
	CHECK_EQ(cadre_node_connect(c, ea, ka.pub), 0);
	WAIT_FOR(dist_load(&dist_refused) >= 1);
	CHECK_EQ(dist_last_refused, CADRE_NODE_R_UNKNOWN_KEY);
	WAIT_FOR(dist_load(&refused_logs) >= 1);
	cadre_node_stats ns;
	CHECK_EQ(cadre_node_stats_get(a, &ns), 0);
	CHECK(ns.refused >= 1);
	CHECK_EQ(cadre_node_wait(a, "c", 500), CADRE_ETIMEDOUT);
	char names[4][CADRE_NODE_NAME_MAX + 1];
	CHECK_EQ(cadre_node_list(a, names, 4), 1);
	cadre_system_free(c);
	dist_pair_free(a, b, ea, eb);
	dist_unlink(ec);
}

int
main(void)
{
	TEST_CASE(test_bad_config);
	TEST_CASE(test_unknown_key);
	return 0;
}
