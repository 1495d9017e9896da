/* The message path's two caches: the outbox (a run's sends linked into a
 * receiver's mailbox a chain at a time) and the per-worker message pool.
 *
 *   fanout_order      one run sends to 100 receivers (more than the
 *                     outbox's 64 ways: chains are evicted) round-robin and
 *                     in bursts longer than a chain; every receiver checks
 *                     its order and count; with coalescing on and off
 *   receiver_stops    a receiver stops itself at message 50 of 200 sent in
 *                     one run: exactly 150 dead letters, whatever the timing
 *   sender_stops      a run sends 100 messages and then stops its actor (or
 *                     fails): all 100 are still delivered
 *   pool_fault        an injected allocation failure is honoured on a worker
 *                     even when its pool holds free blocks
 *   cross_system      actors of two systems stream to each other (blocks
 *                     from one system's pools end in the other's, and
 *                     overflow them), then the systems shut down one after
 *                     the other
 */
#include <stdlib.h>

#include <cadre.h>

#include "cadre__alloc.h"
#include "cadre__atomic.h"
#include "check.h"
#include "dead_letters.h"

enum { M_ITEM = 1, M_GO = 2, M_DONE = 3 };

/* ---- receivers that check order -------------------------------------------- */
struct checker {
	cadre_actor base;
	uint32_t next;
	uint32_t want;
	uint32_t stop_at; /* stop itself after this many (0: never) */
};

struct checker_arg {
	uint32_t want, stop_at;
};

static uint32_t order_errors; /* atomic adds */
static uint64_t checked;      /* messages checked, all receivers (atomic adds) */
static uint32_t finished;     /* receivers that saw all they wanted (atomic adds) */

static int
checker_start(cadre_actor *self, void *arg)
{
	struct checker *c = (struct checker *)self;
	const struct checker_arg *a = arg;
	c->want = a->want;
	c->stop_at = a->stop_at;
	return 0;
}

static int
checker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct checker *c = (struct checker *)self;
	uint32_t seq;
	CHECK_EQ(m->type, M_ITEM);
	CHECK_EQ(m->size, sizeof seq);
	memcpy(&seq, m->data, sizeof seq);
	if (seq != c->next)
		cadre__faa_acqrel_u32(&order_errors, 1); /* a count, read after the run */
	c->next = seq + 1;
	cadre__faa_acqrel_u64(&checked, 1); /* as above */
	if (c->next == c->stop_at)
		return cadre_stop(self);
	if (c->next == c->want) {
		cadre__faa_acqrel_u32(&finished, 1); /* as above */
		return cadre_stop(self);
	}
	return 0;
}

static const cadre_behaviour checker = {
        .size = sizeof(struct checker), .start = checker_start, .receive = checker_receive};

/* ---- fanout_order ----------------------------------------------------------- */
enum { FAN_R = 100, FAN_ROUNDS = 20, FAN_BURST = 40, FAN_WANT = 2000 };

struct fan_sender {
	cadre_actor base;
	cadre_ref to[FAN_R];
	uint32_t seq[FAN_R];
	uint32_t round;
};

static void
fan_send(struct fan_sender *s, uint32_t r)
{
	CHECK_EQ(cadre_send(cadre_actor_system(&s->base), s->to[r], M_ITEM, &s->seq[r],
	                    sizeof s->seq[r]),
	         0);
	s->seq[r]++;
}

/* One round per run: one message to each receiver round-robin, then bursts
 * of FAN_BURST (longer than a chain) to a quarter of them, another quarter
 * each round. The last run sends every receiver the rest of its FAN_WANT. */
static int
fan_step(cadre_actor *self)
{
	struct fan_sender *s = (struct fan_sender *)self;
	for (uint32_t r = 0; r < FAN_R; r++)
		fan_send(s, r);
	for (uint32_t r = 0; r < FAN_R; r++)
		for (uint32_t j = 0; (r + s->round) % 4 == 0 && j < FAN_BURST; j++)
			fan_send(s, r);
	if (++s->round < FAN_ROUNDS)
		return cadre_send(cadre_actor_system(self), cadre_self(self), M_GO, NULL, 0);
	for (uint32_t r = 0; r < FAN_R; r++)
		while (s->seq[r] < FAN_WANT)
			fan_send(s, r);
	return cadre_stop(self);
}

