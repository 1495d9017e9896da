/* Request/response (cadre/ask.h), case by case.
 *
 * Services: `echo` answers every request at once with its payload (reply
 * type = request type + 1); `silent` never answers; `delay` answers each
 * request {delay_ms, nonce} after delay_ms with the nonce, by keeping the
 * reply-to token in a timer message to itself (a deferred reply); `stash`
 * keeps tokens in its state and answers them all on FLUSH; `front`
 * forwards every request to the `back` it was started with.
 *
 * Requesters are actors driven by a GO message from the test thread; they
 * publish what they saw through atomics with release stores, which the
 * test thread reads with acquire loads after bounded waits. Run one case
 * with: test_ask <case>. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cadre/ask.h>

#include "check.h"

#define WAIT_ROUNDS 20000 /* x 1 ms: bound of every wait */

enum { T_REQ = 100, T_GO = 200, T_FLUSH, T_TICK, T_RESULT };

static cadre_system *sys;
static const char *only;
static atomic_ulong dead_replies, dead_total;

static void
nap_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) != 0) {
	}
}

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define WAIT_FOR(cond)                                                     \
	do {                                                               \
		int wait_i_ = 0;                                           \
		while (!(cond) && wait_i_++ < WAIT_ROUNDS)                 \
			nap_ms(1);                                         \
		if (!(cond)) {                                             \
			fprintf(stderr, "timed out waiting: %s\n", #cond); \
			abort();                                           \
		}                                                          \
	} while (0)

static void
on_dead(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	(void)ctx, (void)to, (void)why;
	/* Relaxed: counters read after shutdown (joins order them). */
	atomic_fetch_add_explicit(&dead_total, 1, memory_order_relaxed);
	if (m->type == CADRE_MSG_REPLY)
		atomic_fetch_add_explicit(&dead_replies, 1, memory_order_relaxed);
}

static void
sys_up(void)
{
	atomic_store(&dead_replies, 0);
	atomic_store(&dead_total, 0);
	cadre_config cfg = {.workers = 2, .dead_letter = on_dead};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
}

/* Shuts down and checks that every message was handled or dead-lettered. */
static void
sys_down(void)
{
	CHECK_EQ(cadre_system_shutdown(sys), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(st.dead_letters, atomic_load(&dead_total));
	cadre_system_free(sys);
	sys = NULL;
}

static cadre_ref
spawn(const cadre_behaviour *b, void *arg)
{
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, b, NULL, arg, &r), 0);
	return r;
}

/* ---- services ------------------------------------------------------------------------- */
static int
echo_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0)
		return 0;
	CHECK_EQ(cadre_reply(cadre_actor_system(self), &req.reply_to, req.type + 1, req.data,
	                     req.size),
	         0);
	return 0;
}

static const cadre_behaviour echo_beh = {
        .size = sizeof(cadre_actor), .receive = echo_receive, .name = "echo"};

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

static int
silent_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self, (void)m;
	return 0;
}

static const cadre_behaviour silent_beh = {
        .size = sizeof(cadre_actor), .receive = silent_receive, .name = "silent"};

struct delay_req {
	uint32_t delay_ms;
	uint32_t pad;
	uint64_t nonce;
};

struct delay_tick {
	cadre_reply_to to;
	uint64_t nonce;
};

static atomic_ulong delay_replied; /* replies the delay service has sent */

static int
delay_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_system *s = cadre_actor_system(self);
	if (m->type == T_TICK) {
		struct delay_tick t;
		memcpy(&t, m->data, sizeof t);
		int rc = cadre_reply(s, &t.to, T_REQ + 1, &t.nonce, sizeof t.nonce);
		CHECK(rc == 0 || rc == CADRE_ENOACTOR);
		/* Release: after the reply is out; pairs with the test's acquire. */
		atomic_fetch_add_explicit(&delay_replied, 1, memory_order_release);
		return 0;
	}
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0)
		return 0;
	struct delay_req d;
	CHECK_EQ(req.size, sizeof d);
	memcpy(&d, req.data, sizeof d);
	struct delay_tick t = {req.reply_to, d.nonce};
	CHECK_EQ(cadre_send_after(s, cadre_self(self), T_TICK, &t, sizeof t, d.delay_ms, NULL), 0);
	return 0;
}

