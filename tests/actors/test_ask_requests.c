/* Request/response (cadre/ask.h), case by case: requests made by actors,
 * answered as messages or callbacks, timeouts racing replies, deferred
 * replies and forwarding. Besides the services of
 * tests/support/ask_helpers.h: `twice` answers every request twice; `front`
 * forwards every request to the `back` it was started with.
 *
 * Requesters are actors driven by a GO message from the test thread; they
 * publish what they saw through atomics with release stores, which the
 * test thread reads with acquire loads after bounded waits. Run one case
 * with: test_ask_requests <case>. */
#include "ask_helpers.h"

/* ---- services of these cases -------------------------------------------------------- */
/* Answers every request twice: the second reply must count as late. */
static int
twice_receive(cadre_actor *self, const cadre_msg *m)
{
	for (int i = 0; i < 2; i++)
		echo_receive(self, m);
	return 0;
}

static const cadre_behaviour twice_beh = {
        .size = sizeof(cadre_actor), .receive = twice_receive, .name = "twice"};

struct front {
	cadre_actor base;
	cadre_ref back;
};

static atomic_ulong forwarded;

static int
front_start(cadre_actor *self, void *arg)
{
	((struct front *)self)->back = *(const cadre_ref *)arg;
	return 0;
}

static int
front_receive(cadre_actor *self, const cadre_msg *m)
{
	struct front *f = (struct front *)self;
	CHECK_EQ(cadre_forward(cadre_actor_system(self), f->back, m), 0);
	atomic_fetch_add(&forwarded, 1);
	return 0;
}

static const cadre_behaviour front_beh = {
        .size = sizeof(struct front), .start = front_start, .receive = front_receive};

/* ---- a generic requester -------------------------------------------------------------
 * GO {to, mode, n, timeout, first_nonce, delay...}: sends n requests; each
 * outcome is recorded per request index (from the nonce or the callback
 * ctx) and checked against the request. Results are published on `done`. */
enum { M_MSG = 0, M_CB = 1, M_MIX = 2 };

#define MAX_REQ 4096

struct go {
	cadre_ref to;
	int mode;
	int n;
	uint32_t timeout_ms;
	uint32_t delay_lo, delay_span; /* for the delay service (0 span: not a delay req) */
	int wait_replies;              /* done only when this many replies came, late or not */
	int per_tick;                  /* 0: all at once; else per_tick requests per ms */
};

struct result {
	atomic_int done;
	int outcomes[MAX_REQ]; /* per request: times an outcome arrived */
	int replied, timed_out;
	cadre_ask_stats stats;
	uint64_t ids[MAX_REQ];
	cadre_ref from[MAX_REQ];
	int bad;
};

struct requester {
	cadre_actor base;
	cadre_asker asker;
	struct result *res;
	struct go go;
	uint64_t id0;
	unsigned rng;
	int sent;
	cadre_timer pace;
};

static void
outcome(struct requester *q, int i, const cadre_response *r)
{
	struct result *res = q->res;
	CHECK(i >= 0 && i < q->go.n);
	res->outcomes[i]++;
	if (r->id != res->ids[i])
		res->bad++;
	if (r->status == 0) {
		res->replied++;
		uint64_t nonce;
		CHECK_EQ(r->size, q->go.delay_span ? sizeof nonce : sizeof(struct delay_req));
		memcpy(&nonce, (const char *)r->data + (q->go.delay_span ? 0 : 8), sizeof nonce);
		if (nonce != (uint64_t)i)
			res->bad++; /* the wrong handler */
		if (r->type != T_REQ + 1)
			res->bad++;
		res->from[i] = r->from;
	} else {
		CHECK_EQ(r->status, CADRE_ETIMEDOUT);
		CHECK(cadre_ref_is_none(r->from));
		res->timed_out++;
	}
}

static void
maybe_done(struct requester *q)
{
	struct result *res = q->res;
	if (atomic_load_explicit(&res->done, memory_order_relaxed)) /* own write */
		return;
	cadre_ask_stats st;
	cadre_asker_stats(&q->asker, &st);
	if (res->replied + res->timed_out < q->go.n)
		return;
	if (st.replied + st.replies_late < (uint64_t)q->go.wait_replies)
		return;
	res->stats = st;
	/* Release: the results before the flag; pairs with the test's acquire. */
	atomic_store_explicit(&res->done, 1, memory_order_release);
}

static void
on_cb(cadre_actor *self, void *ctx, const cadre_response *r)
{
	struct requester *q = (struct requester *)self;
	outcome(q, (int)(uintptr_t)ctx, r);
}

static int
req_start(cadre_actor *self, void *arg)
{
	struct requester *q = (struct requester *)self;
	q->res = arg;
	q->rng = 12345;
	return cadre_asker_init(&q->asker);
}

