/* Scatter-gather (cadre/ask.h): one request to many actors, one timeout,
 * the outcome as one message, one callback or one future. ALL, ANY,
 * QUORUM; a timeout with partial replies; dead targets; bad input; exact
 * counts of late replies; cancel, fini and shutdown; a stress case. The
 * services are in tests/support/ask_helpers.h, plus `lag` here (answers
 * with its own number after its own delay). Run one case with:
 * test_ask_gather <case>. */
#include <pthread.h>

#include "ask_helpers.h"

#define MAXT 16

/* ---- lag: answers every request after its own delay, with its number ---------------- */
struct lag {
	cadre_actor base;
	uint32_t ms, nr;
};

struct lag_arg {
	uint32_t ms, nr;
};

static int
lag_start(cadre_actor *self, void *arg)
{
	struct lag *l = (struct lag *)self;
	const struct lag_arg *a = arg;
	l->ms = a->ms;
	l->nr = a->nr;
	return 0;
}

static atomic_ulong lag_replied;

static int
lag_receive(cadre_actor *self, const cadre_msg *m)
{
	struct lag *l = (struct lag *)self;
	cadre_system *s = cadre_actor_system(self);
	if (m->type == T_TICK) {
		cadre_reply_to to;
		memcpy(&to, m->data, sizeof to);
		CHECK_EQ(cadre_reply(s, &to, T_REQ + 1, &l->nr, sizeof l->nr), 0);
		atomic_fetch_add(&lag_replied, 1);
		return 0;
	}
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0)
		return 0;
	return cadre_send_after(s, cadre_self(self), T_TICK, &req.reply_to, sizeof req.reply_to,
	                        l->ms, NULL);
}

static const cadre_behaviour lag_beh = {
        .size = sizeof(struct lag), .start = lag_start, .receive = lag_receive, .name = "lag"};

static cadre_ref
spawn_lag(uint32_t ms, uint32_t nr)
{
	struct lag_arg a = {ms, nr};
	cadre_ref r = spawn(&lag_beh, &a);
	/* a's lifetime: start must have run; a request is handled after it */
	char buf[8];
	CHECK_EQ(cadre_ask_wait(sys, r, T_REQ, NULL, 0, 20000, buf, sizeof buf, NULL, NULL), 0);
	return r;
}

/* ---- the gatherer ----------------------------------------------------------------------- */
enum { FORM_MSG = 0, FORM_CB = 1 };

struct go {
	int form;
	cadre_gather_mode mode;
	uint32_t quorum;
	cadre_timeout timeout;
	uint32_t n;
	uint32_t times;   /* > 1: the stress loop, 4 gathers in flight */
	uint32_t payload; /* sent to every target */
	int cancel, fini; /* cancel the gather at once / finalize the asker at once */
	cadre_ref to[MAXT];
};

struct result {
	int rc, status;
	uint32_t needed, asked, failed, nreplies;
	uint32_t targets[MAXT];
	uint32_t data[MAXT]; /* the first 4 bytes of each reply */
	cadre_ref from[MAXT];
	uint64_t id;
};

static struct result res;
static atomic_int res_done, outcomes, stress_bad;
static cadre_ask_stats res_stats;

struct gat {
	cadre_actor base;
	cadre_asker asker;
	struct go go;
	uint32_t issued, completed;
};

static void
record(const cadre_gather *g)
{
	res.status = g->status;
	res.needed = g->needed;
	res.asked = g->asked;
	res.failed = g->failed;
	res.nreplies = g->nreplies;
	res.id = g->id;
	for (uint32_t i = 0; i < g->nreplies && i < MAXT; i++) {
		res.targets[i] = g->targets[i];
		res.from[i] = g->replies[i].from;
		res.data[i] = 0;
		if (g->replies[i].size >= 4)
			memcpy(&res.data[i], g->replies[i].data, 4);
	}
}

static int issue(cadre_actor *self);

