/* Cadre: distribution, the dist thread: making, running and stopping a
 * node's ZeroMQ machinery.
 *
 * Design notes.
 *
 * ZeroMQ sockets are not thread-safe, and a worker must never block on
 * the network. So one thread per node, the dist thread, owns every socket:
 * the ROUTER bound at the node's endpoint (inbound, from every peer's
 * DEALER), one DEALER per peer (outbound), the ZAP handler's REP (CURVE
 * authentication, in the same context) and the PAIR sockets of the
 * DEALERs' monitors; it waits in zmq_poll, which also polls an eventfd.
 *
 * Outbound, workers hand their messages over through one lock-free MPSC
 * queue per peer (the mailbox's algorithm: a push is one exchange) and an
 * eventfd written only on a queue's idle-to-active transition; the frame
 * is encoded on the sender's thread (route.c). Why this and not the
 * alternatives: a socket per worker per peer would multiply connections
 * (workers x peers) and break FIFO per sender-receiver pair whenever an
 * actor migrates between workers (stealing); a mutex around a shared
 * socket would make one slow peer's high-water mark block a worker; a
 * ZeroMQ inproc PUSH per worker adds a copy and a second queue. With one
 * queue per peer a slow peer (EAGAIN at its DEALER's high-water mark)
 * keeps its items in its own queue, bounded by queue_max (CADRE_EFULL to
 * the senders), while the thread goes on with the others; and the wake-up
 * costs one write per burst, not per message. Inbound frames are decoded
 * and delivered on the dist thread (an outside thread: a push into a
 * mailbox each), so a worker never touches ZeroMQ.
 *
 * Measured (two nodes in one process, 2 cores shared by both, release
 * build, a thread sending as fast as EFULL lets it, uptime load 1.0-1.4):
 * 100-byte messages 1.31 M/s over ipc and 1.35 M/s over tcp loopback;
 * 4 KiB messages 143 k/s (586 MB/s) over tcp. The dist thread of the
 * sender and the ZeroMQ I/O threads are the busy ones; the workers only
 * encode and push. The flood test (tests/core/dist/test_dist_flood.c)
 * shows the bound: a stalled receiver holds at most queue_max + the two
 * high-water marks (10,000 each) + the inbound budget.
 *
 * The loop: poll; read the eventfd; run connection requests; read up to
 * READ_BATCH frames from the ROUTER (unless over the inbound budget:
 * inbound.c); answer ZAP requests; read monitor events; drain every
 * active queue (until EAGAIN); send ticks and check silences every
 * tick_ms; expire requests. The poll's timeout is the nearest of the next
 * tick and the nearest request deadline.
 *
 * Stop (cadre__dist_stop, shutdown's first phase): `stopping` is set (the
 * Dekker pair with posters in route.c), the thread drains what is queued,
 * sends LEAVE to every peer that is up, closes its sockets with a short
 * linger (so the LEAVEs get out) and ends; the stopper then fails what
 * posters raced in (dead letters) and every pending request (ENODE).
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zmq.h>

#include "cadre__node.h"

#define READ_BATCH 1024     /* ROUTER frames read per turn of the loop */
#define LEAVE_LINGER_MS 200 /* how long a LEAVE may take to get out at stop */

/* ---- configuration ------------------------------------------------------------------------ */
static bool
key_valid(const char *k)
{
	uint8_t raw[32];
	return k != NULL && strnlen(k, CADRE_NODE_KEY_LEN + 1) == CADRE_NODE_KEY_LEN &&
	       zmq_z85_decode(raw, k) != NULL;
}

static bool
endpoint_valid(const char *ep)
{
	if (ep == NULL)
		return false;
	size_t n = strnlen(ep, 256);
	if (n >= 256 || n <= 6 || (strncmp(ep, "tcp://", 6) != 0 && strncmp(ep, "ipc://", 6) != 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)ep[i] < 0x21 || (unsigned char)ep[i] > 0x7e)
			return false;
	return true;
}

