/* cadre-bench's core workloads, message passing among a fixed set of
 * actors (see main.c for the method and what msgs counts):
 *   pingpong    two actors, N round trips, strictly sequential
 *   counting    a producer sends N increments to a counter, then asks for
 *               the total, which must be N
 *   threadring  R actors in a ring pass one token T hops
 *   fanin       P producers each send N messages to one sink
 *   fjthrput    one sender sends N messages to each of A actors round-robin;
 *               each folds them into a hash (a tiny computation)
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* Message types (pingpong ... fjthrput). */
enum {
	M_PING = M_FIRST,
	M_PONG,
	M_INC,
	M_GET,
	M_TOTAL,
	M_TOKEN,
	M_EXIT,
	M_ITEM,
	M_WORK,
	M_DONE,
};

/* ---- pingpong ---------------------------------------------------------------- */

struct pp_ping {
	cadre_actor base;
	cadre_ref pong;
	uint64_t left; /* round trips to go; also the payload of the next ping */
};

static int
pong_receive(cadre_actor *self, const cadre_msg *m)
{
	uint64_t r = 0;

	if (m->type != M_PING || !get_u64(m, &r))
		return BAD("pong: unexpected message type %" PRIu32, m->type);
	int rc = send_u64(cadre_actor_system(self), m->sender, M_PONG, r);
	if (rc == 0 && r == 1)
		rc = cadre_stop(self); /* the last round */
	return rc;
}

static const cadre_behaviour pong_beh = {
        .size = sizeof(cadre_actor), .receive = pong_receive, .stop = on_stop, .name = "pong"};

static int
ping_start(cadre_actor *self, void *arg)
{
	struct pp_ping *p = (struct pp_ping *)self;
	cadre_system *sys = cadre_actor_system(self);

	(void)arg;
	p->left = g_run.sz.pingpong_n;
	int rc = cadre_spawn(sys, &pong_beh, NULL, NULL, &p->pong);
	if (rc != 0)
		return rc;
	return send_u64(sys, p->pong, M_PING, p->left);
}

static int
ping_receive(cadre_actor *self, const cadre_msg *m)
{
	struct pp_ping *p = (struct pp_ping *)self;
	uint64_t r = 0;

	if (m->type != M_PONG || !get_u64(m, &r) || r != p->left ||
	    !cadre_ref_is_equal(m->sender, p->pong))
		return BAD("ping: answer %" PRIu64 " (type %" PRIu32 "), expected %" PRIu64, r,
		           m->type, p->left);
	if (--p->left == 0) {
		run_done();
		return cadre_stop(self);
	}
	return send_u64(cadre_actor_system(self), p->pong, M_PING, p->left);
}

static const cadre_behaviour ping_beh = {.size = sizeof(struct pp_ping),
                                         .start = ping_start,
                                         .receive = ping_receive,
                                         .stop = on_stop,
                                         .name = "ping"};

/* ---- counting ------------------------------------------------------------------ */

struct cnt_counter {
	cadre_actor base;
	uint64_t n;
};

