/* Cadre: distribution, peers: DEALERs, the handshake, up and down.
 *
 * Design notes.
 *
 * Each peer gets one DEALER of ours, connected to its ROUTER: everything we
 * send it goes there; everything it sends us arrives on our ROUTER from its
 * DEALER, whose routing id is "name/incarnation/session". A DEALER's first
 * frame is our HELLO (ZeroMQ queues it until the connection is made).
 *
 * Up. A peer is up when its HELLO has arrived on our ROUTER and our DEALER
 * to it exists (with our HELLO queued first): both ways are then open, and
 * since one connection keeps order, its HELLO precedes anything else it
 * sends, and ours precedes anything we send.
 *
 * Sessions. Our DEALER's session is new every time we make one (at first,
 * and after every down: the old one is closed with linger 0, what it still
 * held lost: at-most-once). A peer is accepted up again only by a HELLO of
 * a session (or an incarnation) it was not up with before, so old frames
 * from a connection we declared down are dropped as stale. A HELLO of a new
 * session from a peer we think is up means it declared us down: we declare
 * it down too (reason SESSION), so both sides fire noconnection, and take
 * the new session. A HELLO of a new incarnation is a restarted node: the
 * old incarnation goes down (RESTARTED) and stays refused (its node word
 * no longer matches the peer's).
 *
 * Down (a disconnect seen by the DEALER's socket monitor, no frame for
 * timeout_ms, a LEAVE, or the above): the peer's queue is dead-lettered
 * (ENODE), its links and monitors fire noconnection (links.c), its pending
 * requests get ENODE, node monitors get CADRE_NODE_DOWN, and a new DEALER
 * is made at once, which ZeroMQ keeps trying to connect.
 */
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "cadre__node.h"

#define REFUSED_EVERY_NS 1000000000u /* at most one REFUSED report a second per peer */

/* ---- sending ---------------------------------------------------------------------------- */
int
cadre__dist_send_now(struct cadre__dist *d, struct cadre__dpeer *p, const void *buf, size_t len)
{
	if (p->dealer == NULL)
		return CADRE_ENODE;
	if (zmq_send(p->dealer, buf, len, ZMQ_DONTWAIT) < 0)
		return CADRE_EFULL; /* EAGAIN: its high-water mark (a slow peer) */
	cadre__dstat(&d->st.frames_out, 1);
	cadre__dstat(&d->st.bytes_out, len);
	return 0;
}

static void
send_hello(struct cadre__dist *d, struct cadre__dpeer *p)
{
	struct cadre__frame f = {
	        .kind = CADRE__W_HELLO, .incarnation = d->incarnation, .session = p->session};
	f.name = (struct cadre__wire_str){d->name, (uint8_t)strlen(d->name)};
	f.endpoint = (struct cadre__wire_str){d->endpoint, (uint8_t)strlen(d->endpoint)};
	f.key = (struct cadre__wire_str){d->pub, (uint8_t)strlen(d->pub)};
	unsigned char buf[CADRE__WIRE_HEADER + 8 + 3 * 256];
	size_t len = cadre__wire_encode(&f, buf, sizeof buf);
	if (len != 0 && len <= sizeof buf)
		(void)cadre__dist_send_now(d, p, buf, len);
}

/* ---- DEALERs ------------------------------------------------------------------------------ */
static void
set_int(void *s, int opt, int v)
{
	(void)zmq_setsockopt(s, opt, &v, sizeof v);
}

int
cadre__dist_dealer_make(struct cadre__dist *d, struct cadre__dpeer *p)
{
	void *s = zmq_socket(d->ctx, ZMQ_DEALER);
	if (s == NULL)
		return CADRE_ESYS;
	p->session = ++d->session_seq;
	char id[CADRE__DIST_ID_MAX], mon[64];
	int n = snprintf(id, sizeof id, "%s/%u/%u", d->name, d->incarnation, p->session);
	(void)zmq_setsockopt(s, ZMQ_ROUTING_ID, id, (size_t)n);
	set_int(s, ZMQ_LINGER, 0);
	set_int(s, ZMQ_SNDHWM, 10000);
	set_int(s, ZMQ_RECONNECT_IVL, 100);
	set_int(s, ZMQ_RECONNECT_IVL_MAX, 1000);
	if (!d->insecure) {
		(void)zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, p->key, CADRE_NODE_KEY_LEN);
		(void)zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, d->pub, CADRE_NODE_KEY_LEN);
		(void)zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, d->sec, CADRE_NODE_KEY_LEN);
	}
	snprintf(mon, sizeof mon, "inproc://cadre-mon-%u-%u", p->index, p->session);
	int ev = ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	         ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
	void *m = NULL;
	if (zmq_socket_monitor(s, mon, ev) == 0 && (m = zmq_socket(d->ctx, ZMQ_PAIR)) != NULL) {
		set_int(m, ZMQ_LINGER, 0);
		if (zmq_connect(m, mon) != 0) {
			zmq_close(m);
			m = NULL;
		}
	}
	if (zmq_connect(s, p->endpoint) != 0) {
		if (m != NULL)
			zmq_close(m);
		zmq_close(s);
		return CADRE_EADDR;
	}
	p->dealer = s;
	p->mon = m;
	p->blocked = false;
	send_hello(d, p);
	return 0;
}