static int
check_cfg(const cadre_node_config *c)
{
	if (c->name == NULL ||
	    !cadre__dist_name_ok(c->name, strnlen(c->name, CADRE_NODE_NAME_MAX + 1)))
		return CADRE_EINVAL;
	if (!endpoint_valid(c->endpoint))
		return CADRE_EADDR;
	if ((c->seeds == NULL && c->n_seeds != 0) ||
	    (c->accept_keys == NULL && c->n_accept_keys != 0))
		return CADRE_EINVAL;
	if (c->insecure) {
		if (c->public_key != NULL || c->secret_key != NULL || c->n_accept_keys != 0 ||
		    c->seed_keys != NULL)
			return CADRE_EINVAL;
	} else {
		if (!key_valid(c->public_key) || !key_valid(c->secret_key) ||
		    (c->n_seeds != 0 && c->seed_keys == NULL))
			return CADRE_EINVAL;
		for (size_t i = 0; i < c->n_accept_keys; i++)
			if (!key_valid(c->accept_keys[i]))
				return CADRE_EINVAL;
		for (size_t i = 0; i < c->n_seeds; i++)
			if (!key_valid(c->seed_keys[i]))
				return CADRE_EINVAL;
	}
	for (size_t i = 0; i < c->n_seeds; i++)
		if (!endpoint_valid(c->seeds[i]))
			return CADRE_EADDR;
	return 0;
}

static int
copy_cfg(struct cadre__dist *d, const cadre_node_config *c)
{
	strcpy(d->name, c->name);
	strcpy(d->endpoint, c->endpoint);
	d->insecure = c->insecure;
	if (!c->insecure) {
		memcpy(d->pub, c->public_key, CADRE_NODE_KEY_LEN);
		memcpy(d->sec, c->secret_key, CADRE_NODE_KEY_LEN);
	}
	if (c->n_accept_keys != 0) {
		d->accept = cadre__alloc_zero(c->n_accept_keys * sizeof *d->accept);
		if (d->accept == NULL)
			return CADRE_ENOMEM;
		for (size_t i = 0; i < c->n_accept_keys; i++)
			memcpy(d->accept[i], c->accept_keys[i], CADRE_NODE_KEY_LEN);
		d->naccept = c->n_accept_keys;
	}
	d->tick_ns = (uint64_t)(c->tick_ms != 0 ? c->tick_ms : 250) * 1000000u;
	d->timeout_ns = (uint64_t)(c->timeout_ms != 0 ? c->timeout_ms : 1500) * 1000000u;
	d->queue_max = c->queue_max != 0 ? c->queue_max : 65536;
	d->inbound_max = c->inbound_max != 0 ? c->inbound_max : (uint64_t)64 << 20;
	d->inflight_half = d->inbound_max / 2;
	return 0;
}

/* ---- sockets ------------------------------------------------------------------------------- */
static void
set_int(void *s, int opt, int v)
{
	(void)zmq_setsockopt(s, opt, &v, sizeof v);
}

static int
open_sockets(struct cadre__dist *d)
{
	if ((d->ctx = zmq_ctx_new()) == NULL)
		return CADRE_ESYS;
	(void)zmq_ctx_set(d->ctx, ZMQ_IO_THREADS, 1);
	if (!d->insecure) { /* the ZAP handler, before any CURVE server */
		if ((d->zap = zmq_socket(d->ctx, ZMQ_REP)) == NULL)
			return CADRE_ESYS;
		set_int(d->zap, ZMQ_LINGER, 0);
		if (zmq_bind(d->zap, "inproc://zeromq.zap.01") != 0)
			return CADRE_ESYS;
	}
	if ((d->router = zmq_socket(d->ctx, ZMQ_ROUTER)) == NULL)
		return CADRE_ESYS;
	set_int(d->router, ZMQ_LINGER, 0);
	set_int(d->router, ZMQ_ROUTER_MANDATORY, 0);
	set_int(d->router, ZMQ_RCVHWM, 10000);
	if (!d->insecure) {
		set_int(d->router, ZMQ_CURVE_SERVER, 1);
		(void)zmq_setsockopt(d->router, ZMQ_CURVE_SECRETKEY, d->sec, CADRE_NODE_KEY_LEN);
		(void)zmq_setsockopt(d->router, ZMQ_ZAP_DOMAIN, "cadre", 5);
	}
	if (zmq_bind(d->router, d->endpoint) != 0)
		return errno == EADDRINUSE ? CADRE_EADDRINUSE : CADRE_EADDR;
	size_t len = sizeof d->endpoint; /* "tcp://...:*" binds a free port: the real one */
	char bound[sizeof d->endpoint];
	if (zmq_getsockopt(d->router, ZMQ_LAST_ENDPOINT, bound, &len) == 0 && len > 1 &&
	    len <= sizeof bound)
		memcpy(d->endpoint, bound, len);
	d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return d->efd < 0 ? CADRE_ESYS : 0;
}

