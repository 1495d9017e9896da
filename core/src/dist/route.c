/* Cadre: distribution, outbound (the hook core calls for a foreign ref).
 *
 * Design notes.
 *
 * `post` runs on the sender's thread (a worker, or any outside thread) and
 * never blocks: it finds the peer by the ref's node word (node.c's
 * read-mostly table), checks that it is up as that incarnation, admits the
 * item against queue_max (ordinary messages only: signals are never
 * refused), encodes the frame there (a moved payload through its
 * serializer, then the payload's destructor runs), and pushes the item
 * onto the peer's queue, a cadre_mailbox used as a plain MPSC queue: one
 * exchange, which also says whether the queue went from idle to active.
 * Only that push writes the dist thread's eventfd; the others find the
 * thread already awake or about to drain.
 *
 * Stop. A poster adds to the peer's `queued` (seq_cst) and then loads
 * `stopping` (seq_cst); cadre__dist_stop stores `stopping` (seq_cst) and
 * then drains until every `queued` is zero. Dekker's pattern: either the
 * poster sees stopping and backs out (ENODE), or the stopper sees its
 * count and waits for its item. Nothing is left in a queue after stop.
 *
 * Promises. A LINK or MONITOR signal block is the EXIT / DOWN its sender
 * will be owed if the peer goes down: dist keeps it (links.c) and, when
 * the peer is down already, answers at once with noconnection in it.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cadre__node.h"

static const cadre_exit noconnection = {CADRE_EXIT_NOCONNECTION, 0, NULL};

/* ---- items ------------------------------------------------------------------------- */
struct cadre__dout *
cadre__dist_item(uint8_t what, cadre_ref to, const struct cadre__frame *f)
{
	size_t len = cadre__wire_encode(f, NULL, 0);
	if (len == 0)
		return NULL;
	size_t alloc = sizeof(struct cadre__dout) + len;
	struct cadre__dout *o = cadre__alloc(alloc);
	if (o == NULL)
		return NULL;
	o->node.next = NULL;
	o->what = what;
	o->to = to;
	o->m = NULL;
	o->req = NULL;
	o->alloc = alloc;
	o->len = (uint32_t)len;
	(void)cadre__wire_encode(f, o->frame, len);
	return o;
}

void
cadre__dist_item_free(struct cadre__dout *o)
{
	cadre__free(o, o->alloc);
}

void
cadre__dist_wake(struct cadre__dist *d)
{
	uint64_t one = 1;
	ssize_t n = write(d->efd, &one, sizeof one);
	(void)n; /* EAGAIN: the counter is full, so the thread wakes anyway */
}

void
cadre__dist_push(struct cadre__dist *d, struct cadre__dpeer *p, struct cadre__dout *o)
{
	if (cadre__mb_push_normal(&p->q, &o->node) == 1)
		cadre__dist_wake(d); /* the idle-to-active transition: ours to wake */
}

/* The reason as it travels: the detail cut to 63 printable bytes. */
void
cadre__dist_reason_out(const cadre_exit *r, struct cadre__wire_reason *w, char *buf)
{
	size_t n = 0;
	if (r->detail != NULL)
		for (; n < CADRE__WIRE_DETAIL_MAX && r->detail[n] != '\0'; n++) {
			unsigned char c = (unsigned char)r->detail[n];
			buf[n] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
		}
	w->kind = (unsigned)r->kind <= CADRE__WIRE_REASON_MAX ? (uint8_t)r->kind : CADRE_EXIT_ERROR;
	w->code = r->code;
	w->detail.p = buf;
	w->detail.len = (uint8_t)n;
}

/* ---- answering a promise at once ------------------------------------------------------ */
/* A LINK / MONITOR block whose peer is gone: EXIT / DOWN noconnection to
 * its local sender, in the block. */
void
cadre__dist_promise_fail(struct cadre_system *sys, cadre_ref remote, struct cadre__msg *m)
{
	struct cadre__sig_ref r = *(const struct cadre__sig_ref *)m->data;
	if (m->type == CADRE__SIG_LINK) {
		struct cadre__sig_exit e = {remote, noconnection, true, NULL};
		m->type = CADRE__SIG_EXIT;
		m->size = sizeof e;
		memcpy(m->data, &e, sizeof e);
	} else {
		cadre_down_msg dn = {r.monitor, remote, noconnection};
		m->type = CADRE__SIG_DOWN;
		m->size = sizeof dn;
		memcpy(m->data, &dn, sizeof dn);
	}
	m->sender = remote;
	if (cadre__signal_post_block(sys, r.from, m) != 0)
		cadre__msg_release(m);
}

