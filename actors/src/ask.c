/* Cadre: request/response (the contract is in cadre/ask.h).
 *
 * Design notes.
 *
 * Wire format. A request is the caller's message type with a 32-byte
 * header in front of the caller's payload: a magic word, flags (FUTURE),
 * the request id and the reply-to ref. A reply is a CADRE_MSG_REPLY
 * message with a 16-byte header (id, status, the replier's type) in front
 * of the reply payload. The timeout of an actor's request is a
 * CADRE_MSG_REPLY too, armed with cadre_send_after to the asker itself,
 * with status CADRE_ETIMEDOUT and no payload: so a cadre_ask requester sees
 * both outcomes as the same message type. cadre_reply always sends status
 * 0, which is how dispatch tells a reply from a timeout.
 *
 * Reserved types. A request's type is the caller's, so the asking calls
 * refuse Cadre's reserved types (CADRE_EINVAL) as cadre_send does; the
 * replies and timeouts (CADRE_MSG_REPLY) go out through the library's own
 * sends (cadre__reserved.h), and cadre_router_query asks with
 * cadre__ask_wait_reserved (cadre__ask.h). A CADRE_MSG_REPLY is trusted
 * only after cadre_reply_read has checked its size.
 *
 * Actors: the asker. A per-actor hash table (open addressing, linear
 * probing, backward-shift deletion, at most half full) maps the pending
 * request ids to their handler (a callback, or none for message mode) and
 * their timer. Only the owning actor touches it, so it has no lock and no
 * atomic. The first of {reply, timeout} to reach cadre_ask_dispatch finds
 * the id, removes it and delivers; whatever comes second finds nothing:
 * a reply is counted late (its id was issued: ids count up from 1 and are
 * never reused), a timeout is dropped quietly (a reply cancels the timer,
 * but the cancel loses if the timer was already firing). A reply whose id
 * this asker never issued is counted dropped. Outcomes therefore reach at
 * most one handler, and only the handler of their own request.
 *
 * Futures: a thread that is not a worker cannot receive messages, so each
 * cadre_ask_wait spawns a small proxy actor as the reply-to. The future is
 * a heap record shared by the waiter and the proxy (a reference count: the
 * last to let go frees it), with a state word that is also the futex the
 * waiter sleeps on: PENDING -> CLAIMED -> DONE (the proxy got the reply:
 * it copies it straight into the caller's buffer, which is safe because a
 * waiter that sees CLAIMED waits for DONE), or PENDING -> TIMEDOUT (the
 * waiter's timeout came first). Both sides leave PENDING only by a
 * compare-and-swap, so exactly one of them completes the future. The proxy
 * stops after its first reply; the waiter stops it after a timeout. A
 * reply that comes later finds the proxy gone: cadre_reply knows from the
 * token's FUTURE flag that it was late. If the proxy is stopped by other
 * means (system shutdown), its stop callback completes the future with
 * CADRE_ECANCELED, so no waiter waits for an answer that cannot come.
 *
 * Process-wide counters (late, dropped, timed out) are relaxed atomics:
 * statistics only, they publish nothing.
 */
#include <cadre.h>
#include <cadre/ask.h>

#include <stdlib.h>
#include <string.h>

#include "cadre__ask.h"
#include "cadre__atomic.h"
#include "cadre__await.h"
#include "cadre__clock.h"
#include "cadre__gather.h"
#include "cadre__mem.h"
#include "cadre__reserved.h"

#define REQ_MAGIC 0x51455243u /* "CREQ" */
#define REQ_F_FUTURE 0x1u

struct req_hdr {
	uint32_t magic;
	uint32_t flags;
	uint64_t id;
	cadre_ref reply_to;
};

struct rep_hdr {
	uint64_t id;
	int32_t status;
	uint32_t type;
};

_Static_assert(sizeof(struct req_hdr) == CADRE_ASK_REQUEST_HEADER, "request header size");
_Static_assert(sizeof(struct rep_hdr) == CADRE_ASK_REPLY_HEADER, "reply header size");

