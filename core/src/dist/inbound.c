/* Cadre: distribution, inbound (frames to deliveries) and requests.
 *
 * Design notes.
 *
 * Nothing from the network is trusted. A frame is decoded by the codec
 * (exact length, ranges, charsets), then every ref it names is checked
 * against what it may name: a `to` must carry this node's word (then the
 * actor table decides, generation and all: a stale or forged ref is a dead
 * letter or an ENOACTOR answer, never memory), a `from` must carry the
 * sending peer's word; a reserved message type is refused except
 * CADRE_MSG_REPLY of request/response (0xFFFF0201: its receiver checks
 * its payload). Anything else is dropped and counted malformed.
 *
 * The inbound budget. A message delivered from the network is a moved
 * block whose destructor is ours: its weight (size + 64) is added to
 * `inflight` when it is made and taken off when it is handled or
 * dead-lettered. Over inbound_max the dist thread stops reading the ROUTER
 * (ZeroMQ's queues then fill, and TCP slows the senders); the destructor
 * that takes `inflight` below half of it wakes the thread.
 *
 * Details. cadre_exit.detail is a `const char *` that must stay valid as
 * long as anyone holds the reason: a detail from the network is interned
 * in a table of CADRE__DIST_DETAILS strings kept until the system is
 * freed; beyond that bound it becomes the fixed "(remote)".
 */
#include <string.h>

#include "cadre__node.h"

#define DIST_MSG_REPLY 0xFFFF0201u /* CADRE_MSG_REPLY (cadre/ask.h) */
#define MSG_WEIGHT(size) ((uint64_t)(size) + 64u)

static const cadre_exit noproc = {CADRE_EXIT_NOPROC, 0, "no such actor"};

/* ---- messages from the network ------------------------------------------------------ */
static void
inflight_done(void *data, size_t size)
{
	struct cadre__dist *d = *(struct cadre__dist **)((char *)data - sizeof(void *));
	uint64_t w = MSG_WEIGHT(size);
	/* acq_rel sub: pairs with the add in cadre__dist_msg and the dist
	 * thread's acquire load before it pauses. */
	uint64_t before = cadre__faa_acqrel_u64(&d->inflight, (uint64_t)0 - w);
	/* Acquire: pairs with the dist thread's release store of paused. */
	if (before >= d->inflight_half && before - w < d->inflight_half &&
	    cadre__load_acq_u32(&d->paused))
		cadre__dist_wake(d);
}

struct cadre__msg *
cadre__dist_msg(struct cadre__dist *d, cadre_ref sender, uint32_t type, const void *data,
                size_t size, bool counted)
{
	size_t pre = counted ? sizeof(void *) : 0;
	struct cadre__msg *m = cadre__msg_alloc(sizeof(struct cadre__msg) + pre + size);
	if (m == NULL)
		return NULL;
	m->type = type;
	m->size = (uint32_t)size;
	m->flags = 0;
	m->sender = sender;
	char *body = (char *)m + sizeof(struct cadre__msg);
	if (counted) {
		*(struct cadre__dist **)body = d;
		m->kind = CADRE__MSG_MOVED; /* the destructor counts it down */
		m->dtor = inflight_done;
		/* acq_rel add: pairs with inflight_done's sub. */
		cadre__faa_acqrel_u64(&d->inflight, MSG_WEIGHT(size));
	} else {
		m->kind = CADRE__MSG_INLINE;
		m->dtor = NULL;
	}
	m->data = body + pre;
	if (size != 0)
		memcpy(m->data, data, size);
	return m;
}

const char *
cadre__dist_detail(struct cadre__dist *d, const struct cadre__wire_str *s)
{
	if (s->len == 0)
		return NULL;
	for (uint32_t i = 0; i < d->ndetails; i++)
		if (strlen(d->details[i]) == s->len && memcmp(d->details[i], s->p, s->len) == 0)
			return d->details[i];
	if (d->ndetails == CADRE__DIST_DETAILS)
		return "(remote)";
	char *c = cadre__alloc(CADRE__WIRE_DETAIL_MAX + 1);
	if (c == NULL)
		return "(remote)";
	memcpy(c, s->p, s->len);
	c[s->len] = '\0';
	d->details[d->ndetails++] = c;
	return c;
}

static cadre_exit
reason_in(struct cadre__dist *d, const struct cadre__wire_reason *r)
{
	cadre_exit e = {(cadre_exit_kind)r->kind, r->code, cadre__dist_detail(d, &r->detail)};
	return e;
}