/* ---- an item that will not be sent ------------------------------------------------------ */
/* A message dist took and cannot deliver: counted sent (post's caller did
 * not count it: the node whose mailbox takes a message counts it) and
 * dead, on this outside thread. */
void
cadre__dist_dead(struct cadre__dist *d, cadre_ref to, struct cadre__msg *m, int why)
{
	cadre__faa_rlx_u64(&d->sys->outside_st.sent, 1); /* relaxed: a counter */
	cadre__dead_letter(d->sys, NULL, to, m, why);
}

void
cadre__dist_item_fail(struct cadre__dist *d, struct cadre__dout *o, int why)
{
	struct cadre__frame f;
	if (o->what == CADRE__O_SEND && cadre__wire_decode(o->frame, o->len, &f) == 0) {
		struct cadre__msg *m = cadre__dist_msg(d, f.from, f.type, f.payload, f.size, false);
		if (m == NULL) /* no room for the bytes: the letter is still counted */
			m = cadre__dist_msg(d, f.from, f.type, NULL, 0, false);
		if (m != NULL)
			cadre__dist_dead(d, o->to, m, why);
		cadre__dstat(&d->st.dead_remote, 1);
	} else if (o->what == CADRE__O_SIG && o->m != NULL) {
		cadre__dist_promise_fail(d->sys, o->to, o->m);
	} else if (o->what == CADRE__O_REQ && o->req != NULL) {
		cadre__dist_req_done(d, o->req, CADRE_ENODE, CADRE_REF_NONE);
	}
	cadre__dist_item_free(o);
}

/* ---- the hook ------------------------------------------------------------------------- */
/* The peer for `word` if it is up as that incarnation, else NULL. */
static struct cadre__dpeer *
peer_up(struct cadre__dist *d, uint32_t word)
{
	struct cadre__dpeer *p = cadre__dist_peer_by_word(d, word);
	/* Acquire loads: pair with the dist thread's release stores (peer.c). */
	if (p == NULL || cadre__load_acq_u32(&p->state) != CADRE__P_UP ||
	    cadre__load_acq_u32(&p->incarnation) != word)
		return NULL;
	return p;
}

/* Counts an item in (seq_cst add, then the seq_cst load of stopping: the
 * Dekker pair with cadre__dist_stop). false: stopping, not counted. */
static bool
enter_queue(struct cadre__dist *d, struct cadre__dpeer *p)
{
	/* seq_cst add, then seq_cst load: Dekker with cadre__dist_stop's
	 * [store stopping; load queued]. */
	cadre__faa_sc_u32(&p->queued, 1);
	if (!cadre__load_sc_u32(&d->stopping))
		return true;
	cadre__faa_acqrel_u32(&p->queued, (uint32_t)-1); /* acq_rel: as the pop's */
	return false;
}

/* A moved payload as bytes (its serializer); *buf is then ours to free. */
static int
serialize(struct cadre__dist *d, const struct cadre__msg *m, void **buf, size_t *len)
{
	struct cadre__dser s;
	if (!cadre__dist_serializer(d, m->type, &s))
		return CADRE_ESERIAL;
	size_t cap = m->size + 64;
	for (int round = 0; round < 2; round++) {
		void *out = cadre__alloc(cap);
		if (out == NULL)
			return CADRE_ENOMEM;
		long n = s.fn(s.ctx, m->type, m->data, m->size, out, cap);
		if (n >= 0 && (size_t)n <= cap && (size_t)n <= d->sys->max_msg) {
			*buf = out;
			*len = (size_t)n;
			return 0;
		}
		cadre__free(out, cap);
		if (n < 0 || (size_t)n > d->sys->max_msg)
			return n < 0 ? (int)n : CADRE_ETOOBIG;
		cap = (size_t)n;
	}
	return CADRE_ESERIAL;
}