/* Payloads up to this size are assembled on the stack. */
#define STACK_PAYLOAD 512u

/* Process-wide counters. Relaxed everywhere: statistics, no data hangs off
 * them. */
static uint64_t g_late, g_dropped, g_timed_out;
static uint64_t g_future_ids;

static void
count(uint64_t *c)
{
	/* Relaxed add: a statistic (see above); pairs with nothing (the
	 * relaxed loads in cadre_ask_global_stats read it). */
	cadre__faa_rlx_u64(c, 1);
}

/* Sends hdr (hn bytes) followed by size bytes at data as one message: a
 * request (cadre__send_reserved's codes) or, with reply, a reply
 * (cadre__respond_reserved's: 1 when dead-lettered). */
static int
send_prefixed(cadre_system *sys, cadre_ref to, uint32_t type, const void *hdr, size_t hn,
              const void *data, size_t size, bool reply)
{
	int (*send)(cadre_system *, cadre_ref, uint32_t, const void *, size_t) =
	        reply ? cadre__respond_reserved : cadre__send_reserved;
	if (size > UINT32_MAX - hn)
		return CADRE_ETOOBIG;
	size_t n = hn + size;
	if (n <= STACK_PAYLOAD) {
		unsigned char buf[STACK_PAYLOAD];
		memcpy(buf, hdr, hn);
		if (size != 0)
			memcpy(buf + hn, data, size);
		return send(sys, to, type, buf, n);
	}
	/* cadre_send (not a move) so that max_message_size applies as usual. */
	unsigned char *p = cadre__a_malloc(n);
	if (p == NULL)
		return CADRE_ENOMEM;
	memcpy(p, hdr, hn);
	memcpy(p + hn, data, size);
	int rc = send(sys, to, type, p, n);
	free(p);
	return rc;
}

/* ---- the pending table -------------------------------------------------------------
 * Its entries (struct cadre__ask_slot) are in cadre__gather.h: a gather
 * (gather.c) keeps its targets' requests here too. */

static uint32_t
home(uint64_t id, uint32_t cap)
{
	return (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static struct cadre__ask_slot *
tbl_find(const cadre_asker *a, uint64_t id)
{
	if (a->cap_ == 0 || id == 0)
		return NULL;
	uint32_t mask = a->cap_ - 1;
	for (uint32_t i = home(id, a->cap_);; i = (i + 1) & mask) {
		struct cadre__ask_slot *s = &a->slots_[i];
		if (s->id == id)
			return s;
		if (s->id == 0)
			return NULL;
	}
}

static struct cadre__ask_slot *
tbl_put(struct cadre__ask_slot *slots, uint32_t cap, uint64_t id)
{
	uint32_t i = home(id, cap);
	while (slots[i].id != 0)
		i = (i + 1) & (cap - 1);
	slots[i].id = id;
	return &slots[i];
}

/* Room for k more entries, keeping the table at most half full. */
static int
tbl_reserve(cadre_asker *a, uint32_t k)
{
	uint64_t want = ((uint64_t)a->count_ + k) * 2u;
	if (want <= a->cap_)
		return 0;
	uint64_t ncap = a->cap_ == 0 ? 16 : (uint64_t)a->cap_ * 2;
	while (ncap < want)
		ncap *= 2;
	if (ncap > (1u << 30))
		return CADRE_ENOMEM;
	struct cadre__ask_slot *n = cadre__a_calloc(ncap, sizeof *n);
	if (n == NULL)
		return CADRE_ENOMEM;
	for (uint32_t i = 0; i < a->cap_; i++) {
		if (a->slots_[i].id != 0)
			*tbl_put(n, (uint32_t)ncap, a->slots_[i].id) = a->slots_[i];
	}
	free(a->slots_);
	a->slots_ = n;
	a->cap_ = (uint32_t)ncap;
	return 0;
}

/* Removes s, shifting back the entries of its probe run (no tombstones). */
static void
tbl_erase(cadre_asker *a, struct cadre__ask_slot *s)
{
	uint32_t mask = a->cap_ - 1, i = (uint32_t)(s - a->slots_), j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (a->slots_[j].id == 0)
			break;
		uint32_t k = home(a->slots_[j].id, a->cap_);
		/* j stays if its home is cyclically in (i, j] */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			a->slots_[i] = a->slots_[j];
			i = j;
		}
	}
	a->slots_[i] = (struct cadre__ask_slot){0};
	a->count_--;
}