void
cadre__dist_dealer_close(struct cadre__dist *d, struct cadre__dpeer *p)
{
	if (p->held != NULL) {
		cadre__dist_item_fail(d, p->held, CADRE_ENODE);
		p->held = NULL;
	}
	if (p->dealer != NULL) {
		(void)zmq_socket_monitor(p->dealer, NULL, 0);
		zmq_close(p->dealer);
	}
	if (p->mon != NULL)
		zmq_close(p->mon);
	p->dealer = p->mon = NULL;
	p->blocked = false;
}

/* ---- up and down --------------------------------------------------------------------------- */
/* Our other peers (up and named), to p as one PEERS frame. */
static void
send_peers(struct cadre__dist *d, struct cadre__dpeer *to, struct cadre__dpeer *only)
{
	const char *names[CADRE__DIST_PEERS], *eps[CADRE__DIST_PEERS], *keys[CADRE__DIST_PEERS];
	size_t n = 0;
	for (uint32_t i = 0; i < d->npeers; i++) {
		struct cadre__dpeer *q = d->peers[i];
		if (q == to || (only != NULL && q != only) || q->state != CADRE__P_UP || !q->named)
			continue;
		names[n] = q->name;
		eps[n] = q->endpoint;
		keys[n++] = q->key;
	}
	if (n == 0)
		return;
	size_t len = cadre__wire_peers_encode(NULL, 0, n, names, eps, keys);
	unsigned char *buf = len != 0 ? cadre__alloc(len) : NULL;
	if (buf == NULL)
		return;
	(void)cadre__wire_peers_encode(buf, len, n, names, eps, keys);
	(void)cadre__dist_send_now(d, to, buf, len);
	cadre__free(buf, len);
}

static void
go_up(struct cadre__dist *d, struct cadre__dpeer *p)
{
	p->was_up = true;
	p->heard = cadre__now_ns();
	/* Release: the peer's incarnation and name before it is seen up;
	 * pairs with the acquire loads in route.c and node.c. */
	cadre__store_rel_u32(&p->state, CADRE__P_UP);
	cadre__dstat(&d->st.nodes_up, 1);
	cadre__dist_event(d, CADRE_NODE_UP, CADRE_NODE_R_NONE, p->incarnation, p->name,
	                  strlen(p->name));
	pthread_mutex_lock(&d->wait_mu);
	pthread_cond_broadcast(&d->wait_cv);
	pthread_mutex_unlock(&d->wait_mu);
	/* The mesh: p learns our peers, and they learn p. */
	send_peers(d, p, NULL);
	for (uint32_t i = 0; i < d->npeers; i++)
		if (d->peers[i] != p && d->peers[i]->state == CADRE__P_UP)
			send_peers(d, d->peers[i], p);
}

/* Fails everything queued for p (it is down). */
static void
drain_failed(struct cadre__dist *d, struct cadre__dpeer *p)
{
	cadre_mb_node *n;
	while ((n = cadre__mb_pop_normal(&p->q)) != NULL) {
		/* acq_rel: pairs with the posters' adds (cadre__dist_stop waits
		 * for 0). */
		cadre__faa_acqrel_u32(&p->queued, (uint32_t)-1);
		cadre__dist_item_fail(d, (struct cadre__dout *)n, CADRE_ENODE);
	}
	/* Idle again if nothing came in meanwhile (else the loop's drain
	 * finishes it): the next push wakes the thread. */
	(void)cadre__mb_mark_idle(&p->q);
}