static int
counter_receive(cadre_actor *self, const cadre_msg *m)
{
	struct cnt_counter *c = (struct cnt_counter *)self;

	if (m->type == M_INC) {
		c->n++;
		return 0;
	}
	if (m->type != M_GET)
		return BAD("counter: unexpected message type %" PRIu32, m->type);
	int rc = send_u64(cadre_actor_system(self), m->sender, M_TOTAL, c->n);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour counter_beh = {.size = sizeof(struct cnt_counter),
                                            .receive = counter_receive,
                                            .stop = on_stop,
                                            .name = "counter"};

struct cnt_producer {
	cadre_actor base;
	cadre_ref counter;
	uint64_t sent, n;
};

static int
producer_step(cadre_actor *self)
{
	struct cnt_producer *p = (struct cnt_producer *)self;
	cadre_system *sys = cadre_actor_system(self);

	uint64_t slice = g_run.sz.slice;

	for (uint64_t i = 0; i < slice && p->sent < p->n; i++, p->sent++) {
		int rc = cadre_send(sys, p->counter, M_INC, NULL, 0);
		if (rc != 0)
			return rc;
	}
	if (p->sent < p->n)
		return send_self(self, M_CONT);
	return cadre_send(sys, p->counter, M_GET, NULL, 0);
}

static int
producer_start(cadre_actor *self, void *arg)
{
	struct cnt_producer *p = (struct cnt_producer *)self;

	(void)arg;
	p->n = g_run.sz.counting_n;
	int rc = cadre_spawn(cadre_actor_system(self), &counter_beh, NULL, NULL, &p->counter);
	return rc != 0 ? rc : producer_step(self);
}

static int
producer_receive(cadre_actor *self, const cadre_msg *m)
{
	struct cnt_producer *p = (struct cnt_producer *)self;
	uint64_t total = 0;

	if (m->type == M_CONT)
		return producer_step(self);
	if (m->type != M_TOTAL || !get_u64(m, &total) || !cadre_ref_is_equal(m->sender, p->counter))
		return BAD("producer: unexpected message type %" PRIu32, m->type);
	g_run.result = total;
	if (total != p->n)
		return BAD("counting: total %" PRIu64 ", expected %" PRIu64, total, p->n);
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour producer_beh = {.size = sizeof(struct cnt_producer),
                                             .start = producer_start,
                                             .receive = producer_receive,
                                             .stop = on_stop,
                                             .name = "producer"};

/* ---- threadring -------------------------------------------------------------------
 * Node i spawns node i + 1 from its start; the last node closes the ring on
 * node 0 and sends the token's first hop. The token carries the hops still
 * to go after this one. The node that receives it at 0 checks it is the
 * right node, then sends an exit wave around the ring. */
struct ring_node {
	cadre_actor base;
	cadre_ref next;
	uint64_t index;
};

static int
ring_start(cadre_actor *self, void *arg)
{
	struct ring_node *r = (struct ring_node *)self;
	cadre_system *sys = cadre_actor_system(self);

	r->index = (uint64_t)(uintptr_t)arg;
	if (r->index == 0)
		g_run.first = cadre_self(self); /* read by the last node, spawned after */
	if (r->index + 1 < g_run.sz.threadring_r)
		return cadre_spawn(sys, cadre_actor_behaviour(self), NULL,
		                   (void *)(uintptr_t)(r->index + 1), &r->next);
	r->next = g_run.first;
	return send_u64(sys, r->next, M_TOKEN, g_run.sz.threadring_t - 1);
}

static int
ring_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ring_node *r = (struct ring_node *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t v = 0;

	if (!get_u64(m, &v))
		return BAD("ring: bad message type %" PRIu32, m->type);
	if (m->type == M_TOKEN) {
		if (v > 0)
			return send_u64(sys, r->next, M_TOKEN, v - 1);
		uint64_t nodes = g_run.sz.threadring_r;
		uint64_t want = (g_run.sz.threadring_t - 1) % nodes;
		g_run.result = r->index;
		if (r->index != want)
			return BAD("threadring: token ended at node %" PRIu64 ", expected %" PRIu64,
			           r->index, want);
		run_done();
		int rc = nodes > 1 ? send_u64(sys, r->next, M_EXIT, nodes - 1) : 0;
		return rc != 0 ? rc : cadre_stop(self);
	}
	if (m->type != M_EXIT)
		return BAD("ring: unexpected message type %" PRIu32, m->type);
	int rc = v > 1 ? send_u64(sys, r->next, M_EXIT, v - 1) : 0;
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour ring_beh = {.size = sizeof(struct ring_node),
                                         .start = ring_start,
                                         .receive = ring_receive,
                                         .stop = on_stop,
                                         .name = "ring"};

/* ---- fanin --------------------------------------------------------------------------
 * The sink spawns the producers. Each item carries its producer and a
 * sequence number; the sink checks per-producer FIFO order and the count. */
struct fan_item {
	uint32_t producer;
	uint32_t pad_;
	uint64_t seq;
};

struct fan_sink {
	cadre_actor base;
	uint64_t count, total, producers;
	uint64_t *next;
};

struct fan_producer {
	cadre_actor base;
	cadre_ref sink;
	uint64_t seq, n;
	uint32_t id;
};

static int
fan_producer_step(cadre_actor *self)
{
	struct fan_producer *p = (struct fan_producer *)self;
	cadre_system *sys = cadre_actor_system(self);
	struct fan_item it = {.producer = p->id};

	uint64_t slice = g_run.sz.slice;

	for (uint64_t i = 0; i < slice && p->seq < p->n; i++, p->seq++) {
		it.seq = p->seq;
		int rc = cadre_send(sys, p->sink, M_ITEM, &it, sizeof it);
		if (rc != 0)
			return rc;
	}
	if (p->seq < p->n)
		return send_self(self, M_CONT);
	return cadre_stop(self);
}

static int
fan_producer_start(cadre_actor *self, void *arg)
{
	struct fan_producer *p = (struct fan_producer *)self;

	p->id = (uint32_t)(uintptr_t)arg;
	p->sink = g_run.first; /* written by the sink before it spawned us */
	p->n = g_run.sz.fanin_n;
	return fan_producer_step(self);
}

static int
fan_producer_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type != M_CONT)
		return BAD("fanin producer: unexpected message type %" PRIu32, m->type);
	return fan_producer_step(self);
}

static const cadre_behaviour fan_producer_beh = {.size = sizeof(struct fan_producer),
                                                 .start = fan_producer_start,
                                                 .receive = fan_producer_receive,
                                                 .stop = on_stop,
                                                 .name = "fanin_producer"};

static int
fan_sink_start(cadre_actor *self, void *arg)
{
	struct fan_sink *s = (struct fan_sink *)self;
	cadre_system *sys = cadre_actor_system(self);

	(void)arg;
	s->producers = g_run.sz.fanin_p;
	s->total = s->producers * g_run.sz.fanin_n;
	s->next = g_run.next;
	g_run.first = cadre_self(self);
	for (uint64_t i = 0; i < s->producers; i++) {
		cadre_ref r;
		int rc = cadre_spawn(sys, &fan_producer_beh, NULL, (void *)(uintptr_t)i, &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
fan_sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct fan_sink *s = (struct fan_sink *)self;
	struct fan_item it;

	if (m->type != M_ITEM || m->size != sizeof it)
		return BAD("sink: unexpected message type %" PRIu32, m->type);
	memcpy(&it, m->data, sizeof it);
	if (it.producer >= s->producers || it.seq != s->next[it.producer])
		return BAD("sink: producer %" PRIu32 " seq %" PRIu64 ", expected %" PRIu64,
		           it.producer, it.seq,
		           it.producer < s->producers ? s->next[it.producer] : 0);
	s->next[it.producer]++;
	if (++s->count < s->total)
		return 0;
	g_run.result = s->count;
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour fan_sink_beh = {.size = sizeof(struct fan_sink),
                                             .start = fan_sink_start,
                                             .receive = fan_sink_receive,
                                             .stop = on_stop,
                                             .name = "fanin_sink"};

/* ---- fjthrput -------------------------------------------------------------------------
 * The sender spawns the A workers, then sends message k to worker k % A
 * with sequence number k / A. A worker checks the order and folds each
 * number into an FNV-1a hash; after N it sends the hash back and stops. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static inline uint64_t
fj_mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * FNV_PRIME;
}

struct fj_worker {
	cadre_actor base;
	uint64_t next, n, h;
};

static int
fj_worker_start(cadre_actor *self, void *arg)
{
	struct fj_worker *w = (struct fj_worker *)self;

	(void)arg;
	w->n = g_run.sz.fjthrput_n;
	w->h = FNV_OFFSET;
	return 0;
}

static int
fj_worker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct fj_worker *w = (struct fj_worker *)self;
	uint64_t seq = 0;

	if (m->type != M_WORK || !get_u64(m, &seq) || seq != w->next)
		return BAD("fjthrput worker: message %" PRIu64 " (type %" PRIu32
		           "), expected %" PRIu64,
		           seq, m->type, w->next);
	w->h = fj_mix(w->h, seq);
	if (++w->next < w->n)
		return 0;
	int rc = send_u64(cadre_actor_system(self), m->sender, M_DONE, w->h);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour fj_worker_beh = {.size = sizeof(struct fj_worker),
                                              .start = fj_worker_start,
                                              .receive = fj_worker_receive,
                                              .stop = on_stop,
                                              .name = "fjthrput_worker"};

struct fj_sender {
	cadre_actor base;
	cadre_ref *refs;
	uint64_t actors, k, total, seq, target, dones;
};

static int
fj_sender_step(cadre_actor *self)
{
	struct fj_sender *s = (struct fj_sender *)self;
	cadre_system *sys = cadre_actor_system(self);

	uint64_t slice = g_run.sz.slice;

	for (uint64_t i = 0; i < slice && s->k < s->total; i++, s->k++) {
		int rc = send_u64(sys, s->refs[s->target], M_WORK, s->seq);
		if (rc != 0)
			return rc;
		if (++s->target == s->actors) {
			s->target = 0;
			s->seq++;
		}
	}
	return s->k < s->total ? send_self(self, M_CONT) : 0;
}

static int
fj_sender_start(cadre_actor *self, void *arg)
{
	struct fj_sender *s = (struct fj_sender *)self;

	(void)arg;
	s->refs = g_run.refs;
	s->actors = g_run.sz.fjthrput_a;
	s->total = s->actors * g_run.sz.fjthrput_n;
	for (uint64_t i = 0; i < s->actors; i++) {
		int rc = cadre_spawn(cadre_actor_system(self), &fj_worker_beh, NULL, NULL,
		                     &s->refs[i]);
		if (rc != 0)
			return rc;
	}
	return fj_sender_step(self);
}

static int
fj_sender_receive(cadre_actor *self, const cadre_msg *m)
{
	struct fj_sender *s = (struct fj_sender *)self;
	uint64_t h = 0;

	if (m->type == M_CONT)
		return fj_sender_step(self);
	if (m->type != M_DONE || !get_u64(m, &h))
		return BAD("fjthrput sender: unexpected message type %" PRIu32, m->type);
	if (h != g_run.expect)
		return BAD("fjthrput: a worker's hash is %016" PRIx64 ", expected %016" PRIx64, h,
		           g_run.expect);
	if (++s->dones < s->actors)
		return 0;
	g_run.result = s->dones;
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour fj_sender_beh = {.size = sizeof(struct fj_sender),
                                              .start = fj_sender_start,
                                              .receive = fj_sender_receive,
                                              .stop = on_stop,
                                              .name = "fjthrput_sender"};

/* ---- the workloads ------------------------------------------------------------------------- */

bool
wl_pingpong(const struct options *o, struct sample *s)
{
	uint64_t n = o->sz.pingpong_n;
	struct expect e = {.handled = 2 * n, .spawned = 2};

	s->msgs = 2 * n;
	s->spawns = 2;
	return run_simple(o, &ping_beh, &e, s);
}

bool
wl_counting(const struct options *o, struct sample *s)
{
	uint64_t n = o->sz.counting_n;
	struct expect e = {.handled = n + 2 + continues(n, o->sz.slice), .spawned = 2};

	s->msgs = n + 2;
	s->spawns = 2;
	bool ok = run_simple(o, &producer_beh, &e, s);
	if (ok && g_run.result != n) {
		note("%s: FAILED: total %" PRIu64 ", expected %" PRIu64, g_bench, g_run.result, n);
		ok = false;
	}
	return ok;
}

bool
wl_threadring(const struct options *o, struct sample *s)
{
	uint64_t r = o->sz.threadring_r, t = o->sz.threadring_t;
	struct expect e = {.handled = t + (r - 1), .spawned = r};

	s->msgs = t;
	s->spawns = r;
	bool ok = run_simple(o, &ring_beh, &e, s);
	if (ok && g_run.result != (t - 1) % r) {
		note("%s: FAILED: the token ended at node %" PRIu64, g_bench, g_run.result);
		ok = false;
	}
	return ok;
}

bool
wl_fanin(const struct options *o, struct sample *s)
{
	uint64_t p = o->sz.fanin_p, n = o->sz.fanin_n;
	struct expect e = {.handled = p * n + p * continues(n, o->sz.slice), .spawned = p + 1};
	uint64_t *next = calloc(p, sizeof *next);

	if (next == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	s->msgs = p * n;
	s->spawns = p + 1;
	/* run_begin resets g_run; the sink reads next from its start. */
	cadre_system *sys = run_begin(o);
	bool ok = sys != NULL;
	if (ok) {
		g_run.next = next;
		ok = spawn_timed(sys, &fan_sink_beh, "the sink", s);
		ok = run_finish(sys, ok, &e, s);
	}
	for (uint64_t i = 0; ok && i < p; i++) {
		if (next[i] != n) {
			note("%s: FAILED: producer %" PRIu64 ": %" PRIu64 " of %" PRIu64
			     " received",
			     g_bench, i, next[i], n);
			ok = false;
		}
	}
	free(next);
	return ok;
}

bool
wl_fjthrput(const struct options *o, struct sample *s)
{
	uint64_t a = o->sz.fjthrput_a, n = o->sz.fjthrput_n;
	struct expect e = {.handled = a * n + a + continues(a * n, o->sz.slice), .spawned = a + 1};
	cadre_ref *refs = calloc(a, sizeof *refs);
	uint64_t h = FNV_OFFSET;

	if (refs == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	for (uint64_t i = 0; i < n; i++)
		h = fj_mix(h, i);
	s->msgs = a * n + a;
	s->spawns = a + 1;
	cadre_system *sys = run_begin(o);
	bool ok = sys != NULL;
	if (ok) {
		g_run.refs = refs;
		g_run.expect = h;
		ok = spawn_timed(sys, &fj_sender_beh, "the sender", s);
		ok = run_finish(sys, ok, &e, s);
	}
	if (ok && g_run.result != a) {
		note("%s: FAILED: %" PRIu64 " of %" PRIu64 " workers answered", g_bench,
		     g_run.result, a);
		ok = false;
	}
	free(refs);
	return ok;
}