/* ---- answers on the dist thread ------------------------------------------------------- */
/* Queues a frame of ours for p (the dist thread is a producer too). */
static struct cadre__dout *
answer(struct cadre__dist *d, struct cadre__dpeer *p, const struct cadre__frame *f)
{
	struct cadre__dout *o = cadre__dist_item(CADRE__O_FRAME, f->to, f);
	if (o == NULL)
		return NULL;
	o->to.node = p->incarnation;
	cadre__faa_acqrel_u32(&p->queued, 1); /* acq_rel: as a poster's (stop drains it) */
	cadre__dist_push(d, p, o);
	return o;
}

static void
answer_exit(struct cadre__dist *d, struct cadre__dpeer *p, cadre_ref to, cadre_ref from)
{
	char buf[CADRE__WIRE_DETAIL_MAX];
	struct cadre__frame f = {.kind = CADRE__W_EXIT, .to = to, .from = from, .linked = 1};
	cadre__dist_reason_out(&noproc, &f.reason, buf);
	(void)answer(d, p, &f);
}

static void
answer_down(struct cadre__dist *d, struct cadre__dpeer *p, cadre_ref to, cadre_ref actor,
            uint64_t monitor)
{
	char buf[CADRE__WIRE_DETAIL_MAX];
	struct cadre__frame f = {.kind = CADRE__W_DOWN, .to = to, .actor = actor, .id = monitor};
	cadre__dist_reason_out(&noproc, &f.reason, buf);
	(void)answer(d, p, &f);
}

/* ---- requests ----------------------------------------------------------------------- */
/* Answers r's asker (the reply message, or its waiting thread). */
static void
req_answer(struct cadre__dist *d, struct cadre__dreq *r, int status, cadre_ref ref)
{
	if (r->waiter != NULL) {
		struct cadre__dwaiter *w = r->waiter;
		pthread_mutex_lock(&w->mu);
		w->status = status;
		w->ref = ref;
		w->done = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
	} else {
		cadre_node_reply rep = {r->id, status, ref};
		(void)cadre__send_copy(d->sys, r->asker, CADRE_MSG_NODE_REPLY, &rep, sizeof rep,
		                       false);
	}
}

void
cadre__dist_req_done(struct cadre__dist *d, struct cadre__dreq *r, int status, cadre_ref ref)
{
	if (!r->late)
		req_answer(d, r, status, ref);
	cadre__free(r, sizeof *r);
}

void
cadre__dist_req_scan(struct cadre__dist *d, uint64_t now, struct cadre__dpeer *down)
{
	for (struct cadre__dreq **pp = &d->pending; *pp != NULL;) {
		struct cadre__dreq *r = *pp;
		int status = down != NULL && (r->peer == down || down == (struct cadre__dpeer *)d)
		                     ? CADRE_ENODE
		             : now >= r->deadline ? CADRE_ETIMEDOUT
		                                  : 0;
		if (status == CADRE_ETIMEDOUT && r->link) {
			/* Answered now, kept until its REPLY: a child spawned
			 * after all must not stay linked to a parent that gave
			 * up (in_reply). */
			req_answer(d, r, status, CADRE_REF_NONE);
			r->late = true;
			r->deadline = UINT64_MAX;
			status = 0;
		}
		if (status == 0) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		cadre__dist_req_done(d, r, status, CADRE_REF_NONE);
	}
}

uint64_t
cadre__dist_req_next(struct cadre__dist *d)
{
	uint64_t next = UINT64_MAX;
	for (struct cadre__dreq *r = d->pending; r != NULL; r = r->next)
		if (r->deadline < next)
			next = r->deadline;
	return next;
}

static struct cadre__dreq *
req_take(struct cadre__dist *d, struct cadre__dpeer *p, uint64_t id)
{
	for (struct cadre__dreq **pp = &d->pending; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->id == id && (*pp)->peer == p) {
			struct cadre__dreq *r = *pp;
			*pp = r->next;
			return r;
		}
	return NULL;
}

/* ---- frames -------------------------------------------------------------------------- */
static bool
ours(const struct cadre__dist *d, cadre_ref r)
{
	return r.node == d->incarnation;
}

static bool
theirs(const struct cadre__dpeer *p, cadre_ref r)
{
	return r.node == p->incarnation;
}

static void
malformed(struct cadre__dist *d)
{
	cadre__dstat(&d->st.malformed, 1);
}