static void
close_sockets(struct cadre__dist *d, int linger)
{
	for (uint32_t i = 0; i < d->npeers; i++) {
		struct cadre__dpeer *p = d->peers[i];
		if (p->dealer != NULL)
			set_int(p->dealer, ZMQ_LINGER, linger);
		if (p->held != NULL) {
			cadre__dist_item_fail(d, p->held, CADRE_ENODE);
			p->held = NULL;
		}
		if (p->dealer != NULL)
			(void)zmq_socket_monitor(p->dealer, NULL, 0);
		if (p->mon != NULL)
			zmq_close(p->mon);
		if (p->dealer != NULL)
			zmq_close(p->dealer);
		p->dealer = p->mon = NULL;
	}
	if (d->router != NULL)
		zmq_close(d->router);
	if (d->zap != NULL)
		zmq_close(d->zap);
	d->router = d->zap = NULL;
	if (d->ctx != NULL)
		zmq_ctx_term(d->ctx); /* waits for the lingering LEAVEs, at most linger */
	d->ctx = NULL;
}

/* ---- ZAP: CURVE authentication ---------------------------------------------------------------- */
static void
zap_reply(void *zap, const char *reqid, size_t reqlen, bool ok, const char *user)
{
	zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(zap, reqid, reqlen, ZMQ_SNDMORE);
	zmq_send(zap, ok ? "200" : "400", 3, ZMQ_SNDMORE);
	zmq_send(zap, ok ? "OK" : "unknown key", ok ? 2 : 11, ZMQ_SNDMORE);
	zmq_send(zap, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(zap, "", 0, 0);
}

static void
zap_in(struct cadre__dist *d)
{
	for (;;) {
		char part[7][256];
		size_t len[7] = {0};
		int n = 0, more = 1;
		while (more) {
			char tmp[256];
			int r = zmq_recv(d->zap, tmp, sizeof tmp, n == 0 ? ZMQ_DONTWAIT : 0);
			if (r < 0)
				return;
			if (n < 7) {
				len[n] = (size_t)r < sizeof tmp ? (size_t)r : sizeof tmp;
				memcpy(part[n], tmp, len[n]);
			}
			n++;
			size_t ms = sizeof more;
			if (zmq_getsockopt(d->zap, ZMQ_RCVMORE, &more, &ms) != 0)
				more = 0;
		}
		/* version, request id, domain, address, identity, mechanism, key */
		char key[CADRE_NODE_KEY_LEN + 1] = "";
		bool ok = n == 7 && len[5] == 5 && memcmp(part[5], "CURVE", 5) == 0 &&
		          len[6] == 32 &&
		          zmq_z85_encode(key, (const uint8_t *)part[6], 32) != NULL &&
		          cadre__dist_key_ok(d, key, CADRE_NODE_KEY_LEN);
		zap_reply(d->zap, n > 1 ? part[1] : "", n > 1 ? len[1] : 0, ok, ok ? key : "");
		if (!ok)
			cadre__dist_refused(d, CADRE_NODE_R_UNKNOWN_KEY, n > 3 ? part[3] : "?",
			                    n > 3 ? len[3] : 1);
	}
}

/* ---- inbound --------------------------------------------------------------------------------- */
static struct cadre__dpeer *
peer_by_id(struct cadre__dist *d, const void *id, size_t len)
{
	for (uint32_t i = 0; i < d->npeers; i++) {
		struct cadre__dpeer *p = d->peers[i];
		if (p->in_id_len == len && memcmp(p->in_id, id, len) == 0)
			return p;
	}
	return NULL;
}

static void
frame_in(struct cadre__dist *d, const void *id, size_t idlen, const void *buf, size_t len)
{
	struct cadre__frame f;
	if (cadre__wire_decode(buf, len, &f) != 0) {
		uint8_t kind;
		uint16_t version;
		if (cadre__wire_peek(buf, len, &kind, &version) == 0 && kind == CADRE__W_HELLO &&
		    version != CADRE__WIRE_VERSION)
			cadre__dist_refused(d, CADRE_NODE_R_HANDSHAKE, "(another version)", 17);
		else
			cadre__dstat(&d->st.malformed, 1);
		return;
	}
	if (f.kind == CADRE__W_HELLO) {
		if (cadre__dist_hello(d, id, idlen, &f) == 0) {
			cadre__dstat(&d->st.frames_in, 1);
			cadre__dstat(&d->st.bytes_in, len);
		}
		return;
	}
	struct cadre__dpeer *p = peer_by_id(d, id, idlen);
	if (p == NULL || p->state != CADRE__P_UP) {
		cadre__dstat(&d->st.stale, 1); /* a session we ended, or none at all */
		return;
	}
	p->heard = cadre__now_ns();
	cadre__dstat(&d->st.frames_in, 1);
	cadre__dstat(&d->st.bytes_in, len);
	cadre__dist_inbound(d, p, &f);
}

static void
router_in(struct cadre__dist *d)
{
	for (int i = 0; i < READ_BATCH; i++) {
		/* Acquire: pairs with the destructors' acq_rel subs (inbound.c). */
		if (cadre__load_acq_u64(&d->inflight) >= d->inbound_max)
			return; /* over the budget: the loop pauses reading */
		zmq_msg_t id, fr;
		zmq_msg_init(&id);
		if (zmq_msg_recv(&id, d->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&id);
			return;
		}
		zmq_msg_init(&fr);
		int parts = 1;
		bool ok = zmq_msg_more(&id) && zmq_msg_recv(&fr, d->router, ZMQ_DONTWAIT) >= 0;
		if (ok)
			parts++;
		while (ok && zmq_msg_more(&fr)) { /* one frame per message: more is malformed */
			zmq_msg_t extra;
			zmq_msg_init(&extra);
			int r = zmq_msg_recv(&extra, d->router, ZMQ_DONTWAIT);
			bool again = r >= 0 && zmq_msg_more(&extra);
			zmq_msg_close(&extra);
			parts++;
			if (!again)
				break;
		}
		if (parts == 2)
			frame_in(d, zmq_msg_data(&id), zmq_msg_size(&id), zmq_msg_data(&fr),
			         zmq_msg_size(&fr));
		else
			cadre__dstat(&d->st.malformed, 1);
		zmq_msg_close(&fr);
		zmq_msg_close(&id);
	}
}

/* ---- outbound ---------------------------------------------------------------------------------- */
/* Sends o on p, or holds it (EAGAIN). true: sent or failed (o gone). */
static bool
send_item(struct cadre__dist *d, struct cadre__dpeer *p, struct cadre__dout *o)
{
	if (p->state != CADRE__P_UP || o->to.node != p->incarnation) {
		cadre__dist_item_fail(d, o, CADRE_ENODE);
		return true;
	}
	if (cadre__dist_send_now(d, p, o->frame, o->len) != 0) {
		p->held = o;
		p->blocked = true;
		return false;
	}
	if (o->what == CADRE__O_SIG)
		cadre__dist_links_out(d, p, o);
	if (o->what == CADRE__O_REQ) {
		o->req->next = d->pending;
		d->pending = o->req;
	}
	cadre__dist_item_free(o);
	return true;
}

/* Drains p's queue until it is empty (marked idle) or p's DEALER is full. */
static void
drain(struct cadre__dist *d, struct cadre__dpeer *p)
{
	if (p->held != NULL) {
		struct cadre__dout *o = p->held;
		p->held = NULL;
		p->blocked = false;
		if (!send_item(d, p, o))
			return;
	}
	/* Acquire: pairs with the pushers' seq_cst exchange. An idle queue
	 * (tagged) has nothing; its next push wakes this thread. */
	if ((uintptr_t)cadre__load_acq_ptr(&p->q.head) & CADRE__MB_IDLE)
		return;
	for (;;) {
		cadre_mb_node *n = cadre__mb_pop_normal(&p->q);
		if (n == NULL) {
			if (cadre__mb_mark_idle(&p->q) == 0)
				return;
			continue; /* a push came in meanwhile */
		}
		/* acq_rel: pairs with the posters' adds (route.c). */
		cadre__faa_acqrel_u32(&p->queued, (uint32_t)-1);
		if (!send_item(d, p, (struct cadre__dout *)n))
			return; /* blocked: the queue stays active; POLLOUT resumes it */
	}
}

static void
run_cmds(struct cadre__dist *d)
{
	pthread_mutex_lock(&d->mu);
	struct cadre__dcmd *c = d->cmds;
	d->cmds = NULL;
	pthread_mutex_unlock(&d->mu);
	while (c != NULL) {
		struct cadre__dcmd *next = c->next;
		cadre__dist_connect_to(d, c->endpoint, strlen(c->endpoint), c->key, strlen(c->key));
		cadre__free(c, sizeof *c);
		c = next;
	}
}

/* ---- the loop ---------------------------------------------------------------------------------- */
enum { IT_EFD, IT_ROUTER, IT_ZAP, IT_PEERS };

static long
poll_timeout(struct cadre__dist *d, uint64_t next_tick)
{
	uint64_t now = cadre__now_ns(), until = next_tick, r = cadre__dist_req_next(d);
	if (r < until)
		until = r;
	return until <= now ? 0 : (long)((until - now) / 1000000u) + 1;
}

static void
loop_once(struct cadre__dist *d, zmq_pollitem_t *it, uint64_t *next_tick)
{
	uint32_t np = d->npeers;
	/* Acquire: pairs with the destructors' acq_rel subs (inbound.c). */
	bool paused = cadre__load_acq_u64(&d->inflight) >=
	              (cadre__load_acq_u32(&d->paused) ? d->inflight_half : d->inbound_max);
	if (paused && !d->paused)
		cadre__dstat(&d->st.reads_paused, 1);
	/* Release: pairs with the acquire load in inbound.c's destructor. */
	cadre__store_rel_u32(&d->paused, paused);
	it[IT_EFD] = (zmq_pollitem_t){NULL, d->efd, ZMQ_POLLIN, 0};
	it[IT_ROUTER] = (zmq_pollitem_t){d->router, 0, (short)(paused ? 0 : ZMQ_POLLIN), 0};
	it[IT_ZAP] = (zmq_pollitem_t){d->zap, 0, (short)(d->zap != NULL ? ZMQ_POLLIN : 0), 0};
	for (uint32_t i = 0; i < np; i++) {
		struct cadre__dpeer *p = d->peers[i];
		it[IT_PEERS + 2 * i] =
		        (zmq_pollitem_t){p->mon, 0, (short)(p->mon ? ZMQ_POLLIN : 0), 0};
		it[IT_PEERS + 2 * i + 1] =
		        (zmq_pollitem_t){p->dealer, 0, (short)(p->blocked ? ZMQ_POLLOUT : 0), 0};
	}
	(void)zmq_poll(it, (int)(IT_PEERS + 2 * np), poll_timeout(d, *next_tick));
	if (it[IT_EFD].revents & ZMQ_POLLIN) {
		uint64_t v;
		ssize_t r = read(d->efd, &v, sizeof v);
		(void)r; /* EAGAIN: someone else read it; nothing is lost */
	}
	run_cmds(d);
	if (!paused)
		router_in(d);
	if (d->zap != NULL)
		zap_in(d);
	for (uint32_t i = 0; i < np; i++)
		if (it[IT_PEERS + 2 * i].revents & ZMQ_POLLIN)
			cadre__dist_monitor_in(d, d->peers[i]);
	for (uint32_t i = 0; i < d->npeers; i++)
		if (!d->peers[i]->blocked ||
		    (i < np && (it[IT_PEERS + 2 * i + 1].revents & ZMQ_POLLOUT)))
			drain(d, d->peers[i]);
	uint64_t now = cadre__now_ns();
	if (now >= *next_tick) {
		cadre__dist_tick(d, now);
		*next_tick = now + d->tick_ns;
	}
	cadre__dist_req_scan(d, now, NULL);
}

static void
leave_all(struct cadre__dist *d)
{
	static const unsigned char leave[CADRE__WIRE_HEADER] = {CADRE__W_LEAVE, 0, 1, 0};
	for (uint32_t i = 0; i < d->npeers; i++) {
		struct cadre__dpeer *p = d->peers[i];
		drain(d, p); /* what is queued goes first, as far as it can */
		if (p->state == CADRE__P_UP)
			(void)cadre__dist_send_now(d, p, leave, sizeof leave);
	}
}

static void *
dist_main(void *arg)
{
	struct cadre__dist *d = arg;
	zmq_pollitem_t *it = cadre__alloc((IT_PEERS + 2 * CADRE__DIST_PEERS) * sizeof *it);
	uint64_t next_tick = cadre__now_ns() + d->tick_ns;
	/* seq_cst: the stopper's store (cadre__dist_stop). */
	while (it != NULL && !cadre__load_sc_u32(&d->stopping))
		loop_once(d, it, &next_tick);
	leave_all(d);
	close_sockets(d, LEAVE_LINGER_MS);
	if (it != NULL)
		cadre__free(it, (IT_PEERS + 2 * CADRE__DIST_PEERS) * sizeof *it);
	return NULL;
}

/* ---- start, stop, free --------------------------------------------------------------------------- */
static void dist_release(struct cadre__dist *d);

int
cadre__dist_start(struct cadre_system *sys, const cadre_node_config *cfg)
{
	int rc = check_cfg(cfg);
	if (rc != 0)
		return rc;
	struct cadre__dist *d = cadre__alloc_aligned(sizeof *d, CADRE__CACHELINE);
	if (d == NULL)
		return CADRE_ENOMEM;
	memset(d, 0, sizeof *d);
	d->sys = sys;
	d->efd = -1;
	d->incarnation = sys->table.node;
	pthread_mutex_init(&d->mu, NULL);
	pthread_mutex_init(&d->wait_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->wait_cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = copy_cfg(d, cfg)) != 0 || (rc = open_sockets(d)) != 0) {
		close_sockets(d, 0);
		dist_release(d);
		return rc;
	}
	sys->dist = d;
	for (size_t i = 0; i < cfg->n_seeds && rc == 0; i++)
		rc = cadre_node_connect(sys, cfg->seeds[i],
		                        cfg->insecure ? NULL : cfg->seed_keys[i]);
	if (rc == 0 && pthread_create(&d->thread, NULL, dist_main, d) != 0)
		rc = CADRE_ESYS;
	if (rc != 0) {
		sys->dist = NULL;
		close_sockets(d, 0);
		dist_release(d);
		return rc;
	}
	d->started = true;
	sys->remote = &cadre__dist_remote;
	return 0;
}

