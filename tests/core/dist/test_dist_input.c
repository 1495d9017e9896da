/* Distribution, what crosses and what does not (cadre/node.h): a moved
 * payload without a serializer is refused (CADRE_ESERIAL, the caller keeps
 * it), with one it arrives as bytes; frames from a raw ZeroMQ DEALER
 * (random bytes, truncated frames, several parts, frames before any HELLO,
 * then after a HELLO: a SEND to a foreign node word, to a dead actor, of a
 * reserved type, from a ref of another node; a LINK from one) are dropped
 * and counted, never a crash, and the node still works. */
#include <stdlib.h>
#include <zmq.h>

#include "cadre__wire.h"
#include "dist_helpers.h"

#define WAIT_ROUNDS 20000
#include "waits.h"

/* ---- serializers ------------------------------------------------------------------ */
static int moved_freed;
static void
moved_dtor(void *data, size_t size)
{
	(void)size;
	free(data);
	__atomic_add_fetch(&moved_freed, 1, __ATOMIC_RELAXED);
}

static long
ser_upper(void *ctx, uint32_t type, const void *data, size_t size, void *out, size_t cap)
{
	(void)ctx;
	(void)type;
	if (size > cap)
		return (long)size;
	for (size_t i = 0; i < size; i++)
		((char *)out)[i] = (char)(((const char *)data)[i] & ~0x20);
	return (long)size;
}

static long
ser_fails(void *ctx, uint32_t type, const void *data, size_t size, void *out, size_t cap)
{
	(void)ctx, (void)type, (void)data, (void)size, (void)out, (void)cap;
	return CADRE_EINVAL;
}

static char got3[16];
static int got3_n;
static int
catch_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	if (m->type == 3 && m->size < sizeof got3) {
		memcpy(got3, m->data, m->size);
		__atomic_add_fetch(&got3_n, 1, __ATOMIC_RELEASE);
	}
	return dist_count_receive(self, m);
}
static const cadre_behaviour catcher = {.size = sizeof(cadre_actor), .receive = catch_receive};