static void
in_send(struct cadre__dist *d, struct cadre__dpeer *p, const struct cadre__frame *f)
{
	if (!ours(d, f->to) || (cadre__type_reserved(f->type) && f->type != DIST_MSG_REPLY) ||
	    !(cadre_ref_is_none(f->from) || theirs(p, f->from)) || f->size > d->sys->max_msg) {
		malformed(d);
		return;
	}
	struct cadre__msg *m = cadre__dist_msg(d, f->from, f->type, f->payload, f->size, true);
	if (m == NULL) {
		/* No memory for it: a dead letter all the same, uncounted bytes. */
		m = cadre__dist_msg(d, f->from, f->type, NULL, 0, false);
		if (m != NULL)
			cadre__dist_dead(d, f->to, m, CADRE_ENOMEM);
		return;
	}
	(void)cadre__deliver_remote(d->sys, f->to, m); /* dead-lettered there on failure */
}

static void
in_link(struct cadre__dist *d, struct cadre__dpeer *p, const struct cadre__frame *f)
{
	struct cadre__sig_ref r = {f->from, 0};
	if (f->kind == CADRE__W_UNLINK) {
		cadre__dist_links_end(p, CADRE__L_LINK, f->to, f->from, 0);
		(void)cadre__signal_from_remote(d->sys, f->to, CADRE__SIG_UNLINK, &r, sizeof r);
		return;
	}
	int rc = cadre__signal_from_remote(d->sys, f->to, CADRE__SIG_LINK, &r, sizeof r);
	if (rc == CADRE_ENOACTOR)
		answer_exit(d, p, f->from, f->to);
	else if (rc == 0 && cadre__dist_links_add(p, CADRE__L_LINK, f->to, f->from, 0, NULL) != 0)
		answer_exit(d, p, f->from, f->to); /* cannot keep it: as if gone */
}

static void
in_exit(struct cadre__dist *d, struct cadre__dpeer *p, const struct cadre__frame *f)
{
	if (f->linked)
		cadre__dist_links_end(p, CADRE__L_LINK, f->to, f->from, 0);
	struct cadre__sig_exit e = {f->from, reason_in(d, &f->reason), f->linked, NULL};
	(void)cadre__signal_from_remote(d->sys, f->to, CADRE__SIG_EXIT, &e, sizeof e);
}

static void
in_monitor(struct cadre__dist *d, struct cadre__dpeer *p, const struct cadre__frame *f)
{
	struct cadre__sig_ref r = {f->from, f->id};
	if (f->kind == CADRE__W_DEMONITOR) {
		(void)cadre__signal_from_remote(d->sys, f->to, CADRE__SIG_DEMONITOR, &r, sizeof r);
		return;
	}
	if (cadre__signal_from_remote(d->sys, f->to, CADRE__SIG_MONITOR, &r, sizeof r) ==
	    CADRE_ENOACTOR)
		answer_down(d, p, f->from, f->to, f->id);
}

static void
in_down(struct cadre__dist *d, struct cadre__dpeer *p, const struct cadre__frame *f)
{
	cadre__dist_links_end(p, CADRE__L_MONITOR, f->to, f->actor, f->id);
	cadre_down_msg dn = {f->id, f->actor, reason_in(d, &f->reason)};
	(void)cadre__signal_from_remote(d->sys, f->to, CADRE__SIG_DOWN, &dn, sizeof dn);
}

/* SPAWN: the REPLY is queued before the spawn and filled after, so that
 * nothing the child sends (its EXIT) can go out before it. */
static void
in_spawn(struct cadre__dist *d, struct cadre__dpeer *p, const struct cadre__frame *f)
{
	struct cadre__frame rf = {.kind = CADRE__W_REPLY, .id = f->id, .to = f->from};
	const cadre_behaviour *beh = cadre__dist_beh(d, f->name.p, f->name.len);
	if (beh == NULL || f->size > d->sys->max_msg) {
		rf.status = beh == NULL ? CADRE_ENOENT : CADRE_ETOOBIG;
		(void)answer(d, p, &rf);
		return;
	}
	struct cadre__dout *o = answer(d, p, &rf); /* status 0, actor NONE for now */
	if (o == NULL)
		return; /* no memory for the answer: the asker times out */
	struct cadre_remote_arg *arg = cadre__remote_arg_new(f->payload, f->size);
	cadre_ref child = CADRE_REF_NONE;
	/* The spawn takes arg, even when it fails. */
	int rc = arg == NULL ? CADRE_ENOMEM
	                     : cadre__spawn_remote(d->sys, beh, arg,
	                                           f->linked ? f->from : CADRE_REF_NONE, &child);
	if (rc == 0 && f->linked)
		(void)cadre__dist_links_add(p, CADRE__L_LINK, child, f->from, 0, NULL);
	rf.status = rc;
	rf.actor = child;
	/* The same length (refs and status are fixed-size): rewritten in
	 * place; only this thread pops the queue. */
	(void)cadre__wire_encode(&rf, o->frame, o->len);
}