static const cadre_behaviour delay_beh = {
        .size = sizeof(cadre_actor), .receive = delay_receive, .name = "delay"};

/* Keeps up to 64 tokens in its state; FLUSH answers them, newest first. */
struct stash {
	cadre_actor base;
	cadre_reply_to tokens[64];
	uint64_t nonces[64];
	int n;
};

static int
stash_receive(cadre_actor *self, const cadre_msg *m)
{
	struct stash *st = (struct stash *)self;
	if (m->type == T_FLUSH) {
		while (st->n > 0) {
			st->n--;
			CHECK_EQ(cadre_reply(cadre_actor_system(self), &st->tokens[st->n],
			                     T_REQ + 1, &st->nonces[st->n],
			                     sizeof st->nonces[st->n]),
			         0);
		}
		return 0;
	}
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0 || st->n == 64)
		return 0;
	st->tokens[st->n] = req.reply_to; /* a value: kept past this message */
	CHECK_EQ(req.size, sizeof(struct delay_req));
	memcpy(&st->nonces[st->n], (const char *)req.data + 8, sizeof st->nonces[0]);
	st->n++;
	return 0;
}

static const cadre_behaviour stash_beh = {
        .size = sizeof(struct stash), .receive = stash_receive, .name = "stash"};

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
	if (cadre_ask_dispatch(self, &q->asker, m)) {
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
		CHECK(cadre_ref_eq(res->from[i], echo));
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
		CHECK(cadre_ref_eq(res->from[i], echo)); /* the reply came from the back */
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

/* ---- futures -------------------------------------------------------------------------- */
struct waiter_arg {
	cadre_ref to;
	int n, ok, timedout, bad;
	uint32_t seed;
};

static void *
waiter_thread(void *p)
{
	struct waiter_arg *w = p;
	for (int i = 0; i < w->n; i++) {
		w->seed = w->seed * 1103515245u + 12345u;
		struct delay_req d = {5 + (w->seed >> 16) % 11, 0, w->seed};
		uint64_t nonce = 0;
		size_t got = 0;
		uint32_t type = 0;
		int rc = cadre_ask_wait(sys, w->to, T_REQ, &d, sizeof d, 10, &nonce, sizeof nonce,
		                        &got, &type);
		if (rc == 0) {
			w->ok++;
			if (nonce != w->seed || got != sizeof nonce || type != T_REQ + 1)
				w->bad++;
		} else if (rc == CADRE_ETIMEDOUT) {
			w->timedout++;
		} else {
			w->bad++;
		}
	}
	return NULL;
}

struct blocker {
	cadre_actor base;
};

static atomic_int worker_rc = 1;

static int
blocker_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	char buf[8];
	int rc = cadre_ask_wait(cadre_actor_system(self), m->sender, T_REQ, NULL, 0, 10, buf,
	                        sizeof buf, NULL, NULL);
	atomic_store(&worker_rc, rc);
	return 0;
}

static const cadre_behaviour blocker_beh = {.size = sizeof(struct blocker),
                                            .receive = blocker_receive};