static int
fan_start(cadre_actor *self, void *arg)
{
	struct fan_sender *s = (struct fan_sender *)self;
	static const struct checker_arg ca = {FAN_WANT, 0};
	(void)arg;
	for (uint32_t i = 0; i < FAN_R; i++)
		CHECK_EQ(cadre_spawn(cadre_actor_system(self), &checker, NULL, (void *)&ca,
		                     &s->to[i]),
		         0);
	return fan_step(self);
}

static int
fan_receive(cadre_actor *self, const cadre_msg *m)
{
	CHECK_EQ(m->type, M_GO);
	return fan_step(self);
}

static const cadre_behaviour fan_sender = {
        .size = sizeof(struct fan_sender), .start = fan_start, .receive = fan_receive};

static void
reset_counts(void)
{
	cadre__store_rel_u32(&order_errors, 0); /* no system runs now */
	cadre__store_rel_u64(&checked, 0);
	cadre__store_rel_u32(&finished, 0);
}

static void
fanout_with(bool no_coalesce)
{
	reset_counts();
	cadre_config cfg = {.workers = 2, .no_pinning = true, .no_coalesce = no_coalesce};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref s;
	CHECK_EQ(cadre_spawn(sys, &fan_sender, NULL, NULL, &s), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 120000), 0);
	CHECK_EQ(cadre__load_acq_u32(&order_errors), 0);
	CHECK_EQ(cadre__load_acq_u32(&finished), FAN_R);
	CHECK_EQ(cadre__load_acq_u64(&checked), (uint64_t)FAN_R * FAN_WANT);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(st.sent, st.handled);
	/* the receivers' items and the sender's own "go on" messages */
	CHECK_EQ(st.handled, (uint64_t)FAN_R * FAN_WANT + FAN_ROUNDS - 1);
	cadre_system_free(sys);
}

static void
fanout_order(void)
{
	fanout_with(false);
	fanout_with(true);
}

/* ---- receiver_stops --------------------------------------------------------- */
enum { RS_SENT = 200, RS_STOP_AT = 50 };

static int
rs_sender_start(cadre_actor *self, void *arg)
{
	cadre_system *sys = cadre_actor_system(self);
	static const struct checker_arg ca = {UINT32_MAX, RS_STOP_AT};
	cadre_ref to;
	(void)arg;
	CHECK_EQ(cadre_spawn(sys, &checker, NULL, (void *)&ca, &to), 0);
	for (uint32_t i = 0; i < RS_SENT; i++) {
		/* the receiver may already be gone (stolen, run, stopped) */
		int rc = cadre_send(sys, to, M_ITEM, &i, sizeof i);
		CHECK(rc == 0 || rc == CADRE_ENOACTOR);
	}
	return cadre_stop(self);
}

static const cadre_behaviour rs_sender = {
        .size = sizeof(cadre_actor), .start = rs_sender_start, .receive = noop_receive};

static void
receiver_stops(void)
{
	for (int round = 0; round < 20; round++) {
		reset_counts();
		struct dl_log dl;
		dl_init(&dl);
		cadre_system *sys = dl_system(2, 0, &dl);
		cadre_ref s;
		CHECK_EQ(cadre_spawn(sys, &rs_sender, NULL, NULL, &s), 0);
		CHECK_EQ(cadre_system_await_stopped(sys, 60000), 0);
		CHECK_EQ(cadre__load_acq_u32(&order_errors), 0);
		CHECK_EQ(cadre__load_acq_u64(&checked), RS_STOP_AT);
		cadre_stats st;
		CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
		CHECK_EQ(st.sent, RS_SENT);
		CHECK_EQ(st.handled, RS_STOP_AT);
		CHECK_EQ(st.dead_letters, RS_SENT - RS_STOP_AT);
		CHECK_EQ(dl_wait(&dl, RS_SENT - RS_STOP_AT), RS_SENT - RS_STOP_AT);
		CHECK_EQ(dl.enoactor, RS_SENT - RS_STOP_AT);
		cadre_system_free(sys);
		dl_fini(&dl);
	}
}

/* ---- sender_stops ----------------------------------------------------------- */
enum { SS_SENT = 100 };

struct ss_arg {
	bool fail; /* fail (return an error) instead of cadre_stop */
};