int
cadre__ask_reserve(cadre_asker *a, uint32_t k)
{
	return tbl_reserve(a, k);
}

struct cadre__ask_slot *
cadre__ask_find(const cadre_asker *a, uint64_t id)
{
	return tbl_find(a, id);
}

struct cadre__ask_slot *
cadre__ask_put(cadre_asker *a, uint64_t id)
{
	a->count_++;
	return tbl_put(a->slots_, a->cap_, id);
}

void
cadre__ask_erase(cadre_asker *a, struct cadre__ask_slot *s)
{
	tbl_erase(a, s);
}

uint64_t
cadre__ask_new_id(cadre_asker *a)
{
	if (a->next_id_ == 0)
		a->next_id_ = 1; /* an all-zero asker */
	return a->next_id_++;
}

int
cadre__ask_arm(cadre_system *sys, cadre_ref self, uint64_t id, cadre_timeout timeout_ms,
               cadre_timer *out)
{
	struct rep_hdr t = {id, CADRE_ETIMEDOUT, 0};
	uint64_t after = timeout_ms == CADRE_FOREVER ? UINT64_MAX : (uint64_t)timeout_ms;
	return cadre__send_after_reserved(sys, self, CADRE_MSG_REPLY, &t, sizeof t, after, out);
}

int
cadre__ask_send(cadre_system *sys, cadre_ref to, uint32_t type, const void *data, size_t size,
                uint64_t id, cadre_ref reply_to)
{
	struct req_hdr h = {REQ_MAGIC, 0, id, reply_to};
	return send_prefixed(sys, to, type, &h, sizeof h, data, size, false);
}

void
cadre__ask_count_timeouts(uint64_t n)
{
	/* Relaxed add: a statistic, as count(). */
	cadre__faa_rlx_u64(&g_timed_out, n);
}

/* ---- the asking actor ------------------------------------------------------------ */
int
cadre_asker_init(cadre_asker *a)
{
	if (a == NULL)
		return CADRE_EINVAL;
	*a = (cadre_asker){0};
	a->next_id_ = 1;
	return 0;
}

static int
ask_common(cadre_actor *self, cadre_asker *a, cadre_ref to, uint32_t type, const void *data,
           size_t size, cadre_timeout timeout_ms, cadre_response_fn fn, void *ctx, uint64_t *idp)
{
	if (self == NULL || a == NULL || (data == NULL && size != 0) ||
	    cadre__type_reserved(type) || timeout_ms < CADRE_FOREVER)
		return CADRE_EINVAL;
	cadre_system *sys = cadre_actor_system(self);
	if (sys == NULL || a->closed_)
		return CADRE_ESTATE;
	int rc = tbl_reserve(a, 1);
	if (rc != 0)
		return rc;
	uint64_t id = cadre__ask_new_id(a);
	cadre_ref me = cadre_self(self);
	/* The timeout first: a request must never be out without one. */
	cadre_timer timer;
	rc = cadre__ask_arm(sys, me, id, timeout_ms, &timer);
	if (rc != 0)
		return rc;
	rc = cadre__ask_send(sys, to, type, data, size, id, me);
	if (rc != 0) {
		/* If the timer is already firing, its message finds no pending id
		 * and is dropped by dispatch. */
		cadre_timer_cancel(sys, timer);
		return rc;
	}
	/* Only this actor handles its mail, and it is busy here: the outcome
	 * cannot be looked for before the entry exists. */
	struct cadre__ask_slot *s = cadre__ask_put(a, id);
	s->fn = fn;
	s->ctx = ctx;
	s->timer = timer;
	a->stats_.asked++;
	if (idp != NULL)
		*idp = id;
	return 0;
}