static void
futures(void)
{
	sys_up();
	cadre_ref echo = spawn(&echo_beh, NULL);
	char buf[64];
	size_t got = 0;
	uint32_t type = 0;
	CHECK_EQ(cadre_ask_wait(sys, echo, 7, "abc", 3, 5000, buf, sizeof buf, &got, &type), 0);
	CHECK_EQ(got, 3);
	CHECK_EQ(type, 8);
	/* empty request, empty reply; NULL outputs */
	CHECK_EQ(cadre_ask_wait(sys, echo, 7, NULL, 0, 5000, NULL, 0, NULL, NULL), 0);
	/* a reply bigger than the buffer: truncated */
	char big[2000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)i;
	char small[100];
	CHECK_EQ(cadre_ask_wait(sys, echo, 7, big, sizeof big, 5000, small, sizeof small, &got,
	                        NULL),
	         CADRE_ETOOBIG);
	CHECK_EQ(got, sizeof big);
	CHECK(memcmp(small, big, sizeof small) == 0);
	/* a large round trip */
	char back[2000];
	CHECK_EQ(cadre_ask_wait(sys, echo, 7, big, sizeof big, 5000, back, sizeof back, &got, NULL),
	         0);
	CHECK(memcmp(back, big, sizeof big) == 0);
	/* timeout */
	cadre_ref silent = spawn(&silent_beh, NULL);
	uint64_t t0 = now_ns();
	CHECK_EQ(cadre_ask_wait(sys, silent, 7, NULL, 0, 40, NULL, 0, NULL, NULL), CADRE_ETIMEDOUT);
	CHECK(now_ns() - t0 >= 40 * 1000000ull);
	/* EWOULDBLOCK on a worker */
	cadre_ref blk = spawn(&blocker_beh, NULL);
	CHECK_EQ(cadre_send(sys, blk, 1, NULL, 0), 0);
	WAIT_FOR(atomic_load(&worker_rc) != 1);
	CHECK_EQ(atomic_load(&worker_rc), CADRE_EWOULDBLOCK);
	/* races: several threads, replies near the timeout */
	cadre_ref delay = spawn(&delay_beh, NULL);
	atomic_store(&delay_replied, 0);
	cadre_ask_stats g0, g1;
	cadre_ask_global_stats(&g0);
	enum { THREADS = 4 };
	struct waiter_arg wa[THREADS];
	pthread_t th[THREADS];
	int per = (int)test_size("ASK_FUTURES_N", 150);
	for (int i = 0; i < THREADS; i++) {
		wa[i] = (struct waiter_arg){.to = delay, .n = per, .seed = 77u + (uint32_t)i};
		CHECK_EQ(pthread_create(&th[i], NULL, waiter_thread, &wa[i]), 0);
	}
	int ok = 0, to = 0;
	for (int i = 0; i < THREADS; i++) {
		CHECK_EQ(pthread_join(th[i], NULL), 0);
		CHECK_EQ(wa[i].bad, 0);
		CHECK_EQ(wa[i].ok + wa[i].timedout, per);
		ok += wa[i].ok;
		to += wa[i].timedout;
	}
	fprintf(stderr, "   futures: %d replied, %d timed out\n", ok, to);
	WAIT_FOR(atomic_load_explicit(&delay_replied, memory_order_acquire) ==
	         (unsigned long)(THREADS * per));
	sys_down();
	cadre_ask_global_stats(&g1);
	/* each timed-out future's reply was counted late, or dead-lettered
	 * at its proxy, or both (sent to a proxy already gone) */
	uint64_t late = g1.replies_late - g0.replies_late;
	CHECK(late <= (uint64_t)to);
	CHECK(late + atomic_load(&dead_replies) >= (uint64_t)to);
	CHECK(g1.timed_out - g0.timed_out >= (uint64_t)to);
}

static atomic_int shut_rc = 1;

static void *
shut_waiter(void *p)
{
	cadre_ref *silent = p;
	atomic_store(&shut_rc,
	             cadre_ask_wait(sys, *silent, 1, NULL, 0, 60000, NULL, 0, NULL, NULL));
	return NULL;
}

static void
future_on_shutdown(void)
{
	sys_up();
	cadre_ref silent = spawn(&silent_beh, NULL);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, shut_waiter, &silent), 0);
	nap_ms(50);
	CHECK_EQ(cadre_system_shutdown(sys), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	/* cancelled by the shutdown, not timed out after 60 s (ETIMEDOUT) */
	CHECK_EQ(atomic_load(&shut_rc), CADRE_ECANCELED);
	sys_down();
}

/* ---- cancel, fini, bad input ---------------------------------------------------------- */
struct misc {
	cadre_actor base;
	cadre_asker asker;
	cadre_ref stash;
	int cancelled_cb, step;
};

static atomic_int misc_done;
static cadre_ask_stats misc_stats;
static atomic_int misc_fini_calls = -1;

static void
misc_cb(cadre_actor *self, void *ctx, const cadre_response *r)
{
	struct misc *m = (struct misc *)self;
	(void)ctx;
	CHECK_EQ(r->status, CADRE_ECANCELED); /* only from fini */
	m->cancelled_cb++;
}

