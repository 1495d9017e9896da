/* cadre-bench's fan-out workloads: one sender, many receivers (see main.c
 * for the method and what msgs counts):
 *   fanout   one sender sends N messages round-robin to R receivers; each
 *            receiver counts its messages; done when every receiver has
 *            seen its share
 *   wakeup   one driver wakes R idle receivers with one message each, in
 *            N rounds; secs covers the rounds only, so secs / (R x N) is the
 *            cost of one wake-up of an idle actor (only when named)
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "bench_progress.h"

/* Message types (fanout, wakeup). */
enum {
	M_ITEM = M_FIRST,
	M_DONE,
	M_WAKE,
	M_ROUND,
	M_EXIT,
};

/* ---- fanout ----------------------------------------------------------------------------
 * The sender spawns the R receivers, then sends message k to receiver
 * k % R with the payload k / R (that receiver's count so far: a receiver
 * checks it, so a lost or reordered message fails the run). Receiver i's
 * share is N / R, plus one for i < N % R. A receiver that has its share
 * answers {i, count} and stops; the sender checks every answer against
 * the share and the sum against N. */
struct fo_done {
	uint64_t index, count;
};

/* Receiver i's share of n messages over r receivers. */
static inline uint64_t
fo_share(uint64_t n, uint64_t r, uint64_t i)
{
	return n / r + (i < n % r ? 1 : 0);
}

struct fo_receiver {
	cadre_actor base;
	cadre_ref sender;
	uint64_t index, count, share;
};

static int
fo_receiver_start(cadre_actor *self, void *arg)
{
	struct fo_receiver *r = (struct fo_receiver *)self;

	r->index = (uint64_t)(uintptr_t)arg;
	r->share = fo_share(g_run.sz.fanout_n, g_run.sz.fanout_r, r->index);
	return 0;
}