int
cadre_ask(cadre_actor *self, cadre_asker *a, cadre_ref to, uint32_t type, const void *data,
          size_t size, cadre_timeout timeout_ms, uint64_t *id)
{
	return ask_common(self, a, to, type, data, size, timeout_ms, NULL, NULL, id);
}

int
cadre_ask_cb(cadre_actor *self, cadre_asker *a, cadre_ref to, uint32_t type, const void *data,
             size_t size, cadre_timeout timeout_ms, cadre_response_fn fn, void *ctx, uint64_t *id)
{
	if (fn == NULL)
		return CADRE_EINVAL;
	return ask_common(self, a, to, type, data, size, timeout_ms, fn, ctx, id);
}

int
cadre_reply_read(const cadre_msg *msg, cadre_response *out)
{
	if (msg == NULL || out == NULL || msg->type != CADRE_MSG_REPLY ||
	    msg->size < sizeof(struct rep_hdr) || msg->data == NULL)
		return CADRE_EINVAL;
	struct rep_hdr h;
	memcpy(&h, msg->data, sizeof h);
	uint32_t n = msg->size - (uint32_t)sizeof h;
	*out = (cadre_response){.id = h.id,
	                        .status = h.status,
	                        .type = h.type,
	                        .size = n,
	                        .data = n != 0 ? (const char *)msg->data + sizeof h : NULL,
	                        .from = h.status == CADRE_ETIMEDOUT ? CADRE_REF_NONE : msg->sender};
	return 0;
}

/* An outcome for an entry of a gather (gather.c): a target's reply, or
 * the gather's timeout. Returns 1 (consumed). */
static int
dispatch_gather(cadre_actor *self, cadre_asker *a, struct cadre__ask_slot *s,
                const cadre_response *r)
{
	struct cadre__ask_slot e = *s;
	bool timeout = r->status == CADRE_ETIMEDOUT;
	if ((e.kind == CADRE__SLOT_MEMBER) == timeout) {
		/* a timeout for a member (they have none) or a reply with a
		 * gather's id (never in a request): not ours */
		a->stats_.replies_dropped++;
		count(&g_dropped);
		return 1;
	}
	tbl_erase(a, s);
	if (e.kind == CADRE__SLOT_MEMBER) {
		a->stats_.replied++;
		cadre__gather_reply(self, a, &e, r);
	} else {
		cadre__gather_timeout(self, a, &e);
	}
	return 1;
}

int
cadre_ask_dispatch(cadre_actor *self, cadre_asker *a, const cadre_msg *msg)
{
	if (self == NULL || a == NULL || msg == NULL)
		return CADRE_EINVAL;
	if (msg->type != CADRE_MSG_REPLY)
		return 0;
	cadre_response r;
	if (cadre_reply_read(msg, &r) != 0) {
		a->stats_.replies_dropped++; /* malformed: ours (the type), but no request */
		count(&g_dropped);
		return 1;
	}
	bool timeout = r.status == CADRE_ETIMEDOUT;
	struct cadre__ask_slot *s = tbl_find(a, r.id);
	if (s == NULL) {
		if (timeout)
			return 1; /* the reply won; its cancel came too late */
		if (r.id != 0 && r.id < a->next_id_) {
			a->stats_.replies_late++;
			count(&g_late);
		} else {
			a->stats_.replies_dropped++;
			count(&g_dropped);
		}
		return 1;
	}
	struct cadre__ask_slot e = *s;
	if (e.kind != CADRE__SLOT_REQ)
		return dispatch_gather(self, a, s, &r);
	tbl_erase(a, s);
	if (timeout) {
		a->stats_.timed_out++;
		count(&g_timed_out);
	} else {
		a->stats_.replied++;
		cadre_system *sys = cadre_actor_system(self);
		if (sys != NULL)
			cadre_timer_cancel(sys, e.timer); /* ENOENT: firing; dropped above */
	}
	if (e.fn == NULL)
		return 0; /* message mode: receive handles this outcome */
	e.fn(self, e.ctx, &r);
	return 1;
}