void
cadre__dist_down(struct cadre__dist *d, struct cadre__dpeer *p, cadre_node_reason why)
{
	if (p->state != CADRE__P_UP)
		return;
	/* Release: posters that see DOWN refuse with ENODE (acquire in route.c). */
	cadre__store_rel_u32(&p->state, CADRE__P_DOWN);
	cadre__dstat(&d->st.nodes_down, 1);
	if (p->held != NULL) { /* first: it was taken before what is queued */
		cadre__dist_item_fail(d, p->held, CADRE_ENODE);
		p->held = NULL;
	}
	drain_failed(d, p);
	cadre__dist_links_down(d, p);
	cadre__dist_req_scan(d, cadre__now_ns(), p);
	cadre__dist_event(d, CADRE_NODE_DOWN, why, p->incarnation, p->name, strlen(p->name));
	cadre__dist_dealer_close(d, p);
	if (!cadre__load_sc_u32(&d->stopping)) /* seq_cst: as the posters' load */
		(void)cadre__dist_dealer_make(d, p);
}

/* ---- refusals ------------------------------------------------------------------------------ */
void
cadre__dist_refused(struct cadre__dist *d, cadre_node_reason why, const char *who, size_t len)
{
	cadre__dstat(&d->st.refused, 1);
	uint64_t now = cadre__now_ns();
	if (d->refused_at != 0 && now - d->refused_at < REFUSED_EVERY_NS)
		return; /* reported a moment ago: counted only */
	d->refused_at = now;
	char name[CADRE_NODE_NAME_MAX + 1];
	if (len > CADRE_NODE_NAME_MAX)
		len = CADRE_NODE_NAME_MAX;
	memcpy(name, who, len);
	name[len] = '\0';
	cadre__dist_event(d, CADRE_NODE_REFUSED, why, 0, name, len);
	cadre_log_event ev = {
	        .kind = CADRE_LOG_NODE_REFUSED,
	        .level = CADRE_LOG_LEVEL_WARNING,
	        .system = d->sys,
	        .name = name,
	        .child_id = why == CADRE_NODE_R_UNKNOWN_KEY ? "unknown key" : "bad handshake",
	        .count = cadre__load_rlx_u64(&d->st.refused), /* relaxed: a counter */
	};
	cadre__log(d->sys, &ev);
}

/* ---- the handshake -------------------------------------------------------------------------- */
/* The peer a HELLO speaks for: by name, else by the endpoint we connected
 * to, else a new one. NULL: refused (reported) or no room. */
static struct cadre__dpeer *
hello_peer(struct cadre__dist *d, const struct cadre__frame *f)
{
	struct cadre__dpeer *p = cadre__dist_peer_by_name(d, f->name.p, f->name.len);
	if (p == NULL) {
		p = cadre__dist_peer_by_endpoint(d, f->endpoint.p, f->endpoint.len);
		if (p != NULL && p->named) {
			cadre__dist_refused(d, CADRE_NODE_R_HANDSHAKE, f->name.p, f->name.len);
			return NULL; /* another node's endpoint */
		}
	}
	if (p == NULL) {
		p = cadre__dist_peer_new(d, f->endpoint.p, f->endpoint.len, f->key.p, f->key.len);
		if (p == NULL)
			return NULL;
	}
	if (!p->named) {
		memcpy(p->name, f->name.p, f->name.len);
		/* Release: the name before the flag; pairs with the acquire
		 * load in node.c (peer_named). */
		cadre__store_rel_u32(&p->named, 1);
	}
	if (!d->insecure && p->key[0] == '\0')
		memcpy(p->key, f->key.p, f->key.len);
	return p;
}

int
cadre__dist_hello(struct cadre__dist *d, const char *id, size_t idlen, const struct cadre__frame *f)
{
	bool self = f->name.len == strlen(d->name) && memcmp(f->name.p, d->name, f->name.len) == 0;
	if (self && f->incarnation == d->incarnation)
		return 0; /* we reached ourselves (a seed list naming us): ignored */
	if (self || idlen > CADRE__DIST_ID_MAX || (d->insecure != (f->key.len == 0)) ||
	    (!d->insecure && !cadre__dist_key_ok(d, f->key.p, f->key.len))) {
		cadre__dist_refused(d,
		                    self || idlen > CADRE__DIST_ID_MAX || d->insecure
		                            ? CADRE_NODE_R_HANDSHAKE
		                            : CADRE_NODE_R_UNKNOWN_KEY,
		                    f->name.p, f->name.len);
		return CADRE_EINVAL;
	}
	struct cadre__dpeer *p = hello_peer(d, f);
	if (p == NULL)
		return CADRE_ENOMEM;
	bool same = p->incarnation == f->incarnation && p->in_session == f->session;
	if (p->state == CADRE__P_UP) {
		if (same)
			return 0; /* a repeat */
		cadre__dist_down(d, p,
		                 p->incarnation != f->incarnation ? CADRE_NODE_R_RESTARTED
		                                                  : CADRE_NODE_R_SESSION);
	} else if (same && p->was_up) {
		cadre__dstat(&d->st.stale, 1); /* the HELLO of a session we ended */
		return 0;
	}
	if (p->incarnation != f->incarnation) {
		if (cadre__dist_word_add(d, f->incarnation, p) != 0)
			return CADRE_ELIMIT;
		/* Release: pairs with the acquire load in route.c (peer_up). */
		cadre__store_rel_u32(&p->incarnation, f->incarnation);
	}
	p->in_session = f->session;
	memcpy(p->in_id, id, idlen);
	p->in_id_len = idlen;
	if (p->dealer == NULL && cadre__dist_dealer_make(d, p) != 0)
		return CADRE_EADDR;
	go_up(d, p);
	return 0;
}