static int
post_msg(struct cadre__dist *d, struct cadre__dpeer *p, cadre_ref to, struct cadre__msg *m)
{
	if (!enter_queue(d, p))
		return CADRE_ENODE;
	/* Relaxed: a bound, not a hand-off; the count above decides. */
	if (cadre__load_rlx_u32(&p->queued) > d->queue_max) {
		cadre__faa_acqrel_u32(&p->queued,
		                      (uint32_t)-1); /* acq_rel: undoes ours, as the pop's */
		cadre__dstat(&d->st.overflows, 1);
		return CADRE_EFULL;
	}
	void *ser = NULL;
	size_t serlen = 0;
	int rc = 0;
	if (m->kind == CADRE__MSG_MOVED)
		rc = serialize(d, m, &ser, &serlen);
	struct cadre__frame f = {
	        .kind = CADRE__W_SEND, .to = to, .from = m->sender, .type = m->type};
	f.payload = m->kind == CADRE__MSG_MOVED ? ser : m->data;
	f.size = m->kind == CADRE__MSG_MOVED ? (uint32_t)serlen : m->size;
	struct cadre__dout *o = rc == 0 ? cadre__dist_item(CADRE__O_SEND, to, &f) : NULL;
	if (ser != NULL)
		cadre__free(ser, serlen > m->size + 64 ? serlen : m->size + 64);
	if (o == NULL) {
		/* The hook's codes that leave m the caller's: a payload its
		 * serializer could not write (an error, or more than
		 * max_message_size) cannot cross (ESERIAL); no memory for the
		 * frame is ENOMEM, as for any send. */
		/* acq_rel: undoes our count (as the pop's in thread.c). */
		cadre__faa_acqrel_u32(&p->queued, (uint32_t)-1);
		return rc != 0 && rc != CADRE_ENOMEM ? CADRE_ESERIAL : CADRE_ENOMEM;
	}
	cadre__msg_free(m); /* taken: a moved payload's destructor runs here */
	cadre__dist_push(d, p, o);
	return 0;
}

/* The frame of a signal block. false: a signal that does not cross. */
static bool
sig_frame(const struct cadre__msg *m, cadre_ref to, struct cadre__frame *f, char *detail)
{
	memset(f, 0, sizeof *f);
	f->to = to;
	const struct cadre__sig_ref *r = m->data;
	switch (m->type) {
	case CADRE__SIG_LINK:
	case CADRE__SIG_UNLINK:
		f->kind = m->type == CADRE__SIG_LINK ? CADRE__W_LINK : CADRE__W_UNLINK;
		f->from = r->from;
		return true;
	case CADRE__SIG_MONITOR:
	case CADRE__SIG_DEMONITOR:
		f->kind = m->type == CADRE__SIG_MONITOR ? CADRE__W_MONITOR : CADRE__W_DEMONITOR;
		f->from = r->from;
		f->id = r->monitor;
		return true;
	case CADRE__SIG_EXIT: {
		const struct cadre__sig_exit *e = m->data;
		f->kind = CADRE__W_EXIT;
		f->from = e->from;
		f->linked = e->linked != 0;
		cadre__dist_reason_out(&e->reason, &f->reason, detail);
		return true;
	}
	case CADRE__SIG_DOWN: {
		const cadre_down_msg *dn = m->data;
		f->kind = CADRE__W_DOWN;
		f->actor = dn->actor;
		f->id = dn->monitor;
		cadre__dist_reason_out(&dn->reason, &f->reason, detail);
		return true;
	}
	case CADRE__SIG_STOP:
		f->kind = CADRE__W_STOP;
		f->from = r->from;
		return true;
	default:
		return false; /* STARTED, MUTE: never to another node */
	}
}

static int
post_sig(struct cadre__dist *d, struct cadre__worker *w, struct cadre__dpeer *p, cadre_ref to,
         struct cadre__msg *m)
{
	bool promise = m->type == CADRE__SIG_LINK || m->type == CADRE__SIG_MONITOR;
	struct cadre__frame f;
	char detail[CADRE__WIRE_DETAIL_MAX];
	if (!sig_frame(m, to, &f, detail))
		return CADRE_ENODE;
	struct cadre__dout *o = NULL;
	if (p != NULL && enter_queue(d, p)) {
		o = cadre__dist_item(CADRE__O_SIG, to, &f);
		if (o == NULL)
			/* acq_rel: undoes our count (as the pop's in thread.c). */
			cadre__faa_acqrel_u32(&p->queued, (uint32_t)-1);
	}
	if (o == NULL) {
		if (!promise)
			return CADRE_ENODE; /* the caller releases m */
		cadre__dist_promise_fail(d->sys, to, m);
		return 0;
	}
	if (promise) {
		o->m = m; /* kept: links.c takes it once the frame is sent */
	} else {
		if (m->type == CADRE__SIG_EXIT) {
			struct cadre__sig_exit *e = m->data;
			cadre__mail_drop(d->sys, w, e->mail); /* a bundle does not cross */
			e->mail = NULL;
		}
		cadre__msg_release(m);
	}
	cadre__dist_push(d, p, o);
	return 0;
}