static int
misc_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct misc *m = (struct misc *)self;
	cadre_system *s = cadre_actor_system(self);
	if (cadre_ask_dispatch(self, &m->asker, msg)) {
		cadre_asker_stats(&m->asker, &misc_stats);
		/* the late reply of the cancelled request, then the forged ones */
		if (misc_stats.replies_late == 1 && misc_stats.replies_dropped == 3 &&
		    m->step == 1) {
			m->step = 2;
			/* two callback requests left pending for fini */
			struct delay_req d = {0, 0, 1};
			for (int i = 0; i < 2; i++)
				CHECK_EQ(cadre_ask_cb(self, &m->asker, m->stash, T_REQ, &d,
				                      sizeof d, 60000, misc_cb, NULL, NULL),
				         0);
			atomic_store(&misc_done, 1);
		}
		return 0;
	}
	CHECK(msg->type != CADRE_MSG_REPLY); /* never an outcome for a cancelled request */
	if (msg->type != T_GO)
		return 0;
	m->stash = *(const cadre_ref *)msg->data;
	uint64_t id;
	struct delay_req d = {0, 0, 0};
	CHECK_EQ(cadre_ask(self, &m->asker, m->stash, T_REQ, &d, sizeof d, 60000, &id), 0);
	CHECK_EQ(cadre_ask_cancel(self, &m->asker, id), 0);
	CHECK_EQ(cadre_ask_cancel(self, &m->asker, id), CADRE_ENOENT);
	CHECK_EQ(cadre_ask_cancel(self, &m->asker, 999999), CADRE_ENOENT);
	CHECK_EQ(cadre_ask_cancel(self, NULL, id), CADRE_EINVAL);
	/* bad input */
	CHECK_EQ(cadre_ask(NULL, &m->asker, m->stash, 1, NULL, 0, 10, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask(self, NULL, m->stash, 1, NULL, 0, 10, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask(self, &m->asker, m->stash, 1, NULL, 5, 10, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_cb(self, &m->asker, m->stash, 1, NULL, 0, 10, NULL, NULL, NULL),
	         CADRE_EINVAL);
	/* a request to nobody: refused, no outcome will come */
	cadre_ref ghost = {m->stash.sys, m->stash.index, m->stash.gen + 7, 0};
	CHECK_EQ(cadre_ask(self, &m->asker, ghost, 1, NULL, 0, 1, NULL), CADRE_ENOACTOR);
	/* forged replies: an id never issued, id 0, a malformed one */
	cadre_ref me = cadre_self(self);
	uint64_t forged[2] = {1000000, 0};
	CHECK_EQ(cadre_send(s, me, CADRE_MSG_REPLY, forged, sizeof forged), 0);
	uint64_t zero[2] = {0, 0};
	CHECK_EQ(cadre_send(s, me, CADRE_MSG_REPLY, zero, sizeof zero), 0);
	CHECK_EQ(cadre_send(s, me, CADRE_MSG_REPLY, "abc", 3), 0);
	/* now let the stash answer the cancelled request: late */
	CHECK_EQ(cadre_send(s, m->stash, T_FLUSH, NULL, 0), 0);
	m->step = 1;
	return 0;
}

static void
misc_stop(cadre_actor *self, const cadre_exit *why)
{
	struct misc *m = (struct misc *)self;
	(void)why;
	cadre_asker_fini(self, &m->asker);
	cadre_asker_fini(self, &m->asker); /* twice: harmless */
	cadre_asker_stats(&m->asker, &misc_stats);
	CHECK_EQ(cadre_ask(self, &m->asker, m->stash, 1, NULL, 0, 10, NULL), CADRE_ESTATE);
	atomic_store(&misc_fini_calls, m->cancelled_cb); /* seq_cst: after misc_stats */
}

static const cadre_behaviour misc_beh = {
        .size = sizeof(struct misc), .receive = misc_receive, .stop = misc_stop, .name = "misc"};

static void
cancel_fini_bad_input(void)
{
	sys_up();
	cadre_ask_stats g0, g1;
	cadre_ask_global_stats(&g0);
	cadre_ref st = spawn(&stash_beh, NULL);
	cadre_ref m = spawn(&misc_beh, NULL);
	CHECK_EQ(cadre_send(sys, m, T_GO, &st, sizeof st), 0);
	WAIT_FOR(atomic_load(&misc_done));
	CHECK_EQ(cadre_stop_ref(sys, m), 0);
	WAIT_FOR(atomic_load(&misc_fini_calls) >= 0);
	CHECK_EQ(atomic_load(&misc_fini_calls), 2);
	CHECK_EQ(misc_stats.cancelled, 3);
	CHECK_EQ(misc_stats.asked, 3);
	CHECK_EQ(misc_stats.replies_late, 1);
	CHECK_EQ(misc_stats.replies_dropped, 3);
	CHECK_EQ(misc_stats.pending, 0);
	cadre_ask_global_stats(&g1);
	CHECK(g1.replies_dropped - g0.replies_dropped >= 3);
	CHECK(g1.replies_late - g0.replies_late >= 1);

	/* the receiving side */
	cadre_msg plain = {T_REQ, 3, "abc", CADRE_REF_NONE};
	cadre_request req;
	CHECK_EQ(cadre_ask_request(&plain, &req), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_request(NULL, &req), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_request(&plain, NULL), CADRE_EINVAL);
	char zeros[64] = {0};
	cadre_msg notreq = {T_REQ, sizeof zeros, zeros, CADRE_REF_NONE};
	CHECK_EQ(cadre_ask_request(&notreq, &req), CADRE_EINVAL);
	cadre_response r;
	CHECK_EQ(cadre_reply_read(&plain, &r), CADRE_EINVAL);
	CHECK_EQ(cadre_reply_read(NULL, &r), CADRE_EINVAL);
	cadre_msg shortrep = {CADRE_MSG_REPLY, 3, "abc", CADRE_REF_NONE};
	CHECK_EQ(cadre_reply_read(&shortrep, &r), CADRE_EINVAL);
	cadre_reply_to tok = {st, 5, 0, 0};
	CHECK_EQ(cadre_reply(NULL, &tok, 1, NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_reply(sys, NULL, 1, NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_reply(sys, &tok, 1, NULL, 4), CADRE_EINVAL);
	cadre_reply_to none = {CADRE_REF_NONE, 5, 0, 0};
	CHECK_EQ(cadre_reply(sys, &none, 1, NULL, 0), CADRE_EINVAL);
	/* a reply to a requester that is gone: dropped, counted */
	cadre_ask_global_stats(&g0);
	cadre_reply_to gone = {m, 1, 0, 0};
	CHECK_EQ(cadre_reply(sys, &gone, 1, "z", 1), CADRE_ENOACTOR);
	cadre_ask_global_stats(&g1);
	CHECK_EQ(g1.replies_dropped - g0.replies_dropped, 1);
	CHECK_EQ(cadre_forward(sys, st, &plain), CADRE_EINVAL);
	CHECK_EQ(cadre_forward(NULL, st, &plain), CADRE_EINVAL);
	CHECK_EQ(cadre_forward(sys, st, NULL), CADRE_EINVAL);
	/* futures: bad input */
	CHECK_EQ(cadre_ask_wait(NULL, st, 1, NULL, 0, 10, NULL, 0, NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_wait(sys, st, 1, NULL, 0, -1, NULL, 0, NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_wait(sys, st, 1, NULL, 3, 10, NULL, 0, NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_wait(sys, st, 1, NULL, 0, 10, NULL, 3, NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_wait(sys, m, 1, NULL, 0, 1000, NULL, 0, NULL, NULL), CADRE_ENOACTOR);
	/* outside any actor */
	cadre_asker a;
	CHECK_EQ(cadre_asker_init(&a), 0);
	CHECK_EQ(cadre_asker_init(NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask((cadre_actor *)&a, &a, st, 1, NULL, 0, 10, NULL), CADRE_ESTATE);
	CHECK(!cadre_ask_dispatch(NULL, &a, &plain));
	CHECK(!cadre_ask_dispatch(NULL, NULL, &plain));
	cadre_asker_stats(NULL, NULL);
	cadre_asker_fini(NULL, NULL);
	cadre_asker_fini(NULL, &a);
	cadre_ask_global_stats(NULL);
	sys_down();
}

/* ---- main ------------------------------------------------------------------------------ */
#define RUN(fn) TEST_CASE_IF(only, fn)

int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	RUN(reply_as_message);
	RUN(reply_as_callback);
	RUN(timeouts_race_replies);
	RUN(deferred_reply);
	RUN(forward_keeps_reply_to);
	RUN(futures);
	RUN(future_on_shutdown);
	RUN(cancel_fini_bad_input);
	fprintf(stderr, "test_ask: ok\n");
	return 0;
}