/* ---- connecting ------------------------------------------------------------------------------ */
void
cadre__dist_connect_to(struct cadre__dist *d, const char *ep, size_t eplen, const char *key,
                       size_t keylen)
{
	if (eplen == strlen(d->endpoint) && memcmp(ep, d->endpoint, eplen) == 0)
		return; /* ourselves */
	if (cadre__dist_peer_by_endpoint(d, ep, eplen) != NULL)
		return; /* known: its DEALER keeps trying */
	if (!d->insecure && !cadre__dist_key_ok(d, key, keylen))
		return; /* we only connect to nodes we would accept */
	struct cadre__dpeer *p = cadre__dist_peer_new(d, ep, eplen, key, d->insecure ? 0 : keylen);
	if (p != NULL)
		(void)cadre__dist_dealer_make(d, p);
}

void
cadre__dist_peers_in(struct cadre__dist *d, const struct cadre__frame *f)
{
	const unsigned char *at = f->peers;
	size_t left = f->peers_len;
	struct cadre__wire_str name, ep, key;
	while (cadre__wire_peer_next(&at, &left, &name, &ep, &key) == 1) {
		bool self = name.len == strlen(d->name) && memcmp(name.p, d->name, name.len) == 0;
		if (!self && cadre__dist_peer_by_name(d, name.p, name.len) == NULL)
			cadre__dist_connect_to(d, ep.p, ep.len, key.p, key.len);
	}
}

/* ---- the failure detector --------------------------------------------------------------------- */
void
cadre__dist_tick(struct cadre__dist *d, uint64_t now)
{
	static const unsigned char tick[CADRE__WIRE_HEADER] = {CADRE__W_TICK, 0, 1, 0};
	for (uint32_t i = 0; i < d->npeers; i++) {
		struct cadre__dpeer *p = d->peers[i];
		if (p->state != CADRE__P_UP)
			continue;
		/* While this node does not read (the inbound budget: inbound.c)
		 * it cannot hear its peers: silence is not measured then (a
		 * disconnect is still seen by the socket monitor). Relaxed: our
		 * own store. */
		if (cadre__load_rlx_u32(&d->paused))
			p->heard = now;
		if (now - p->heard > d->timeout_ns)
			cadre__dist_down(d, p, CADRE_NODE_R_TIMEOUT);
		else
			(void)cadre__dist_send_now(d, p, tick, sizeof tick);
	}
}

void
cadre__dist_monitor_in(struct cadre__dist *d, struct cadre__dpeer *p)
{
	for (int i = 0; i < 16 && p->mon != NULL; i++) {
		zmq_msg_t a, b;
		zmq_msg_init(&a);
		if (zmq_msg_recv(&a, p->mon, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&a);
			return;
		}
		uint16_t event = 0;
		if (zmq_msg_size(&a) >= 6)
			memcpy(&event, zmq_msg_data(&a), sizeof event);
		bool more = zmq_msg_more(&a);
		zmq_msg_close(&a);
		if (more) { /* the endpoint part */
			zmq_msg_init(&b);
			(void)zmq_msg_recv(&b, p->mon, ZMQ_DONTWAIT);
			zmq_msg_close(&b);
		}
		if (event == ZMQ_EVENT_DISCONNECTED) {
			cadre__dist_down(d, p, CADRE_NODE_R_DISCONNECTED);
			return; /* p->mon is a new one now */
		}
		uint64_t now = cadre__now_ns();
		if (now - p->refused_at >= REFUSED_EVERY_NS) { /* a handshake failed */
			p->refused_at = now;
			const char *who = p->named ? p->name : p->endpoint;
			cadre__dist_refused(d,
			                    event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
			                            ? CADRE_NODE_R_UNKNOWN_KEY
			                            : CADRE_NODE_R_HANDSHAKE,
			                    who, strlen(who));
		}
	}
}