int
cadre_ask_cancel(cadre_actor *self, cadre_asker *a, uint64_t id)
{
	if (self == NULL || a == NULL)
		return CADRE_EINVAL; /* without self, the request's timer could not be cancelled */
	struct cadre__ask_slot *s = tbl_find(a, id);
	if (s == NULL || s->kind == CADRE__SLOT_MEMBER)
		return CADRE_ENOENT; /* a gather's targets end with their gather */
	struct cadre__ask_slot e = *s;
	tbl_erase(a, s);
	cadre_system *sys = cadre_actor_system(self);
	if (sys != NULL)
		cadre_timer_cancel(sys, e.timer);
	if (e.kind == CADRE__SLOT_GATHER)
		cadre__gather_cancel(self, a, &e);
	else
		a->stats_.cancelled++;
	return 0;
}

int
cadre_asker_fini(cadre_actor *self, cadre_asker *a)
{
	if (a == NULL)
		return CADRE_EINVAL;
	a->closed_ = true;
	struct cadre__ask_slot *slots = a->slots_;
	uint32_t cap = a->cap_;
	a->slots_ = NULL;
	a->cap_ = a->count_ = 0;
	cadre_system *sys = self != NULL ? cadre_actor_system(self) : NULL;
	for (uint32_t i = 0; i < cap; i++) {
		struct cadre__ask_slot e = slots[i];
		if (e.id == 0)
			continue;
		if (e.kind == CADRE__SLOT_MEMBER) {
			a->stats_.cancelled++;
			continue;
		}
		if (sys != NULL)
			cadre_timer_cancel(sys, e.timer);
		if (e.kind == CADRE__SLOT_GATHER) {
			cadre__gather_abort(self, e.ctx);
			continue;
		}
		a->stats_.cancelled++;
		if (e.fn != NULL) {
			cadre_response r = {.id = e.id, .status = CADRE_ECANCELED};
			e.fn(self, e.ctx, &r);
		}
	}
	free(slots);
	return 0;
}

int
cadre_asker_stats(const cadre_asker *a, cadre_ask_stats *out)
{
	if (a == NULL || out == NULL)
		return CADRE_EINVAL;
	*out = a->stats_;
	out->pending = a->count_;
	return 0;
}

int
cadre_ask_global_stats(cadre_ask_stats *out)
{
	if (out == NULL)
		return CADRE_EINVAL;
	/* Relaxed loads: snapshots of statistics; they pair with nothing
	 * (count's relaxed adds publish nothing). */
	*out = (cadre_ask_stats){
	        .timed_out = cadre__load_rlx_u64(&g_timed_out),
	        .replies_late = cadre__load_rlx_u64(&g_late),
	        .replies_dropped = cadre__load_rlx_u64(&g_dropped),
	};
	return 0;
}

/* ---- the receiving side ------------------------------------------------------------ */
int
cadre_ask_request(const cadre_msg *msg, cadre_request *out)
{
	if (msg == NULL || out == NULL || msg->type == CADRE_MSG_REPLY ||
	    msg->size < sizeof(struct req_hdr) || msg->data == NULL)
		return CADRE_EINVAL;
	struct req_hdr h;
	memcpy(&h, msg->data, sizeof h);
	if (h.magic != REQ_MAGIC)
		return CADRE_EINVAL;
	uint32_t n = msg->size - (uint32_t)sizeof h;
	*out = (cadre_request){.reply_to = {h.reply_to, h.id, h.flags, 0},
	                       .type = msg->type,
	                       .size = n,
	                       .data = n != 0 ? (const char *)msg->data + sizeof h : NULL,
	                       .sender = msg->sender};
	return 0;
}