static int
post(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, struct cadre__msg *m,
     bool sig)
{
	struct cadre__dist *d = sys->dist;
	struct cadre__dpeer *p = peer_up(d, to.node);
	if (sig)
		return post_sig(d, w, p, to, m);
	if (p == NULL) {
		cadre__dstat(&d->st.dead_remote, 1);
		return CADRE_ENODE;
	}
	int rc = post_msg(d, p, to, m);
	if (rc == CADRE_ENODE)
		cadre__dstat(&d->st.dead_remote, 1);
	return rc;
}

const struct cadre__remote cadre__dist_remote = {post};

/* ---- requests: spawn_on, whereis_on, whereis_wait ----------------------------------------- */
static int
request(struct cadre__dist *d, const char *node, struct cadre__frame *f, struct cadre__dreq *r,
        int64_t timeout_ms)
{
	struct cadre__dpeer *p = cadre__dist_peer_by_name(d, node, strlen(node));
	/* Acquire: pairs with the dist thread's release store of state. */
	if (p == NULL || cadre__load_acq_u32(&p->state) != CADRE__P_UP)
		return CADRE_ENODE;
	r->peer = p;
	r->deadline = cadre__deadline_ms(timeout_ms);
	/* acq_rel add: unique ids; pairs with nothing else. */
	r->id = cadre__faa_acqrel_u64(&d->next_req, 1) + 1;
	f->id = r->id;
	if (cadre__wire_encode(f, NULL, 0) == 0)
		return CADRE_EINVAL; /* a field the wire refuses */
	struct cadre__dout *o = cadre__dist_item(CADRE__O_REQ, CADRE_REF_NONE, f);
	if (o == NULL)
		return CADRE_ENOMEM;
	if (!enter_queue(d, p)) {
		cadre__dist_item_free(o);
		return CADRE_ENODE;
	}
	o->to.node = cadre__load_acq_u32(&p->incarnation); /* as peer_up */
	o->req = r;
	cadre__dist_push(d, p, o);
	return 0;
}

int
cadre__dist_self(cadre_actor *self, struct cadre__dist **d, cadre_ref *me)
{
	if (self == NULL)
		return CADRE_EINVAL;
	struct cadre__actor *a = cadre__running(self);
	if (a == NULL)
		return CADRE_ESTATE;
	struct cadre_system *sys = cadre__tls_worker->sys;
	*d = cadre__dist_of(sys);
	if (*d == NULL)
		return CADRE_ESTATE;
	*me = cadre__ref_of(sys, a);
	return 0;
}

/* A request record for f (asked by `asker`, or waited for by wt), sent to
 * node: 0 (f->id is its id) or request's codes, CADRE_ENOMEM. */
static int
new_request(struct cadre__dist *d, const char *node, struct cadre__frame *f, cadre_ref asker,
            bool link, struct cadre__dwaiter *wt, int64_t timeout_ms)
{
	struct cadre__dreq *r = cadre__alloc_zero(sizeof *r);
	if (r == NULL)
		return CADRE_ENOMEM;
	r->asker = asker;
	r->link = link;
	r->waiter = wt;
	int rc = request(d, node, f, r, timeout_ms);
	if (rc != 0)
		cadre__free(r, sizeof *r);
	return rc;
}

int
cadre_spawn_on(cadre_actor *self, const char *node, const char *behaviour, const void *arg,
               size_t size, uint32_t flags, int64_t timeout_ms, uint64_t *req)
{
	if (self == NULL || node == NULL || behaviour == NULL || req == NULL ||
	    (arg == NULL && size != 0) || (flags & ~(uint32_t)CADRE_SPAWN_LINK) != 0)
		return CADRE_EINVAL;
	struct cadre__dist *d;
	cadre_ref me;
	int rc = cadre__dist_self(self, &d, &me);
	if (rc != 0)
		return rc;
	size_t blen = strnlen(behaviour, CADRE_NODE_NAME_MAX + 1);
	if (!cadre__dist_name_ok(behaviour, blen) || size > d->sys->max_msg)
		return CADRE_EINVAL;
	bool link = (flags & CADRE_SPAWN_LINK) != 0;
	struct cadre__frame f = {.kind = CADRE__W_SPAWN, .from = me, .linked = link};
	f.name = (struct cadre__wire_str){behaviour, (uint8_t)blen};
	f.payload = arg;
	f.size = (uint32_t)size;
	if ((rc = new_request(d, node, &f, me, link, NULL, timeout_ms)) == 0)
		*req = f.id;
	return rc;
}