static void
stress_outcome(cadre_actor *self, const cadre_gather *g)
{
	struct gat *t = (struct gat *)self;
	uint32_t want = g->mode == CADRE_GATHER_ALL ? t->go.n : 1;
	if (g->status != 0 || g->nreplies != want || g->asked != t->go.n)
		atomic_fetch_add(&stress_bad, 1);
	for (uint32_t i = 0; i < g->nreplies; i++) {
		uint32_t v;
		memcpy(&v, g->replies[i].data, 4);
		if (g->replies[i].size != 4 || v != t->go.payload)
			atomic_fetch_add(&stress_bad, 1);
	}
	if (++t->completed == t->go.times) {
		atomic_store_explicit(&res_done, 1, memory_order_release);
		return;
	}
	if (t->issued < t->go.times && issue(self) != 0)
		atomic_fetch_add(&stress_bad, 1);
}

static void
outcome(cadre_actor *self, const cadre_gather *g)
{
	struct gat *t = (struct gat *)self;
	atomic_fetch_add(&outcomes, 1);
	if (t->go.times > 1) {
		stress_outcome(self, g);
		return;
	}
	record(g);
	atomic_store_explicit(&res_done, 1, memory_order_release);
}

static void
on_cb(cadre_actor *self, void *ctx, const cadre_gather *g)
{
	CHECK(ctx == (void *)self);
	outcome(self, g);
}

static int
issue(cadre_actor *self)
{
	struct gat *t = (struct gat *)self;
	const struct go *o = &t->go;
	/* in the stress loop: ALL and ANY, messages and callbacks, by turns */
	int form = o->times > 1 ? (int)(t->issued & 1) : o->form;
	cadre_gather_mode mode =
	        o->times > 1 ? ((t->issued & 2) ? CADRE_GATHER_ANY : o->mode) : o->mode;
	t->issued++;
	uint64_t id = 0;
	int rc = cadre_ask_gather(self, &t->asker, o->to, o->n, T_REQ, &o->payload,
	                          sizeof o->payload, mode, o->quorum, o->timeout,
	                          form == FORM_CB ? on_cb : NULL, self, &id);
	if (rc == 0 && o->cancel)
		CHECK_EQ(cadre_ask_cancel(self, &t->asker, id), 0);
	return rc;
}

static int
gat_receive(cadre_actor *self, const cadre_msg *m)
{
	struct gat *t = (struct gat *)self;
	int n = cadre_ask_dispatch(self, &t->asker, m);
	CHECK(n >= 0);
	if (n > 0)
		return 0;
	if (m->type == CADRE_MSG_GATHER) {
		cadre_gather g;
		CHECK_EQ(cadre_gather_read(m, &g), 0);
		outcome(self, &g);
	} else if (m->type == T_GO) {
		memcpy(&t->go, m->data, sizeof t->go);
		t->issued = t->completed = 0;
		int rc = issue(self);
		for (uint32_t i = 1; rc == 0 && i < 4 && i < t->go.times; i++)
			rc = issue(self);
		res.rc = rc; /* before any outcome (fini's comes at once) */
		if (rc == 0 && t->go.fini)
			CHECK_EQ(cadre_asker_fini(self, &t->asker), 0);
		if (rc != 0 || t->go.cancel)
			atomic_store_explicit(&res_done, 1, memory_order_release);
	} else if (m->type == T_RESULT) {
		CHECK_EQ(cadre_asker_stats(&t->asker, &res_stats), 0);
		atomic_store_explicit(&res_done, 1, memory_order_release);
	}
	return 0;
}

static void
gat_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	cadre_asker_fini(self, &((struct gat *)self)->asker);
}

static const cadre_behaviour gat_beh = {
        .size = sizeof(struct gat), .receive = gat_receive, .stop = gat_stop, .name = "gatherer"};

/* Sends go to g and waits for the outcome (or the call's error). */
static void
run_go(cadre_ref g, const struct go *o)
{
	memset(&res, 0, sizeof res);
	atomic_store(&res_done, 0);
	CHECK_EQ(cadre_send(sys, g, T_GO, o, sizeof *o), 0);
	WAIT_FOR(atomic_load_explicit(&res_done, memory_order_acquire) == 1);
}

static cadre_ask_stats
stats_of(cadre_ref g)
{
	atomic_store(&res_done, 0);
	CHECK_EQ(cadre_send(sys, g, T_RESULT, NULL, 0), 0);
	WAIT_FOR(atomic_load_explicit(&res_done, memory_order_acquire) == 1);
	return res_stats;
}