int
cadre_reply(cadre_system *sys, const cadre_reply_to *to, uint32_t type, const void *data,
            size_t size)
{
	if (sys == NULL || to == NULL || (data == NULL && size != 0) || cadre_ref_is_none(to->to))
		return CADRE_EINVAL;
	struct rep_hdr h = {to->id, 0, type};
	int rc = send_prefixed(sys, to->to, CADRE_MSG_REPLY, &h, sizeof h, data, size, true);
	if (rc > 0) /* dead-lettered: the requester is gone, full or closing */
		count((to->flags_ & REQ_F_FUTURE) != 0 ? &g_late : &g_dropped);
	return rc > 0 ? 0 : rc;
}

int
cadre_forward(cadre_system *sys, cadre_ref to, const cadre_msg *msg)
{
	cadre_request req;
	if (sys == NULL || cadre_ask_request(msg, &req) != 0)
		return CADRE_EINVAL;
	return cadre_send(sys, to, msg->type, msg->data, msg->size); /* refuses reserved types */
}

/* ---- futures ------------------------------------------------------------------------ */
enum { F_PENDING = 0, F_CLAIMED = 1, F_DONE = 2, F_TIMEDOUT = 3 };

struct future {
	uint32_t refs;  /* the waiter's and the proxy's */
	uint32_t state; /* futex word: F_* */
	uint64_t id;
	/* the caller's buffer, written by the proxy between CLAIMED and DONE */
	void *buf;
	size_t cap;
	/* out, written before DONE */
	int rc;
	size_t size;
	uint32_t type;
};

static void
future_unref(struct future *f)
{
	/* acq_rel add of -1: the last one to let go sees every write of the
	 * other side (pairs with the other side's same decrement). */
	if (cadre__faa_acqrel_u32(&f->refs, UINT32_MAX) == 1)
		free(f);
}

/* PENDING -> CLAIMED: the proxy's claim. The waiter's timeout makes the
 * competing PENDING -> TIMEDOUT; the CAS decides. */
static bool
future_claim(struct future *f)
{
	/* acq_rel CAS: one total order on the state word with the waiter's
	 * CAS in future_wait; nothing of ours moves above the claim. (On
	 * failure it is an acquire load, where a relaxed one would do: the
	 * header's one 32-bit CAS.) */
	return cadre__cas_acqrel_u32(&f->state, F_PENDING, F_CLAIMED);
}

static void
future_done(struct future *f)
{
	/* Release store: the answer (rc, size, type, the caller's buffer)
	 * before DONE; pairs with the acquire load in cadre__await_change
	 * (future_wait). */
	cadre__store_rel_u32(&f->state, F_DONE);
	cadre__futex_wake(&f->state, 1);
}

struct proxy {
	cadre_actor base;
	struct future *f;
	bool ended;
};

static int
proxy_start(cadre_actor *self, void *arg)
{
	((struct proxy *)self)->f = arg;
	return 0;
}

static int
proxy_receive(cadre_actor *self, const cadre_msg *m)
{
	struct proxy *p = (struct proxy *)self;
	struct future *f = p->f;
	cadre_response r;
	if (m->type != CADRE_MSG_REPLY)
		return 0; /* nobody else should write to us */
	if (cadre_reply_read(m, &r) != 0 || r.id != f->id || r.status != 0) {
		count(&g_dropped);
		return 0;
	}
	if (p->ended) {
		count(&g_late); /* a second reply */
		return 0;
	}
	p->ended = true;
	if (future_claim(f)) {
		size_t n = r.size < f->cap ? r.size : f->cap;
		if (n != 0)
			memcpy(f->buf, r.data, n);
		f->size = r.size;
		f->type = r.type;
		f->rc = r.size > f->cap ? CADRE_ETOOBIG : 0;
		future_done(f);
	} else {
		count(&g_late); /* the waiter timed out first */
	}
	cadre_stop(self);
	return 0;
}

