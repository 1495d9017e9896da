/* Distribution, sessions and incarnations (cadre/node.h), against a fake
 * node made of raw ZeroMQ sockets so that every step is the test's: a
 * request it never answers times out (CADRE_ETIMEDOUT); when it falls
 * silent it is declared down (TIMEOUT) and sends to it are dead letters
 * (CADRE_ENODE); a repeat of its old HELLO does not bring it back (stale);
 * a HELLO of a new session of the same incarnation does (a SIGSTOP then
 * SIGCONT: its refs are valid again); a HELLO of a new incarnation is a
 * restarted node (RESTARTED): refs to the old incarnation are refused. */
#include <stdlib.h>
#include <zmq.h>

#include "cadre__wire.h"
#include "dist_helpers.h"

#define WAIT_ROUNDS 20000
#include "waits.h"

static void *ctx;
static char ea[128], ef[128];

/* A DEALER of the fake node, connected to a, that has said HELLO. */
static void *
fake_hello_as(uint32_t incarnation, uint32_t session, const char *tag)
{
	void *s = zmq_socket(ctx, ZMQ_DEALER);
	int zero = 0;
	char id[64];
	int n = snprintf(id, sizeof id, "fake/%u/%u%s", incarnation, session, tag);
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(s, ZMQ_ROUTING_ID, id, (size_t)n);
	CHECK_EQ(zmq_connect(s, ea), 0);
	struct cadre__frame h = {
	        .kind = CADRE__W_HELLO, .incarnation = incarnation, .session = session};
	h.name = (struct cadre__wire_str){"fake", 4};
	h.endpoint = (struct cadre__wire_str){ef, (uint8_t)strlen(ef)};
	unsigned char buf[512];
	size_t len = cadre__wire_encode(&h, buf, sizeof buf);
	CHECK_EQ(zmq_send(s, buf, len, 0), (int)len);
	return s;
}

static void *
fake_hello(uint32_t incarnation, uint32_t session)
{
	return fake_hello_as(incarnation, session, "");
}

static uint64_t
stat_of(cadre_system *a, size_t off)
{
	cadre_node_stats ns;
	CHECK_EQ(cadre_node_stats_get(a, &ns), 0);
	return *(const uint64_t *)((const char *)&ns + off);
}
#define STAT(a, f) stat_of(a, offsetof(cadre_node_stats, f))

static void
test_sessions(void)
{
	dist_endpoint(ea, sizeof ea, "session", "a");
	dist_endpoint(ef, sizeof ef, "session", "fake");
	cadre_system *a = dist_node("a", ea, 1500);
	cadre_ref watch;
	CHECK_EQ(cadre_spawn(a, &dist_watcher, NULL, NULL, &watch), 0);
	WAIT_FOR(dist_load(&dist_watching) == 1); /* subscribed before any event */
	ctx = zmq_ctx_new();
	void *r = zmq_socket(ctx, ZMQ_ROUTER);
	int zero = 0;
	zmq_setsockopt(r, ZMQ_LINGER, &zero, sizeof zero);
	CHECK_EQ(zmq_bind(r, ef), 0);

	void *s1 = fake_hello(777, 1);
	CHECK_EQ(cadre_node_wait(a, "fake", 10000), 0);
	WAIT_FOR(dist_load(&dist_ups) == 1);
	cadre_ref there = {1, 1, 1, 777}, r2;
	/* It never answers: the request times out. */
	CHECK_EQ(cadre_whereis_wait(a, "fake", "x", 200, &r2), CADRE_ETIMEDOUT);
	/* Silent: down (TIMEOUT), within timeout_ms and a tick or so. */
	WAIT_FOR(dist_load(&dist_downs) == 1);
	CHECK_EQ(dist_last_down, CADRE_NODE_R_TIMEOUT);
	CHECK_EQ(cadre_send(a, there, 1, NULL, 0), CADRE_ENODE);
	CHECK_EQ(cadre_whereis_wait(a, "fake", "x", 200, &r2), CADRE_ENODE);

	/* Its old HELLO again (from another connection: a ROUTER refuses a
	 * routing id it still has): stale, still down. */
	uint64_t stale = STAT(a, stale);
	zmq_close(s1);
	void *s1b = fake_hello_as(777, 1, "b");
	WAIT_FOR(STAT(a, stale) > stale);
	CHECK_EQ(cadre_send(a, there, 1, NULL, 0), CADRE_ENODE);

	/* A new session of the same incarnation: up again, its refs valid. */
	void *s2 = fake_hello(777, 2);
	WAIT_FOR(dist_load(&dist_ups) == 2);
	CHECK_EQ(cadre_send(a, there, 1, NULL, 0), 0);

	/* A new incarnation: the old one goes down (RESTARTED) and stays
	 * refused; the new one is up. */
	void *s3 = fake_hello(888, 1);
	WAIT_FOR(dist_load(&dist_ups) == 3);
	CHECK(dist_load(&dist_downs) >= 2);
	CHECK(dist_last_down == CADRE_NODE_R_RESTARTED || dist_last_down == CADRE_NODE_R_TIMEOUT);
	CHECK_EQ(cadre_send(a, there, 1, NULL, 0), CADRE_ENODE);
	cadre_ref there2 = {1, 1, 1, 888};
	CHECK_EQ(cadre_send(a, there2, 1, NULL, 0), 0);
	char name[CADRE_NODE_NAME_MAX + 1];
	CHECK_EQ(cadre_node_of(a, there2, name, sizeof name), 0);
	CHECK(strcmp(name, "fake") == 0);
	cadre_ref nowhere = {1, 1, 1, 999};
	CHECK_EQ(cadre_node_of(a, nowhere, name, sizeof name), CADRE_ENODE);

	zmq_close(s1b);
	zmq_close(s2);
	zmq_close(s3);
	zmq_close(r);
	cadre_system_free(a);
	zmq_ctx_term(ctx);
	dist_unlink(ea);
	dist_unlink(ef);
}

/* Three nodes, b and c given only a as their seed: the seed's PEERS make
 * the mesh, so b and c connect to each other. */
static void
test_mesh(void)
{
	char e[3][128];
	const char *names[3] = {"ma", "mb", "mc"};
	for (int i = 0; i < 3; i++)
		dist_endpoint(e[i], sizeof e[i], "session", names[i]);
	const char *seeds[1] = {e[0]};
	cadre_system *n[3];
	for (int i = 0; i < 3; i++) {
		cadre_node_config nc = {.name = names[i],
		                        .endpoint = e[i],
		                        .insecure = true,
		                        .seeds = i > 0 ? seeds : NULL,
		                        .n_seeds = i > 0 ? 1 : 0};
		n[i] = dist_node_cfg(&nc);
	}
	CHECK_EQ(cadre_node_wait(n[1], "mc", 10000), 0);
	CHECK_EQ(cadre_node_wait(n[2], "mb", 10000), 0);
	for (int i = 0; i < 3; i++) {
		char up[4][CADRE_NODE_NAME_MAX + 1];
		WAIT_FOR(cadre_node_list(n[i], up, 4) == 2);
	}
	for (int i = 2; i >= 0; i--)
		cadre_system_free(n[i]);
	for (int i = 0; i < 3; i++)
		dist_unlink(e[i]);
}

int
main(void)
{
	TEST_CASE(test_sessions);
	TEST_CASE(test_mesh);
	return 0;
}