static struct go
go_of(int form, cadre_gather_mode mode, uint32_t quorum, cadre_timeout timeout, const cadre_ref *to,
      uint32_t n)
{
	struct go o = {.form = form,
	               .mode = mode,
	               .quorum = quorum,
	               .timeout = timeout,
	               .n = n,
	               .times = 1,
	               .payload = 0xC0FFEE};
	memcpy(o.to, to, n * sizeof *to);
	return o;
}

/* ---- cases ------------------------------------------------------------------------------- */
static void
all_replies(void)
{
	sys_up();
	cadre_ref to[5];
	for (int i = 0; i < 5; i++)
		to[i] = spawn(&echo_beh, NULL);
	for (int form = FORM_MSG; form <= FORM_CB; form++) {
		cadre_ref g = spawn(&gat_beh, NULL);
		struct go o = go_of(form, CADRE_GATHER_ALL, 0, 20000, to, 5);
		run_go(g, &o);
		CHECK_EQ(res.rc, 0);
		CHECK_EQ(res.status, 0);
		CHECK_EQ(res.needed, 5);
		CHECK_EQ(res.asked, 5);
		CHECK_EQ(res.failed, 0);
		CHECK_EQ(res.nreplies, 5);
		unsigned seen = 0;
		for (int i = 0; i < 5; i++) {
			CHECK_EQ(res.data[i], 0xC0FFEE);
			CHECK(res.targets[i] < 5);
			CHECK(cadre_ref_is_equal(res.from[i], to[res.targets[i]]));
			seen |= 1u << res.targets[i];
		}
		CHECK_EQ(seen, 0x1F);
		cadre_ask_stats st = stats_of(g);
		CHECK_EQ(st.asked, 5);
		CHECK_EQ(st.replied, 5);
		CHECK_EQ(st.pending, 0);
		CHECK_EQ(st.replies_late, 0);
	}
	sys_down();
}

/* ANY: the first reply (the echo, at once) wins; the two slow ones come
 * later and are counted late, exactly; the silent one never. */
static void
any_first(void)
{
	sys_up();
	atomic_store(&lag_replied, 0);
	cadre_ref to[4] = {spawn(&silent_beh, NULL), spawn_lag(100, 1), spawn(&echo_beh, NULL),
	                   spawn_lag(200, 3)};
	unsigned long lag0 = atomic_load(&lag_replied);
	for (int form = FORM_MSG; form <= FORM_CB; form++) {
		cadre_ref g = spawn(&gat_beh, NULL);
		struct go o = go_of(form, CADRE_GATHER_ANY, 0, 20000, to, 4);
		run_go(g, &o);
		CHECK_EQ(res.status, 0);
		CHECK_EQ(res.needed, 1);
		CHECK_EQ(res.nreplies, 1);
		CHECK_EQ(res.targets[0], 2);
		CHECK_EQ(res.data[0], 0xC0FFEE);
		WAIT_FOR(atomic_load(&lag_replied) == lag0 + 2u * (unsigned long)(form + 1));
		cadre_ask_stats st;
		for (int i = 0; i < WAIT_ROUNDS; i++) {
			st = stats_of(g);
			if (st.replies_late == 2)
				break;
			nap_ms(1);
		}
		CHECK_EQ(st.replies_late, 2);
		CHECK_EQ(st.asked, 4);
		CHECK_EQ(st.replied, 1);
		CHECK_EQ(st.cancelled, 3);
		CHECK_EQ(st.pending, 0);
		CHECK_EQ(st.replies_dropped, 0);
	}
	sys_down();
}

/* QUORUM 2 of 3 where one never answers: complete with the two, long
 * before the (20 s) timeout, which WAIT_FOR's bound would not reach. */
static void
quorum_two_of_three(void)
{
	sys_up();
	cadre_ref to[3] = {spawn(&echo_beh, NULL), spawn(&silent_beh, NULL),
	                   spawn(&echo_beh, NULL)};
	cadre_ref g = spawn(&gat_beh, NULL);
	struct go o = go_of(FORM_CB, CADRE_GATHER_QUORUM, 2, CADRE_FOREVER, to, 3);
	run_go(g, &o);
	CHECK_EQ(res.status, 0);
	CHECK_EQ(res.needed, 2);
	CHECK_EQ(res.nreplies, 2);
	CHECK(res.targets[0] != 1 && res.targets[1] != 1);
	cadre_ask_stats st = stats_of(g);
	CHECK_EQ(st.replied, 2);
	CHECK_EQ(st.cancelled, 1);
	CHECK_EQ(st.pending, 0);
	sys_down();
}