static int
ss_sender_start(cadre_actor *self, void *arg)
{
	const struct ss_arg *a = arg;
	cadre_system *sys = cadre_actor_system(self);
	static const struct checker_arg ca = {SS_SENT, 0};
	cadre_ref to;
	CHECK_EQ(cadre_spawn(sys, &checker, NULL, (void *)&ca, &to), 0);
	for (uint32_t i = 0; i < SS_SENT; i++)
		CHECK_EQ(cadre_send(sys, to, M_ITEM, &i, sizeof i), 0);
	return a->fail ? -1 : cadre_stop(self);
}

static const cadre_behaviour ss_sender = {
        .size = sizeof(cadre_actor), .start = ss_sender_start, .receive = noop_receive};

static void
sender_stops(void)
{
	for (int fail = 0; fail < 2; fail++) {
		reset_counts();
		struct ss_arg a = {fail != 0};
		cadre_system *sys = dl_system(2, 0, NULL);
		cadre_ref s;
		CHECK_EQ(cadre_spawn(sys, &ss_sender, NULL, &a, &s), 0);
		CHECK_EQ(cadre_system_await_stopped(sys, 60000), 0);
		CHECK_EQ(cadre__load_acq_u32(&order_errors), 0);
		CHECK_EQ(cadre__load_acq_u32(&finished), 1);
		cadre_stats st;
		CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
		CHECK_EQ(st.sent, SS_SENT);
		CHECK_EQ(st.handled, SS_SENT);
		CHECK_EQ(st.dead_letters, 0);
		cadre_system_free(sys);
	}
}

/* ---- pool_fault ------------------------------------------------------------- */
/* On a one-worker system: the driver sends 50 messages to a sink on the same
 * worker, which frees them there (into the worker's pool) and answers; on
 * the answer, with free blocks in the pool, an injected failure must still
 * fail the next send, and only that one. */
struct sink {
	cadre_actor base;
	uint32_t n;
};

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct sink *k = (struct sink *)self;
	if (++k->n == 50)
		return cadre_send(cadre_actor_system(self), m->sender, M_DONE, NULL, 0);
	return 0;
}

static const cadre_behaviour sink = {.size = sizeof(struct sink), .receive = sink_receive};

static int pool_fault_rc = 1;   /* the failed send's result (main reads it after idle) */
static int pool_after_rc = 1;   /* the next send's */
static uint32_t pool_fault_ran; /* atomic */

struct pf_driver {
	cadre_actor base;
	cadre_ref sink;
};

static int
pf_start(cadre_actor *self, void *arg)
{
	struct pf_driver *d = (struct pf_driver *)self;
	cadre_system *sys = cadre_actor_system(self);
	(void)arg;
	CHECK_EQ(cadre_spawn(sys, &sink, NULL, NULL, &d->sink), 0);
	uint64_t v = 7;
	for (int i = 0; i < 50; i++)
		CHECK_EQ(cadre_send(sys, d->sink, M_ITEM, &v, sizeof v), 0);
	return 0;
}