static void
proxy_stop(cadre_actor *self, const cadre_exit *why)
{
	struct proxy *p = (struct proxy *)self;
	(void)why;
	if (!p->ended && future_claim(p->f)) {
		p->f->rc = CADRE_ECANCELED; /* stopped from outside: shutdown */
		future_done(p->f);
	}
	future_unref(p->f);
}

static const cadre_behaviour proxy_beh = {.size = sizeof(struct proxy),
                                          .start = proxy_start,
                                          .receive = proxy_receive,
                                          .stop = proxy_stop,
                                          .name = "ask-future"};

/* Waits until DONE (0) or the deadline, at which it tries PENDING ->
 * TIMEDOUT (CADRE_ETIMEDOUT if that wins). */
static int
future_wait(cadre_system *sys, struct future *f, cadre_timeout timeout_ms)
{
	if (cadre__await_in(sys, &f->state, F_PENDING, timeout_ms) != 0) {
		/* acq_rel CAS: the other side of future_claim's CAS; whoever
		 * leaves PENDING first decides. */
		if (cadre__cas_acqrel_u32(&f->state, F_PENDING, F_TIMEDOUT))
			return CADRE_ETIMEDOUT;
	}
	/* CLAIMED (the proxy is copying the reply: DONE comes next, soon) or
	 * DONE already. */
	cadre__await_change(&f->state, F_CLAIMED, UINT64_MAX);
	return 0;
}

int
cadre_ask_wait(cadre_system *sys, cadre_ref to, uint32_t type, const void *data, size_t size,
               cadre_timeout timeout_ms, void *reply_buf, size_t buf_size, size_t *reply_size,
               uint32_t *reply_type)
{
	if (cadre__type_reserved(type))
		return CADRE_EINVAL; /* Cadre's own (cadre__reserved.h) */
	return cadre__ask_wait_reserved(sys, to, type, data, size, timeout_ms, reply_buf, buf_size,
	                                reply_size, reply_type);
}

/* cadre_ask_wait for any type (cadre__ask.h): cadre_router_query. */
int
cadre__ask_wait_reserved(cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                         size_t size, cadre_timeout timeout_ms, void *reply_buf, size_t buf_size,
                         size_t *reply_size, uint32_t *reply_type)
{
	if (sys == NULL || timeout_ms < CADRE_FOREVER || (data == NULL && size != 0) ||
	    (reply_buf == NULL && buf_size != 0))
		return CADRE_EINVAL;
	if (cadre_is_worker_thread())
		return CADRE_EWOULDBLOCK;
	struct future *f = cadre__a_calloc(1, sizeof *f);
	if (f == NULL)
		return CADRE_ENOMEM;
	/* Plain initialisation: not shared yet; published to the proxy by
	 * the spawn. */
	f->refs = 2;
	f->state = F_PENDING;
	/* Relaxed add: only uniqueness matters; pairs with nothing. */
	f->id = cadre__faa_rlx_u64(&g_future_ids, 1) + 1;
	f->buf = reply_buf;
	f->cap = buf_size;
	cadre_ref proxy;
	int rc = cadre_spawn(sys, &proxy_beh, NULL, f, &proxy);
	if (rc != 0) {
		free(f);
		return rc;
	}
	struct req_hdr h = {REQ_MAGIC, REQ_F_FUTURE, f->id, proxy};
	rc = send_prefixed(sys, to, type, &h, sizeof h, data, size, false);
	if (rc != 0) {
		/* No request is out: the proxy's stop callback finds it PENDING,
		 * completes it for nobody and lets go. */
		cadre_stop_ref(sys, proxy);
		future_unref(f);
		return rc;
	}
	rc = future_wait(sys, f, timeout_ms);
	if (rc == CADRE_ETIMEDOUT) {
		count(&g_timed_out);
		cadre_stop_ref(sys, proxy);
	} else {
		rc = f->rc;
		if (rc == 0 || rc == CADRE_ETOOBIG) {
			if (reply_size != NULL)
				*reply_size = f->size;
			if (reply_type != NULL)
				*reply_type = f->type;
		}
	}
	future_unref(f);
	return rc;
}