static void
test_serializer(void)
{
	char ea[128], eb[128];
	dist_endpoint(ea, sizeof ea, "input", "sa");
	dist_endpoint(eb, sizeof eb, "input", "sb");
	cadre_system *a = dist_node("a", ea, 1200), *b = dist_node("b", eb, 1200);
	CHECK_EQ(cadre_node_connect(a, eb, NULL), 0);
	CHECK_EQ(cadre_node_wait(a, "b", 10000), 0);
	cadre_ref c;
	CHECK_EQ(cadre_spawn(b, &catcher, NULL, NULL, &c), 0);
	char *p = malloc(5);
	memcpy(p, "hello", 5);
	CHECK_EQ(cadre_send_move(a, c, 3, p, 5, moved_dtor), CADRE_ESERIAL);
	CHECK_EQ(moved_freed, 0); /* still ours */
	CHECK_EQ(cadre_node_serializer(a, 3, NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_node_serializer(a, 0xFFFF0001u, ser_upper, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_node_serializer(a, 3, ser_upper, NULL), 0);
	CHECK_EQ(cadre_send_move(a, c, 3, p, 5, moved_dtor), 0);
	CHECK_EQ(moved_freed, 1); /* written as bytes on our thread, then freed */
	WAIT_FOR(dist_load(&got3_n) == 1);
	CHECK(memcmp(got3, "HELLO", 5) == 0);
	/* A serializer that fails: the payload cannot cross, the caller keeps it. */
	CHECK_EQ(cadre_node_serializer(a, 4, ser_fails, NULL), 0);
	p = malloc(5);
	CHECK_EQ(cadre_send_move(a, c, 4, p, 5, moved_dtor), CADRE_ESERIAL);
	CHECK_EQ(moved_freed, 1);
	free(p);
	dist_pair_free(a, b, ea, eb);
}

/* ---- raw frames ---------------------------------------------------------------------- */
static void
raw_send(void *s, const void *buf, size_t len)
{
	CHECK_EQ(zmq_send(s, buf, len, 0), (int)len);
}

static void
raw_frame(void *s, const struct cadre__frame *f)
{
	unsigned char buf[512];
	size_t len = cadre__wire_encode(f, buf, sizeof buf);
	CHECK(len != 0 && len <= sizeof buf);
	raw_send(s, buf, len);
}

static uint64_t
malformed_of(cadre_system *sys)
{
	cadre_node_stats ns;
	CHECK_EQ(cadre_node_stats_get(sys, &ns), 0);
	return ns.malformed;
}

static void
test_malformed(void)
{
	char ea[128], eb[128], nowhere[128];
	dist_endpoint(ea, sizeof ea, "input", "ma");
	dist_endpoint(eb, sizeof eb, "input", "mb");
	dist_endpoint(nowhere, sizeof nowhere, "input", "nowhere");
	cadre_system *a = dist_node("a", ea, 60000);
	cadre_ref counter, watch;
	CHECK_EQ(cadre_spawn(a, &dist_counter, NULL, NULL, &counter), 0);
	CHECK_EQ(cadre_spawn(a, &dist_watcher, NULL, NULL, &watch), 0);
	WAIT_FOR(dist_load(&dist_watching) == 1); /* subscribed before any event */
	void *ctx = zmq_ctx_new();
	void *s = zmq_socket(ctx, ZMQ_DEALER);
	int zero = 0;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(s, ZMQ_ROUTING_ID, "fake/4660/1", 11);
	CHECK_EQ(zmq_connect(s, ea), 0);

	/* Before any HELLO: garbage, a truncated frame, several parts. */
	srand(17);
	int garbage = 50;
	for (int i = 0; i < garbage; i++) {
		unsigned char junk[64];
		size_t n = (size_t)(rand() % (int)sizeof junk);
		for (size_t j = 0; j < n; j++)
			junk[j] = (unsigned char)rand();
		junk[0] = (unsigned char)(16 + rand() % 200); /* never a valid kind */
		raw_send(s, junk, n > 0 ? n : 1);
	}
	struct cadre__frame f = {.kind = CADRE__W_SEND, .to = counter, .type = 1};
	unsigned char buf[256];
	size_t len = cadre__wire_encode(&f, buf, sizeof buf);
	raw_send(s, buf, len - 3); /* truncated */
	CHECK_EQ(zmq_send(s, buf, len, ZMQ_SNDMORE), (int)len);
	raw_send(s, buf, len); /* two parts */
	WAIT_FOR(malformed_of(a) == (uint64_t)garbage + 2);
	raw_frame(s, &f); /* valid, but no HELLO yet: stale */

	/* A HELLO: the fake node is up (its endpoint leads nowhere). */
	struct cadre__frame h = {.kind = CADRE__W_HELLO, .incarnation = 4660, .session = 1};
	h.name = (struct cadre__wire_str){"fake", 4};
	h.endpoint = (struct cadre__wire_str){nowhere, (uint8_t)strlen(nowhere)};
	raw_frame(s, &h);
	CHECK_EQ(cadre_node_wait(a, "fake", 10000), 0);
	uint64_t before = malformed_of(a);
	cadre_ref foreign = counter, dead = counter, fake_actor = {1, 2, 3, 4660};
	foreign.node ^= 1;
	dead.index += 1000;
	struct cadre__frame bad[] = {
	        {.kind = CADRE__W_SEND, .to = foreign, .type = 1},                  /* not ours */
	        {.kind = CADRE__W_SEND, .to = counter, .type = 0xFFFF0100u},        /* reserved */
	        {.kind = CADRE__W_SEND, .to = counter, .from = foreign, .type = 1}, /* from */
	        {.kind = CADRE__W_LINK, .to = counter, .from = counter}, /* from: not theirs */
	        {.kind = CADRE__W_MONITOR, .to = foreign, .from = fake_actor, .id = 1},
	        {.kind = CADRE__W_DOWN, .to = counter, .actor = counter, .id = 1},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		raw_frame(s, &bad[i]);
	WAIT_FOR(malformed_of(a) == before + sizeof bad / sizeof bad[0]);
	/* A SEND to a dead actor: a dead letter (accounted), not malformed. */
	cadre_stats st0, st1;
	CHECK_EQ(cadre_system_stats(a, -1, &st0), 0);
	struct cadre__frame to_dead = {
	        .kind = CADRE__W_SEND, .to = dead, .from = fake_actor, .type = 1};
	raw_frame(s, &to_dead);
	struct cadre__frame good = {
	        .kind = CADRE__W_SEND, .to = counter, .from = fake_actor, .type = 1};
	raw_frame(s, &good);
	WAIT_FOR(dist_load(&dist_counted) == 1);
	CHECK_EQ(cadre_system_await_quiescent(a, 5000), 0);
	CHECK_EQ(cadre_system_stats(a, -1, &st1), 0);
	CHECK_EQ(st1.dead_letters - st0.dead_letters, 1);
	CHECK_EQ(malformed_of(a), before + sizeof bad / sizeof bad[0]);
	zmq_close(s);
	zmq_ctx_term(ctx);

	/* The node still works: a real node connects and sends. */
	cadre_system *b = dist_node("b", eb, 60000);
	CHECK_EQ(cadre_node_connect(b, ea, NULL), 0);
	CHECK_EQ(cadre_node_wait(b, "a", 10000), 0);
	CHECK_EQ(cadre_send(b, counter, 1, NULL, 0), 0);
	WAIT_FOR(dist_load(&dist_counted) == 2);
	dist_pair_free(a, b, ea, eb);
}

int
main(void)
{
	TEST_CASE(test_serializer);
	TEST_CASE(test_malformed);
	return 0;
}