/* Fails what posters raced into the queues, until every count is 0. */
static void
drain_after_stop(struct cadre__dist *d)
{
	for (bool again = true; again;) {
		again = false;
		for (uint32_t i = 0; i < d->npeers; i++) {
			struct cadre__dpeer *p = d->peers[i];
			cadre_mb_node *n;
			while ((n = cadre__mb_pop_normal(&p->q)) != NULL) {
				cadre__faa_acqrel_u32(&p->queued, (uint32_t)-1); /* as drain's */
				cadre__dist_item_fail(d, (struct cadre__dout *)n, CADRE_ENODE);
			}
			/* seq_cst: the second half of the Dekker pair with the
			 * posters' [add queued; load stopping] (route.c
			 * enter_queue), after our exchange of stopping: a poster
			 * that counted itself in pushes its item soon. */
			if (cadre__load_sc_u32(&p->queued) != 0)
				again = true;
		}
		if (again)
			sched_yield();
	}
}

void
cadre__dist_stop(struct cadre_system *sys)
{
	struct cadre__dist *d = cadre__dist_of(sys);
	if (d == NULL || !d->started)
		return;
	/* seq_cst: the Dekker pair with the posters (route.c enter_queue). */
	if (cadre__xchg_sc_u32(&d->stopping, 1) != 0)
		return;
	cadre__dist_wake(d);
	pthread_join(d->thread, NULL);
	drain_after_stop(d);
	cadre__dist_req_scan(d, cadre__now_ns(), (struct cadre__dpeer *)d); /* all: ENODE */
}