static int
req_receive(cadre_actor *self, const cadre_msg *m)
{
	struct requester *q = (struct requester *)self;
	if (cadre_ask_dispatch(self, &q->asker, m) > 0) {
		maybe_done(q);
		return 0;
	}
	if (m->type == CADRE_MSG_REPLY) {
		cadre_response r;
		CHECK_EQ(cadre_reply_read(m, &r), 0);
		CHECK(r.id >= q->id0 && r.id < q->id0 + (uint64_t)q->go.n);
		outcome(q, (int)(r.id - q->id0), &r);
		maybe_done(q);
		return 0;
	}
	if (m->type == T_GO) {
		memcpy(&q->go, m->data, sizeof q->go);
		if (q->go.per_tick != 0) /* paced: per_tick requests per ms */
			CHECK_EQ(cadre_send_interval(cadre_actor_system(self), cadre_self(self),
			                             T_TICK, NULL, 0, 1, &q->pace),
			         0);
	} else if (m->type != T_TICK || q->sent == q->go.n) {
		return 0;
	}
	int end = q->go.per_tick != 0 && q->go.n - q->sent > q->go.per_tick
	                  ? q->sent + q->go.per_tick
	                  : q->go.n;
	for (int i = q->sent; i < end; i++) {
		struct delay_req d = {0, 0, (uint64_t)i};
		if (q->go.delay_span != 0) {
			q->rng ^= q->rng << 13; /* xorshift32 */
			q->rng ^= q->rng >> 17;
			q->rng ^= q->rng << 5;
			d.delay_ms = q->go.delay_lo + q->rng % q->go.delay_span;
		}
		bool cb = q->go.mode == M_CB || (q->go.mode == M_MIX && i % 2 == 1);
		uint64_t id = 0;
		int rc = cb ? cadre_ask_cb(self, &q->asker, q->go.to, T_REQ, &d, sizeof d,
		                           q->go.timeout_ms, on_cb, (void *)(uintptr_t)i, &id)
		            : cadre_ask(self, &q->asker, q->go.to, T_REQ, &d, sizeof d,
		                        q->go.timeout_ms, &id);
		CHECK_EQ(rc, 0);
		if (i == 0)
			q->id0 = id;
		CHECK_EQ(id, q->id0 + (uint64_t)i); /* ids count up, never reused */
		q->res->ids[i] = id;
	}
	q->sent = end;
	if (q->sent == q->go.n && q->go.per_tick != 0)
		cadre_timer_cancel(cadre_actor_system(self), q->pace);
	return 0;
}

static void
req_stop(cadre_actor *self, const cadre_exit *why)
{
	struct requester *q = (struct requester *)self;
	(void)why;
	cadre_asker_fini(self, &q->asker);
}

static const cadre_behaviour req_beh = {.size = sizeof(struct requester),
                                        .start = req_start,
                                        .receive = req_receive,
                                        .stop = req_stop,
                                        .name = "requester"};

static struct result *
run_requests(cadre_ref to, int mode, int n, uint32_t timeout_ms, uint32_t lo, uint32_t span,
             int wait_replies, int per_tick)
{
	struct result *res = calloc(1, sizeof *res);
	CHECK(res != NULL);
	cadre_ref q = spawn(&req_beh, res);
	struct go g = {to, mode, n, timeout_ms, lo, span, wait_replies, per_tick};
	CHECK_EQ(cadre_send(sys, q, T_GO, &g, sizeof g), 0);
	WAIT_FOR(atomic_load_explicit(&res->done, memory_order_acquire));
	for (int i = 0; i < n; i++)
		CHECK_EQ(res->outcomes[i], 1); /* exactly once */
	CHECK_EQ(res->bad, 0);
	CHECK_EQ(res->replied + res->timed_out, n);
	CHECK_EQ(res->stats.asked, (uint64_t)n);
	CHECK_EQ(res->stats.replied, (uint64_t)res->replied);
	CHECK_EQ(res->stats.timed_out, (uint64_t)res->timed_out);
	CHECK_EQ(res->stats.replies_dropped, 0);
	return res;
}

/* ---- cases ---------------------------------------------------------------------------- */
static void
reply_as_message(void)
{
	sys_up();
	cadre_ref echo = spawn(&echo_beh, NULL);
	struct result *res = run_requests(echo, M_MSG, 100, 5000, 0, 0, 0, 0);
	CHECK_EQ(res->replied, 100);
	for (int i = 0; i < 100; i++)
		CHECK(cadre_ref_is_equal(res->from[i], echo));
	CHECK_EQ(res->stats.pending, 0);
	free(res);
	/* a timeout, as a message */
	cadre_ref silent = spawn(&silent_beh, NULL);
	uint64_t t0 = now_ns();
	res = run_requests(silent, M_MSG, 10, 30, 0, 0, 0, 0);
	CHECK(now_ns() - t0 >= 30 * 1000000ull);
	CHECK_EQ(res->timed_out, 10);
	free(res);
	sys_down();
}