static int
pf_receive(cadre_actor *self, const cadre_msg *m)
{
	struct pf_driver *d = (struct pf_driver *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t v = 8;
	CHECK_EQ(m->type, M_DONE);
	cadre__alloc_fail_after(0);
	pool_fault_rc = cadre_send(sys, d->sink, M_ITEM, &v, sizeof v);
	cadre__alloc_fail_after(-1);
	pool_after_rc = cadre_send(sys, d->sink, M_ITEM, &v, sizeof v);
	cadre__faa_acqrel_u32(&pool_fault_ran, 1); /* pairs with main's acquire */
	CHECK_EQ(cadre_stop_ref(sys, d->sink), 0);
	return cadre_stop(self);
}

static const cadre_behaviour pf_driver = {
        .size = sizeof(struct pf_driver), .start = pf_start, .receive = pf_receive};

static void
pool_fault(void)
{
	cadre_system *sys = dl_system(1, 0, NULL);
	cadre_ref d;
	CHECK_EQ(cadre_spawn(sys, &pf_driver, NULL, NULL, &d), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 60000), 0);
	CHECK_EQ(cadre__load_acq_u32(&pool_fault_ran), 1);
	CHECK_EQ(pool_fault_rc, CADRE_ENOMEM);
	CHECK_EQ(pool_after_rc, 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	/* 50 + the answer + the one after the failure; the failed one is no
	 * message. The last may be dead (the sink was told to stop). */
	CHECK_EQ(st.sent, 52);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	cadre_system_free(sys);
}

/* ---- cross_system ----------------------------------------------------------- */
/* More than a worker's pool keeps (4096 per class): the receivers' pools
 * fill and overflow to free(), the senders' run dry and malloc. */
enum { CS_N = 100000 };

struct streamer {
	cadre_actor base;
	cadre_system *peer_sys;
	cadre_ref peer;
	uint32_t sent, got;
};

struct streamer_arg {
	cadre_system *peer_sys;
	cadre_ref peer;
};

static uint32_t cs_done; /* atomic */

static int
streamer_step(cadre_actor *self)
{
	struct streamer *s = (struct streamer *)self;
	for (int i = 0; i < 500 && s->sent < CS_N; i++, s->sent++) {
		uint64_t v[2] = {s->sent, ~(uint64_t)s->sent}; /* 16 bytes: the small class */
		CHECK_EQ(cadre_send(s->peer_sys, s->peer, M_ITEM, v, sizeof v), 0);
	}
	if (s->sent < CS_N)
		return cadre_send(cadre_actor_system(self), cadre_self(self), M_GO, NULL, 0);
	return 0;
}

static int
streamer_start(cadre_actor *self, void *arg)
{
	struct streamer *s = (struct streamer *)self;
	const struct streamer_arg *a = arg;
	s->peer_sys = a->peer_sys;
	s->peer = a->peer;
	return a->peer_sys != NULL ? streamer_step(self) : 0; /* a sender, or a receiver */
}

static int
streamer_receive(cadre_actor *self, const cadre_msg *m)
{
	struct streamer *s = (struct streamer *)self;
	if (m->type == M_GO)
		return streamer_step(self);
	CHECK_EQ(m->type, M_ITEM);
	uint64_t v[2];
	CHECK_EQ(m->size, sizeof v);
	memcpy(v, m->data, sizeof v);
	CHECK_EQ(v[0], s->got);
	CHECK_EQ(v[1], ~(uint64_t)s->got);
	if (++s->got == CS_N)
		cadre__faa_acqrel_u32(&cs_done, 1); /* pairs with main's acquire */
	return 0;
}

static const cadre_behaviour streamer = {
        .size = sizeof(struct streamer), .start = streamer_start, .receive = streamer_receive};

/* A receiver in each system, then a sender in each that streams to the
 * other system's receiver: messages allocated on one system's workers are
 * freed on the other's. */
static void
cross_system(void)
{
	cadre_system *a = dl_system(2, 0, NULL), *b = dl_system(2, 0, NULL);
	struct streamer_arg recv = {NULL, CADRE_REF_NONE};
	cadre_ref ra, rb, sa, sb;
	CHECK_EQ(cadre_spawn(a, &streamer, NULL, &recv, &ra), 0);
	CHECK_EQ(cadre_spawn(b, &streamer, NULL, &recv, &rb), 0);
	struct streamer_arg to_b = {b, rb}, to_a = {a, ra};
	CHECK_EQ(cadre_spawn(a, &streamer, NULL, &to_b, &sa), 0);
	CHECK_EQ(cadre_spawn(b, &streamer, NULL, &to_a, &sb), 0);
	long t0 = now_ms();
	while (cadre__load_acq_u32(&cs_done) < 2 && now_ms() - t0 < 60000)
		nap_us(500);
	CHECK_EQ(cadre__load_acq_u32(&cs_done), 2);
	/* a goes first: b's workers may have cached blocks a's allocated */
	cadre_system_free(a);
	CHECK_EQ(cadre_system_shutdown(b, CADRE_FOREVER), 0); /* the counters are final */
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(b, -1, &st), 0);
	CHECK_EQ(st.dead_letters, 0);
	/* CS_N items from a, and b's sender's own GOs (one per 500 after the
	 * first 500) */
	CHECK_EQ(st.handled, (uint64_t)CS_N + CS_N / 500 - 1);
	cadre_system_free(b);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, fanout_order);
	TEST_CASE_IF(only, receiver_stops);
	TEST_CASE_IF(only, sender_stops);
	TEST_CASE_IF(only, pool_fault);
	TEST_CASE_IF(only, cross_system);
	fprintf(stderr, "test_outbox: ok\n");
	return 0;
}