/* The timeout with partial replies: ALL of 3, one answers. */
static void
timeout_partial(void)
{
	sys_up();
	cadre_ref to[3] = {spawn(&silent_beh, NULL), spawn(&echo_beh, NULL),
	                   spawn(&silent_beh, NULL)};
	for (int form = FORM_MSG; form <= FORM_CB; form++) {
		cadre_ref g = spawn(&gat_beh, NULL);
		struct go o = go_of(form, CADRE_GATHER_ALL, 0, 50, to, 3);
		run_go(g, &o);
		CHECK_EQ(res.status, CADRE_ETIMEDOUT);
		CHECK_EQ(res.needed, 3);
		CHECK_EQ(res.nreplies, 1);
		CHECK_EQ(res.targets[0], 1);
		cadre_ask_stats st = stats_of(g);
		CHECK_EQ(st.asked, 3);
		CHECK_EQ(st.replied, 1);
		CHECK_EQ(st.timed_out, 2);
		CHECK_EQ(st.pending, 0);
	}
	sys_down();
}

/* A dead target: ALL can never be met (the call fails, nothing is left
 * out); QUORUM 1 goes on without it (failed 1). */
static void
dead_target(void)
{
	sys_up();
	cadre_ref dead = spawn(&silent_beh, NULL);
	CHECK_EQ(cadre_stop_ref(sys, dead), 0);
	char buf[4];
	while (cadre_ask_wait(sys, dead, T_REQ, NULL, 0, 10, buf, 0, NULL, NULL) != CADRE_ENOACTOR)
		nap_ms(1);
	cadre_ref to[2] = {spawn(&echo_beh, NULL), dead};
	cadre_ref g = spawn(&gat_beh, NULL);
	struct go o = go_of(FORM_MSG, CADRE_GATHER_ALL, 0, 20000, to, 2);
	run_go(g, &o);
	CHECK_EQ(res.rc, CADRE_ENOACTOR);
	o = go_of(FORM_CB, CADRE_GATHER_QUORUM, 1, 20000, to, 2);
	run_go(g, &o);
	CHECK_EQ(res.rc, 0);
	CHECK_EQ(res.status, 0);
	CHECK_EQ(res.asked, 1);
	CHECK_EQ(res.failed, 1);
	CHECK_EQ(res.nreplies, 1);
	CHECK_EQ(res.targets[0], 0);
	cadre_ask_stats st = stats_of(g);
	CHECK_EQ(st.asked, 2); /* the ALL's echo (cancelled), the QUORUM's */
	CHECK_EQ(st.cancelled, 1);
	CHECK_EQ(st.replied, 1);
	CHECK_EQ(st.pending, 0);
	/* the ALL's echo reply, if it came, was late; wait for nothing more */
	CHECK(st.replies_late <= 1);
	sys_down();
}

/* cadre_ask_cancel ends a gather with no outcome; cadre_asker_fini ends it
 * with CADRE_ECANCELED (callback). */
static void
cancel_and_fini(void)
{
	sys_up();
	cadre_ref to[2] = {spawn(&silent_beh, NULL), spawn(&silent_beh, NULL)};
	cadre_ref g = spawn(&gat_beh, NULL);
	struct go o = go_of(FORM_CB, CADRE_GATHER_ALL, 0, CADRE_FOREVER, to, 2);
	o.cancel = 1;
	atomic_store(&outcomes, 0);
	run_go(g, &o);
	CHECK_EQ(res.rc, 0);
	cadre_ask_stats st = stats_of(g);
	CHECK_EQ(st.asked, 2);
	CHECK_EQ(st.cancelled, 2);
	CHECK_EQ(st.pending, 0);
	CHECK_EQ(atomic_load(&outcomes), 0);
	cadre_ref g2 = spawn(&gat_beh, NULL);
	o = go_of(FORM_CB, CADRE_GATHER_ALL, 0, CADRE_FOREVER, to, 2);
	o.fini = 1;
	run_go(g2, &o);
	CHECK_EQ(res.status, CADRE_ECANCELED);
	CHECK_EQ(res.nreplies, 0);
	CHECK_EQ(atomic_load(&outcomes), 1);
	sys_down();
}