static int
fo_receiver_receive(cadre_actor *self, const cadre_msg *m)
{
	struct fo_receiver *r = (struct fo_receiver *)self;
	uint64_t seq = 0;

	if (m->type != M_ITEM || !get_u64(m, &seq) || seq != r->count)
		return BAD("fanout receiver %" PRIu64 ": message %" PRIu64 " (type %" PRIu32
		           "), expected %" PRIu64,
		           r->index, seq, m->type, r->count);
	if (++r->count < r->share)
		return 0;
	struct fo_done d = {.index = r->index, .count = r->count};
	int rc = cadre_send(cadre_actor_system(self), m->sender, M_DONE, &d, sizeof d);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour fo_receiver_beh = {.size = sizeof(struct fo_receiver),
                                                .start = fo_receiver_start,
                                                .receive = fo_receiver_receive,
                                                .stop = on_stop,
                                                .name = "fanout_receiver"};

struct fo_sender {
	cadre_actor base;
	cadre_ref *refs;
	uint64_t receivers, k, total, seq, target, dones, sum;
};

static int
fo_sender_step(cadre_actor *self)
{
	struct fo_sender *s = (struct fo_sender *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t slice = g_run.sz.slice;

	for (uint64_t i = 0; i < slice && s->k < s->total; i++, s->k++) {
		int rc = send_u64(sys, s->refs[s->target], M_ITEM, s->seq);
		if (rc != 0)
			return rc;
		if (++s->target == s->receivers) {
			s->target = 0;
			s->seq++;
		}
	}
	return s->k < s->total ? send_self(self, M_CONT) : 0;
}

static int
fo_sender_start(cadre_actor *self, void *arg)
{
	struct fo_sender *s = (struct fo_sender *)self;

	(void)arg;
	s->refs = g_run.refs;
	s->receivers = g_run.sz.fanout_r;
	s->total = g_run.sz.fanout_n;
	for (uint64_t i = 0; i < s->receivers; i++) {
		int rc = cadre_spawn(cadre_actor_system(self), &fo_receiver_beh, NULL,
		                     (void *)(uintptr_t)i, &s->refs[i]);
		if (rc != 0)
			return rc;
	}
	return fo_sender_step(self);
}

static int
fo_sender_receive(cadre_actor *self, const cadre_msg *m)
{
	struct fo_sender *s = (struct fo_sender *)self;
	struct fo_done d;

	if (m->type == M_CONT)
		return fo_sender_step(self);
	if (m->type != M_DONE || m->size != sizeof d)
		return BAD("fanout sender: unexpected message type %" PRIu32, m->type);
	memcpy(&d, m->data, sizeof d);
	if (d.index >= s->receivers || d.count != fo_share(s->total, s->receivers, d.index))
		return BAD("fanout: receiver %" PRIu64 " got %" PRIu64
		           " messages, expected %" PRIu64,
		           d.index, d.count,
		           d.index < s->receivers ? fo_share(s->total, s->receivers, d.index) : 0);
	s->sum += d.count;
	if (++s->dones < s->receivers)
		return 0;
	if (s->sum != s->total)
		return BAD("fanout: the receivers got %" PRIu64 " messages, expected %" PRIu64,
		           s->sum, s->total);
	g_run.result = s->dones;
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour fo_sender_beh = {.size = sizeof(struct fo_sender),
                                              .start = fo_sender_start,
                                              .receive = fo_sender_receive,
                                              .stop = on_stop,
                                              .name = "fanout_sender"};

/* ---- wakeup ----------------------------------------------------------------------------
 * Main spawns the R receivers and waits until every one has run its start
 * (g_run.tally): they are idle. Then the clock starts with the driver's
 * spawn. A round: the driver sends one M_WAKE (the round number) to each
 * receiver; each receiver checks the round, and the one that brings
 * wk_left to 0 sends M_ROUND to the driver, which starts the next round.
 * Every M_WAKE makes an idle actor runnable, and it runs once. After N
 * rounds the driver posts the semaphore and stops; main then sends M_EXIT
 * to the receivers (outside the clock). */
static _Atomic uint64_t wk_left; /* this round's receivers still to run */

struct wk_receiver {
	cadre_actor base;
	uint64_t round;
};

static int
wk_receiver_start(cadre_actor *self, void *arg)
{
	(void)self;
	(void)arg;
	/* Relaxed: main polls the count only to know the starts are done; the
	 * refs it needs came back from cadre_spawn. */
	atomic_fetch_add_explicit(&g_run.tally, 1, memory_order_relaxed);
	return 0;
}

static int
wk_receiver_receive(cadre_actor *self, const cadre_msg *m)
{
	struct wk_receiver *r = (struct wk_receiver *)self;
	uint64_t round = 0;

	if (m->type == M_EXIT)
		return cadre_stop(self);
	if (m->type != M_WAKE || !get_u64(m, &round) || round != r->round)
		return BAD("wakeup receiver: round %" PRIu64 " (type %" PRIu32
		           "), expected %" PRIu64,
		           round, m->type, r->round);
	r->round++;
	/* acq_rel: the last receiver of a round sees the round complete; the
	 * driver's next store to wk_left is ordered by the M_ROUND message. */
	if (atomic_fetch_sub_explicit(&wk_left, 1, memory_order_acq_rel) == 1)
		return cadre_send(cadre_actor_system(self), g_run.first, M_ROUND, NULL, 0);
	return 0;
}

static const cadre_behaviour wk_receiver_beh = {.size = sizeof(struct wk_receiver),
                                                .start = wk_receiver_start,
                                                .receive = wk_receiver_receive,
                                                .stop = on_stop,
                                                .name = "wakeup_receiver"};

struct wk_driver {
	cadre_actor base;
	uint64_t receivers, rounds, round, k;
};

/* Sends this round's wakes, --slice at a time. */
static int
wk_driver_step(cadre_actor *self)
{
	struct wk_driver *d = (struct wk_driver *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t slice = g_run.sz.slice;

	for (uint64_t i = 0; i < slice && d->k < d->receivers; i++, d->k++) {
		int rc = send_u64(sys, g_run.refs[d->k], M_WAKE, d->round);
		if (rc != 0)
			return rc;
	}
	return d->k < d->receivers ? send_self(self, M_CONT) : 0;
}

static int
wk_driver_start(cadre_actor *self, void *arg)
{
	struct wk_driver *d = (struct wk_driver *)self;

	(void)arg;
	d->receivers = g_run.sz.wakeup_r;
	d->rounds = g_run.sz.wakeup_n;
	g_run.first = cadre_self(self); /* read by the receivers after our sends */
	/* Relaxed: the sends that follow publish it (a send orders what the
	 * sender wrote before it with the receiver's handling). */
	atomic_store_explicit(&wk_left, d->receivers, memory_order_relaxed);
	return wk_driver_step(self);
}

static int
wk_driver_receive(cadre_actor *self, const cadre_msg *m)
{
	struct wk_driver *d = (struct wk_driver *)self;

	if (m->type == M_CONT)
		return wk_driver_step(self);
	if (m->type != M_ROUND || d->k != d->receivers)
		return BAD("wakeup driver: unexpected message type %" PRIu32, m->type);
	if (++d->round == d->rounds) {
		g_run.result = d->round;
		run_done();
		return cadre_stop(self);
	}
	d->k = 0;
	/* Relaxed: as in the start; every receiver has counted this round
	 * down (the M_ROUND we handle came after the last decrement). */
	atomic_store_explicit(&wk_left, d->receivers, memory_order_relaxed);
	return wk_driver_step(self);
}

static const cadre_behaviour wk_driver_beh = {.size = sizeof(struct wk_driver),
                                              .start = wk_driver_start,
                                              .receive = wk_driver_receive,
                                              .stop = on_stop,
                                              .name = "wakeup_driver"};

/* ---- the workloads ------------------------------------------------------------------------- */

bool
wl_fanout(const struct options *o, struct sample *s)
{
	uint64_t r = o->sz.fanout_r, n = o->sz.fanout_n;
	struct expect e = {.handled = n + r + continues(n, o->sz.slice), .spawned = r + 1};
	cadre_ref *refs = calloc(r, sizeof *refs);

	if (refs == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	s->msgs = n + r;
	s->spawns = r + 1;
	cadre_system *sys = run_begin(o);
	bool ok = sys != NULL;
	if (ok) {
		g_run.refs = refs;
		ok = spawn_timed(sys, &fo_sender_beh, "the sender", s);
		ok = run_finish(sys, ok, &e, s);
	}
	if (ok && g_run.result != r) {
		note("%s: FAILED: %" PRIu64 " of %" PRIu64 " receivers answered", g_bench,
		     g_run.result, r);
		ok = false;
	}
	free(refs);
	return ok;
}

/* Main's part of wakeup: spawns the receivers and waits until each has
 * started (so all are idle). */
static bool
wk_setup(cadre_system *sys, uint64_t r)
{
	for (uint64_t i = 0; i < r; i++) {
		int rc = cadre_spawn(sys, &wk_receiver_beh, NULL, NULL, &g_run.refs[i]);
		if (rc != 0) {
			note("%s: FAILED: cadre_spawn: %s", g_bench, cadre_strerror(rc));
			return false;
		}
	}
	double deadline = bench_now() + 60;
	while (atomic_load_explicit(&g_run.tally, memory_order_relaxed) < r) {
		if (bench_now() > deadline || atomic_load(&g_run.failed)) {
			note("%s: FAILED: the receivers did not start", g_bench);
			return false;
		}
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	/* Let the last starts' workers go idle before the clock starts. */
	nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	return true;
}

/* Main's M_EXIT to every receiver, after the clock stopped. */
static bool
wk_stop_all(cadre_system *sys, uint64_t r)
{
	for (uint64_t i = 0; i < r; i++) {
		int rc = cadre_send(sys, g_run.refs[i], M_EXIT, NULL, 0);
		if (rc != 0) {
			note("%s: FAILED: cadre_send: %s", g_bench, cadre_strerror(rc));
			return false;
		}
	}
	return true;
}

bool
wl_wakeup(const struct options *o, struct sample *s)
{
	uint64_t r = o->sz.wakeup_r, n = o->sz.wakeup_n;
	struct expect e = {.handled = n * (r + 1 + continues(r, o->sz.slice)) + r,
	                   .spawned = r + 1};
	cadre_ref *refs = calloc(r, sizeof *refs);

	if (refs == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	s->msgs = n * r; /* the wake-ups (the round answers are not counted) */
	s->spawns = r + 1;
	cadre_system *sys = run_begin(o);
	bool ok = sys != NULL;
	if (ok) {
		g_run.refs = refs;
		ok = wk_setup(sys, r) && spawn_timed(sys, &wk_driver_beh, "the driver", s);
		ok = ok && wk_stop_all(sys, r);
		ok = run_finish(sys, ok, &e, s);
	}
	if (ok && g_run.result != n) {
		note("%s: FAILED: %" PRIu64 " of %" PRIu64 " rounds", g_bench, g_run.result, n);
		ok = false;
	}
	free(refs);
	return ok;
}