static void
reply_as_callback(void)
{
	sys_up();
	cadre_ref echo = spawn(&echo_beh, NULL);
	struct result *res = run_requests(echo, M_CB, 100, 5000, 0, 0, 0, 0);
	CHECK_EQ(res->replied, 100);
	free(res);
	cadre_ref silent = spawn(&silent_beh, NULL);
	res = run_requests(silent, M_CB, 10, 20, 0, 0, 0, 0);
	CHECK_EQ(res->timed_out, 10);
	free(res);
	res = run_requests(echo, M_MIX, 200, 5000, 0, 0, 0, 0);
	CHECK_EQ(res->replied, 200);
	free(res);
	/* a second reply to the same request: dropped, counted late */
	cadre_ref twice = spawn(&twice_beh, NULL);
	res = run_requests(twice, M_MIX, 100, 5000, 0, 0, 200, 0);
	CHECK_EQ(res->replied, 100);
	CHECK_EQ(res->stats.replies_late, 100);
	free(res);
	sys_down();
}

/* Many requests whose replies come near their timeout: each ends exactly
 * once, replies after the timeout are counted late, and no outcome ever
 * reaches another request's handler (nonce == index). */
static void
timeouts_race_replies(void)
{
	sys_up();
	cadre_ref delay = spawn(&delay_beh, NULL);
	long n = test_size("ASK_RACE_N", 4000);
	if (n > MAX_REQ)
		n = MAX_REQ;
	cadre_ask_stats g0, g1;
	cadre_ask_global_stats(&g0);
	atomic_store(&delay_replied, 0);
	/* timeout 10 ms, replies after 5..15 ms, 20 requests per ms */
	struct result *res = run_requests(delay, M_MIX, (int)n, 10, 5, 11, (int)n, 20);
	fprintf(stderr, "   %ld requests: %d replied, %d timed out, %llu late\n", n, res->replied,
	        res->timed_out, (unsigned long long)res->stats.replies_late);
	CHECK(res->replied > 0);
	CHECK(res->timed_out > 0);
	/* every timed-out request's reply came, later */
	CHECK_EQ(res->stats.replies_late, (uint64_t)res->timed_out);
	CHECK_EQ(res->stats.pending, 0);
	cadre_ask_global_stats(&g1);
	CHECK(g1.replies_late - g0.replies_late >= (uint64_t)res->timed_out);
	free(res);
	sys_down();
	CHECK_EQ(atomic_load(&dead_replies), 0);
}

static void
deferred_reply(void)
{
	sys_up();
	cadre_ref st = spawn(&stash_beh, NULL);
	struct result *res = calloc(1, sizeof *res);
	cadre_ref q = spawn(&req_beh, res);
	/* stash answers with the nonce only: use the delay_span layout */
	struct go g = {st, M_MIX, 20, 10000, 1, 1, 0, 0};
	CHECK_EQ(cadre_send(sys, q, T_GO, &g, sizeof g), 0);
	nap_ms(50);
	CHECK_EQ(atomic_load_explicit(&res->done, memory_order_acquire), 0);
	CHECK_EQ(cadre_send(sys, st, T_FLUSH, NULL, 0), 0); /* the replies, much later */
	WAIT_FOR(atomic_load_explicit(&res->done, memory_order_acquire));
	CHECK_EQ(res->replied, 20);
	CHECK_EQ(res->bad, 0);
	for (int i = 0; i < 20; i++)
		CHECK_EQ(res->outcomes[i], 1);
	free(res);
	sys_down();
}

static void
forward_keeps_reply_to(void)
{
	sys_up();
	cadre_ref echo = spawn(&echo_beh, NULL);
	cadre_ref front = spawn(&front_beh, &echo);
	atomic_store(&forwarded, 0);
	struct result *res = run_requests(front, M_MIX, 50, 5000, 0, 0, 0, 0);
	CHECK_EQ(res->replied, 50);
	for (int i = 0; i < 50; i++)
		CHECK(cadre_ref_is_equal(res->from[i], echo)); /* the reply came from the back */
	CHECK_EQ(atomic_load(&forwarded), 50);
	free(res);
	/* two hops, and a future */
	cadre_ref front2 = spawn(&front_beh, &front);
	char buf[16] = {0};
	size_t got = 0;
	uint32_t type = 0;
	CHECK_EQ(cadre_ask_wait(sys, front2, T_REQ, "hello", 5, 5000, buf, sizeof buf, &got, &type),
	         0);
	CHECK_EQ(got, 5);
	CHECK_EQ(type, T_REQ + 1);
	CHECK(memcmp(buf, "hello", 5) == 0);
	sys_down();
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	RUN(reply_as_message);
	RUN(reply_as_callback);
	RUN(timeouts_race_replies);
	RUN(deferred_reply);
	RUN(forward_keeps_reply_to);
	fprintf(stderr, "test_ask_requests: ok\n");
	return 0;
}