static void
in_whereis(struct cadre__dist *d, struct cadre__dpeer *p, const struct cadre__frame *f)
{
	char name[CADRE__WIRE_LOOKUP_MAX + 1];
	memcpy(name, f->name.p, f->name.len);
	name[f->name.len] = '\0';
	struct cadre__frame rf = {.kind = CADRE__W_REPLY, .id = f->id, .to = f->from};
	rf.status = cadre_whereis(d->sys, name, &rf.actor);
	if (rf.status != 0) {
		rf.status = CADRE_ENOENT;
		rf.actor = CADRE_REF_NONE;
	}
	(void)answer(d, p, &rf);
}

static void
in_reply(struct cadre__dist *d, struct cadre__dpeer *p, const struct cadre__frame *f)
{
	struct cadre__dreq *r = req_take(d, p, f->id);
	if (r == NULL) { /* timed out already, or never asked */
		cadre__dstat(&d->st.stale, 1);
		return;
	}
	cadre_ref child = f->status == 0 ? f->actor : CADRE_REF_NONE;
	int status = f->status;
	if (status == 0 && !theirs(p, child)) {
		malformed(d);
		status = CADRE_ENODE;
		child = CADRE_REF_NONE;
	}
	if (r->late) { /* the asker was told ETIMEDOUT: its child is told it is gone */
		cadre__dstat(&d->st.stale, 1);
		if (status == 0)
			answer_exit(d, p, child, r->asker);
		cadre__dist_req_done(d, r, status, child);
		return;
	}
	if (status == 0 && r->link) {
		/* The parent's side of the link, before any EXIT of the child. */
		struct cadre__sig_ref l = {child, 0};
		int rc = cadre__signal_from_remote(d->sys, r->asker, CADRE__SIG_LINK, &l, sizeof l);
		if (rc != 0 ||
		    cadre__dist_links_add(p, CADRE__L_LINK, r->asker, child, 0, NULL) != 0)
			answer_exit(d, p, child, r->asker);
	}
	cadre__dist_req_done(d, r, status, child);
}

static bool
refs_ok(const struct cadre__dist *d, const struct cadre__dpeer *p, const struct cadre__frame *f)
{
	switch (f->kind) {
	case CADRE__W_LINK:
	case CADRE__W_UNLINK:
	case CADRE__W_MONITOR:
	case CADRE__W_DEMONITOR:
		return ours(d, f->to) && theirs(p, f->from);
	case CADRE__W_EXIT:
		return ours(d, f->to) &&
		       (theirs(p, f->from) || (!f->linked && cadre_ref_is_none(f->from)));
	case CADRE__W_DOWN:
		return ours(d, f->to) && theirs(p, f->actor);
	case CADRE__W_STOP:
		return ours(d, f->to);
	case CADRE__W_SPAWN:
	case CADRE__W_WHEREIS:
		return theirs(p, f->from) ||
		       (f->kind == CADRE__W_WHEREIS && cadre_ref_is_none(f->from));
	case CADRE__W_REPLY:
		return ours(d, f->to) || cadre_ref_is_none(f->to);
	default:
		return true;
	}
}

void
cadre__dist_inbound(struct cadre__dist *d, struct cadre__dpeer *p, const struct cadre__frame *f)
{
	if (!refs_ok(d, p, f)) {
		malformed(d);
		return;
	}
	switch (f->kind) {
	case CADRE__W_TICK:
		break;
	case CADRE__W_LEAVE:
		cadre__dist_down(d, p, CADRE_NODE_R_LEAVE);
		break;
	case CADRE__W_SEND:
		in_send(d, p, f);
		break;
	case CADRE__W_LINK:
	case CADRE__W_UNLINK:
		in_link(d, p, f);
		break;
	case CADRE__W_EXIT:
		in_exit(d, p, f);
		break;
	case CADRE__W_MONITOR:
	case CADRE__W_DEMONITOR:
		in_monitor(d, p, f);
		break;
	case CADRE__W_DOWN:
		in_down(d, p, f);
		break;
	case CADRE__W_STOP:
		(void)cadre_stop_ref(d->sys, f->to);
		break;
	case CADRE__W_SPAWN:
		in_spawn(d, p, f);
		break;
	case CADRE__W_WHEREIS:
		in_whereis(d, p, f);
		break;
	case CADRE__W_REPLY:
		in_reply(d, p, f);
		break;
	case CADRE__W_PEERS:
		cadre__dist_peers_in(d, f);
		break;
	default: /* HELLO is the handshake's (peer.c) */
		break;
	}
}