static int
whereis_frame(const char *name, cadre_ref me, struct cadre__frame *f)
{
	size_t len = strnlen(name, CADRE__WIRE_LOOKUP_MAX + 1);
	if (len == 0 || len > CADRE__WIRE_LOOKUP_MAX)
		return CADRE_EINVAL;
	*f = (struct cadre__frame){.kind = CADRE__W_WHEREIS, .from = me};
	f->name = (struct cadre__wire_str){name, (uint8_t)len};
	return 0;
}

int
cadre_whereis_on(cadre_actor *self, const char *node, const char *name, int64_t timeout_ms,
                 uint64_t *req)
{
	if (self == NULL || node == NULL || name == NULL || req == NULL)
		return CADRE_EINVAL;
	struct cadre__dist *d;
	cadre_ref me;
	int rc = cadre__dist_self(self, &d, &me);
	if (rc != 0)
		return rc;
	struct cadre__frame f;
	if (whereis_frame(name, me, &f) != 0)
		return CADRE_EINVAL;
	if ((rc = new_request(d, node, &f, me, false, NULL, timeout_ms)) == 0)
		*req = f.id;
	return rc;
}

int
cadre_whereis_wait(cadre_system *sys, const char *node, const char *name, int64_t timeout_ms,
                   cadre_ref *ref)
{
	if (sys == NULL || node == NULL || name == NULL || ref == NULL)
		return CADRE_EINVAL;
	struct cadre__dist *d = cadre__dist_of(sys);
	if (d == NULL || cadre__tls_worker != NULL)
		return CADRE_ESTATE;
	struct cadre__frame f;
	if (whereis_frame(name, CADRE_REF_NONE, &f) != 0)
		return CADRE_EINVAL;
	struct cadre__dwaiter wt = {.done = false};
	pthread_mutex_init(&wt.mu, NULL);
	pthread_cond_init(&wt.cv, NULL);
	int rc = new_request(d, node, &f, CADRE_REF_NONE, false, &wt, timeout_ms);
	if (rc == 0) {
		/* The dist thread answers every request: by its REPLY, its
		 * deadline, its peer's down, or the node's stop. */
		pthread_mutex_lock(&wt.mu);
		while (!wt.done)
			pthread_cond_wait(&wt.cv, &wt.mu);
		pthread_mutex_unlock(&wt.mu);
		rc = wt.status;
		*ref = wt.ref;
	}
	pthread_cond_destroy(&wt.cv);
	pthread_mutex_destroy(&wt.mu);
	return rc;
}

int
cadre_node_wait(cadre_system *sys, const char *node, int64_t timeout_ms)
{
	if (sys == NULL || node == NULL)
		return CADRE_EINVAL;
	struct cadre__dist *d = cadre__dist_of(sys);
	if (d == NULL || cadre__tls_worker != NULL)
		return CADRE_ESTATE;
	uint64_t deadline = cadre__deadline_ms(timeout_ms);
	size_t len = strlen(node);
	pthread_mutex_lock(&d->wait_mu);
	int rc = 0;
	for (;;) {
		struct cadre__dpeer *p = cadre__dist_peer_by_name(d, node, len);
		/* Acquire: pairs with the dist thread's release store of state. */
		if (p != NULL && cadre__load_acq_u32(&p->state) == CADRE__P_UP)
			break; /* acquire: as in peer_up */
		uint64_t now = cadre__now_ns();
		if (now >= deadline) {
			rc = CADRE_ETIMEDOUT;
			break;
		}
		/* Woken at every UP (peer.c broadcasts under wait_mu); at most
		 * 100 ms between looks either way. */
		uint64_t until = deadline - now < 100000000u ? deadline : now + 100000000u;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t t =
		        (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + (until - now);
		ts.tv_sec = (time_t)(t / 1000000000u);
		ts.tv_nsec = (long)(t % 1000000000u);
		pthread_cond_timedwait(&d->wait_cv, &d->wait_mu, &ts);
	}
	pthread_mutex_unlock(&d->wait_mu);
	return rc;
}
