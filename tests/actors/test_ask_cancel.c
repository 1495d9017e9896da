/* Request/response (cadre/ask.h), case by case: cadre_ask_cancel,
 * cadre_asker_fini (pending callbacks get ECANCELED), late and forged
 * replies, and bad input to every function of cadre/ask.h. The services are
 * in tests/support/ask_helpers.h. Run one case with: test_ask_cancel
 * <case>. */
#include "ask_helpers.h"
#include "cadre__reserved.h"

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
	if (cadre_ask_dispatch(self, &m->asker, msg) > 0) {
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
	/* forged replies: an id never issued, id 0, a malformed one (through
	 * the library's internal path: cadre_send refuses reserved types) */
	cadre_ref me = cadre_self(self);
	uint64_t forged[2] = {1000000, 0};
	CHECK_EQ(cadre_send(s, me, CADRE_MSG_REPLY, forged, sizeof forged), CADRE_EINVAL);
	CHECK_EQ(cadre__send_reserved(s, me, CADRE_MSG_REPLY, forged, sizeof forged), 0);
	uint64_t zero[2] = {0, 0};
	CHECK_EQ(cadre__send_reserved(s, me, CADRE_MSG_REPLY, zero, sizeof zero), 0);
	CHECK_EQ(cadre__send_reserved(s, me, CADRE_MSG_REPLY, "abc", 3), 0);
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
	CHECK_EQ(cadre_reply(sys, &gone, 1, "z", 1), 0); /* a dead letter */
	cadre_ask_global_stats(&g1);
	CHECK_EQ(g1.replies_dropped - g0.replies_dropped, 1);
	CHECK_EQ(cadre_forward(sys, st, &plain), CADRE_EINVAL);
	CHECK_EQ(cadre_forward(NULL, st, &plain), CADRE_EINVAL);
	CHECK_EQ(cadre_forward(sys, st, NULL), CADRE_EINVAL);
	/* futures: bad input */
	CHECK_EQ(cadre_ask_wait(NULL, st, 1, NULL, 0, 10, NULL, 0, NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_wait(sys, st, 1, NULL, 0, -2, NULL, 0, NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_wait(sys, st, 1, NULL, 3, 10, NULL, 0, NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_wait(sys, st, 1, NULL, 0, 10, NULL, 3, NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_wait(sys, m, 1, NULL, 0, 1000, NULL, 0, NULL, NULL), CADRE_ENOACTOR);
	/* outside any actor */
	cadre_asker a;
	CHECK_EQ(cadre_asker_init(&a), 0);
	CHECK_EQ(cadre_asker_init(NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_ask((cadre_actor *)&a, &a, st, 1, NULL, 0, 10, NULL), CADRE_ESTATE);
	CHECK_EQ(cadre_ask_dispatch(NULL, &a, &plain), CADRE_EINVAL);
	CHECK_EQ(cadre_ask_dispatch(NULL, NULL, &plain), CADRE_EINVAL);
	CHECK_EQ(cadre_asker_stats(NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_asker_fini(NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_asker_fini(NULL, &a), 0);
	CHECK_EQ(cadre_ask_global_stats(NULL), CADRE_EINVAL);
	sys_down();
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	RUN(cancel_fini_bad_input);
	fprintf(stderr, "test_ask_cancel: ok\n");
	return 0;
}