static int
bad_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	cadre_asker a;
	cadre_asker_init(&a);
	cadre_ref to[2] = {cadre_self(self), cadre_self(self)};
	int x = 0;
	cadre_timeout T = 100;
	CHECK_EQ(cadre_ask_gather(NULL, &a, to, 2, 1, NULL, 0, CADRE_GATHER_ALL, 0, T, NULL, NULL,
	                          NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather(self, NULL, to, 2, 1, NULL, 0, CADRE_GATHER_ALL, 0, T, NULL, NULL,
	                          NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather(self, &a, NULL, 2, 1, NULL, 0, CADRE_GATHER_ALL, 0, T, NULL, NULL,
	                          NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather(self, &a, to, 0, 1, NULL, 0, CADRE_GATHER_ALL, 0, T, NULL, NULL,
	                          NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather(self, &a, to, CADRE_GATHER_MAX + 1u, 1, NULL, 0, CADRE_GATHER_ALL,
	                          0, T, NULL, NULL, NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather(self, &a, to, 2, 1, NULL, 0, (cadre_gather_mode)7, 0, T, NULL,
	                          NULL, NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather(self, &a, to, 2, 1, NULL, 0, CADRE_GATHER_QUORUM, 0, T, NULL,
	                          NULL, NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather(self, &a, to, 2, 1, NULL, 0, CADRE_GATHER_QUORUM, 3, T, NULL,
	                          NULL, NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather(self, &a, to, 2, 1, NULL, 4, CADRE_GATHER_ALL, 0, T, NULL, NULL,
	                          NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather(self, &a, to, 2, 0xFFFF0201u, &x, sizeof x, CADRE_GATHER_ALL, 0,
	                          T, NULL, NULL, NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather(self, &a, to, 2, 1, NULL, 0, CADRE_GATHER_ALL, 0, -2, NULL, NULL,
	                          NULL),
	         CADRE_EINVAL);
	/* on a worker, the future is refused */
	cadre_gather *out = (cadre_gather *)&x;
	CHECK_EQ(cadre_ask_gather_wait(cadre_actor_system(self), to, 2, 1, NULL, 0,
	                               CADRE_GATHER_ALL, 0, T, &out),
	         CADRE_EWOULDBLOCK);
	CHECK(out == NULL);
	CHECK_EQ(cadre_asker_fini(self, &a), 0);
	CHECK_EQ(cadre_ask_gather(self, &a, to, 2, 1, NULL, 0, CADRE_GATHER_ALL, 0, T, NULL, NULL,
	                          NULL),
	         CADRE_ESTATE);
	atomic_store_explicit(&res_done, 1, memory_order_release);
	return 0;
}

static const cadre_behaviour bad_beh = {.size = sizeof(cadre_actor), .receive = bad_receive};

static void
bad_input(void)
{
	sys_up();
	atomic_store(&res_done, 0);
	cadre_ref b = spawn(&bad_beh, NULL);
	CHECK_EQ(cadre_send(sys, b, T_GO, NULL, 0), 0);
	WAIT_FOR(atomic_load_explicit(&res_done, memory_order_acquire) == 1);
	/* outside any actor */
	cadre_asker a;
	cadre_asker_init(&a);
	cadre_actor fake = {0};
	cadre_ref to[1] = {b};
	CHECK_EQ(cadre_ask_gather(&fake, &a, to, 1, 1, NULL, 0, CADRE_GATHER_ALL, 0, 10, NULL, NULL,
	                          NULL),
	         CADRE_ESTATE);
	cadre_gather *out = NULL;
	CHECK_EQ(cadre_ask_gather_wait(NULL, to, 1, 1, NULL, 0, CADRE_GATHER_ALL, 0, 10, &out),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather_wait(sys, to, 1, 1, NULL, 0, CADRE_GATHER_ALL, 0, 10, NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather_wait(sys, NULL, 1, 1, NULL, 0, CADRE_GATHER_ALL, 0, 10, &out),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather_wait(sys, to, 0, 1, NULL, 0, CADRE_GATHER_ALL, 0, 10, &out),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_gather_wait(sys, to, 1, 1, NULL, 0, CADRE_GATHER_QUORUM, 2, 10, &out),
	         CADRE_EINVAL);
	CHECK(out == NULL);
	/* cadre_gather_read */
	cadre_gather g;
	cadre_msg plain = {T_REQ, 0, NULL, CADRE_REF_NONE};
	CHECK_EQ(cadre_gather_read(&plain, &g), CADRE_EINVAL);
	CHECK_EQ(cadre_gather_read(NULL, &g), CADRE_EINVAL);
	char junk[sizeof(cadre_gather) + 64];
	memset(junk, 0xFF, sizeof junk);
	cadre_msg forged = {CADRE_MSG_GATHER, sizeof junk, junk, CADRE_REF_NONE};
	CHECK_EQ(cadre_gather_read(&forged, &g), CADRE_EINVAL);
	CHECK_EQ(cadre_gather_read(&forged, NULL), CADRE_EINVAL);
	cadre_gather_free(NULL);
	sys_down();
}

/* The future: from main, ALL and a timeout with partial replies; a dead
 * target for ALL; then from a blocking-pool actor. */
static void
wait_form(void)
{
	sys_up();
	cadre_ref to[3] = {spawn(&echo_beh, NULL), spawn(&echo_beh, NULL), spawn(&echo_beh, NULL)};
	cadre_gather *g = NULL;
	uint32_t v = 77;
	CHECK_EQ(cadre_ask_gather_wait(sys, to, 3, T_REQ, &v, sizeof v, CADRE_GATHER_ALL, 0, 20000,
	                               &g),
	         0);
	CHECK(g != NULL);
	CHECK_EQ(g->status, 0);
	CHECK_EQ(g->nreplies, 3);
	for (uint32_t i = 0; i < 3; i++) {
		CHECK_EQ(g->replies[i].size, 4);
		CHECK_EQ(memcmp(g->replies[i].data, &v, 4), 0);
		CHECK_EQ(g->replies[i].type, T_REQ + 1);
	}
	cadre_gather_free(g);
	cadre_ref mixed[3] = {to[0], spawn(&silent_beh, NULL), to[2]};
	CHECK_EQ(cadre_ask_gather_wait(sys, mixed, 3, T_REQ, &v, sizeof v, CADRE_GATHER_ALL, 0, 50,
	                               &g),
	         CADRE_ETIMEDOUT);
	CHECK(g != NULL);
	CHECK_EQ(g->status, CADRE_ETIMEDOUT);
	CHECK_EQ(g->nreplies, 2);
	CHECK(g->targets[0] != 1 && g->targets[1] != 1);
	cadre_gather_free(g);
	CHECK_EQ(cadre_ask_gather_wait(sys, mixed, 3, T_REQ, &v, sizeof v, CADRE_GATHER_QUORUM, 2,
	                               20000, &g),
	         0);
	CHECK_EQ(g->nreplies, 2);
	cadre_gather_free(g);
	cadre_ref dead = spawn(&silent_beh, NULL);
	CHECK_EQ(cadre_stop_ref(sys, dead), 0);
	char buf[4];
	while (cadre_ask_wait(sys, dead, T_REQ, NULL, 0, 10, buf, 0, NULL, NULL) != CADRE_ENOACTOR)
		nap_ms(1);
	cadre_ref withdead[2] = {to[0], dead};
	CHECK_EQ(cadre_ask_gather_wait(sys, withdead, 2, T_REQ, NULL, 0, CADRE_GATHER_ALL, 0, 20000,
	                               &g),
	         CADRE_ENOACTOR);
	CHECK(g == NULL);
	sys_down();
}

static cadre_ref pool_targets[3];

static int
pool_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	cadre_gather *g = NULL;
	res.rc = cadre_ask_gather_wait(cadre_actor_system(self), pool_targets, 3, T_REQ, NULL, 0,
	                               CADRE_GATHER_ALL, 0, 20000, &g);
	if (g != NULL) {
		record(g);
		cadre_gather_free(g);
	}
	atomic_store_explicit(&res_done, 1, memory_order_release);
	return 0;
}

static const cadre_behaviour pool_beh = {.size = sizeof(cadre_actor), .receive = pool_receive};

static void
wait_from_pool(void)
{
	sys_up();
	for (int i = 0; i < 3; i++)
		pool_targets[i] = spawn(&echo_beh, NULL);
	cadre_spawn_opts o = {.flags = CADRE_SPAWN_BLOCKING};
	cadre_ref b;
	CHECK_EQ(cadre_spawn(sys, &pool_beh, &o, NULL, &b), 0);
	memset(&res, 0, sizeof res);
	atomic_store(&res_done, 0);
	CHECK_EQ(cadre_send(sys, b, T_GO, NULL, 0), 0);
	WAIT_FOR(atomic_load_explicit(&res_done, memory_order_acquire) == 1);
	CHECK_EQ(res.rc, 0);
	CHECK_EQ(res.nreplies, 3);
	sys_down();
}

/* A future waiting forever on a silent target ends when the system shuts
 * down: CADRE_ECANCELED, with the replies that came. */
static atomic_int fut_rc = 1, fut_nreplies = -1;
static cadre_ref fut_to[2];

static void *
fut_main(void *arg)
{
	(void)arg;
	cadre_gather *g = NULL;
	int rc = cadre_ask_gather_wait(sys, fut_to, 2, T_REQ, NULL, 0, CADRE_GATHER_ALL, 0,
	                               CADRE_FOREVER, &g);
	atomic_store(&fut_nreplies, g != NULL ? (int)g->nreplies : -1);
	cadre_gather_free(g);
	atomic_store(&fut_rc, rc);
	return NULL;
}

static void
shutdown_while_waiting(void)
{
	sys_up();
	fut_to[0] = spawn(&echo_beh, NULL);
	fut_to[1] = spawn(&silent_beh, NULL);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, fut_main, NULL), 0);
	nap_ms(50); /* most likely waiting, with the echo's reply in */
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(atomic_load(&fut_rc), CADRE_ECANCELED);
	CHECK(atomic_load(&fut_nreplies) == 1 || atomic_load(&fut_nreplies) == -1 ||
	      atomic_load(&fut_nreplies) == 0);
	sys_down();
}

/* Many gathers of 16 targets each, 4 in flight; ALL and ANY, messages
 * and callbacks by turns. Every ANY's other 15 replies come late: at the
 * end, late == cancelled exactly. */
static void
stress(void)
{
	sys_up();
	cadre_ref to[MAXT];
	for (int i = 0; i < MAXT; i++)
		to[i] = spawn(&echo_beh, NULL);
	cadre_ref g = spawn(&gat_beh, NULL);
	struct go o = go_of(FORM_MSG, CADRE_GATHER_ALL, 0, 60000, to, MAXT);
	o.times = (uint32_t)test_size("CADRE_GATHER_STRESS", 1000);
	o.times &= ~3u; /* ALL and ANY, messages and callbacks: as many of each */
	if (o.times < 4)
		o.times = 4;
	atomic_store(&stress_bad, 0);
	run_go(g, &o);
	CHECK_EQ(res.rc, 0);
	CHECK_EQ(atomic_load(&stress_bad), 0);
	cadre_ask_stats st;
	for (int i = 0; i < WAIT_ROUNDS; i++) {
		st = stats_of(g);
		if (st.replies_late == st.cancelled)
			break;
		nap_ms(1);
	}
	CHECK_EQ(st.asked, (uint64_t)o.times * MAXT);
	CHECK_EQ(st.replies_late, st.cancelled);
	CHECK_EQ(st.asked, st.replied + st.cancelled);
	CHECK_EQ(st.cancelled, (uint64_t)(o.times / 2) * (MAXT - 1));
	CHECK_EQ(st.pending, 0);
	CHECK_EQ(st.replies_dropped, 0);
	sys_down();
}

int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	RUN(all_replies);
	RUN(any_first);
	RUN(quorum_two_of_three);
	RUN(timeout_partial);
	RUN(dead_target);
	RUN(cancel_and_fini);
	RUN(bad_input);
	RUN(wait_form);
	RUN(wait_from_pool);
	RUN(shutdown_while_waiting);
	RUN(stress);
	return 0;
}