static void
dist_release(struct cadre__dist *d)
{
	for (uint32_t i = 0; i < d->npeers; i++) {
		cadre__dist_links_free(d->peers[i]);
		cadre__free_aligned(d->peers[i], sizeof *d->peers[i], CADRE__CACHELINE);
	}
	for (uint32_t i = 0; i < d->nbehs; i++)
		cadre__free(d->behs[i], sizeof *d->behs[i]);
	if (d->behs != NULL)
		cadre__free(d->behs, d->capbehs * sizeof *d->behs);
	if (d->sers != NULL)
		cadre__free(d->sers, d->capsers * sizeof *d->sers);
	if (d->subs != NULL)
		cadre__free(d->subs, d->capsubs * sizeof *d->subs);
	for (struct cadre__dcmd *c = d->cmds, *next; c != NULL; c = next) {
		next = c->next;
		cadre__free(c, sizeof *c);
	}
	for (uint32_t i = 0; i < d->ndetails; i++)
		cadre__free(d->details[i], CADRE__WIRE_DETAIL_MAX + 1);
	if (d->accept != NULL)
		cadre__free(d->accept, d->naccept * sizeof *d->accept);
	if (d->efd >= 0)
		close(d->efd);
	pthread_cond_destroy(&d->wait_cv);
	pthread_mutex_destroy(&d->wait_mu);
	pthread_mutex_destroy(&d->mu);
	cadre__free_aligned(d, sizeof *d, CADRE__CACHELINE);
}

void
cadre__dist_free(struct cadre_system *sys)
{
	struct cadre__dist *d = cadre__dist_of(sys);
	if (d == NULL)
		return;
	cadre__dist_stop(sys);
	sys->remote = NULL;
	sys->dist = NULL;
	dist_release(d);
}
