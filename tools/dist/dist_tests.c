/* cadre-bench-dist's two tests, pingpong and throughput (the method is in
 * cadre_bench_dist.c's opening comment). Public API only. */
#define _GNU_SOURCE

#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cadre.h>

#include "bench_dist.h"
#include "bench_progress.h"
#include "loadgen_hist.h"

/* ---- waiting on the client's actors --------------------------------------------------- */

/* The main thread (not a worker) polls a flag an actor sets with release
 * order; true once it is set, false after max_secs. */
static bool
wait_flag(atomic_bool *flag, double max_secs)
{
	double end = bench_now() + max_secs;
	while (!atomic_load_explicit(flag, memory_order_acquire)) { /* pairs with the release */
		if (bench_now() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/* ---- the counts of the sink, through a short-lived actor ------------------------------ */

struct query {
	cadre_ref sink;
	struct counts c;
	atomic_bool done;
};

struct querier {
	cadre_actor base;
	struct query *q;
};

static int
query_start(cadre_actor *self, void *arg)
{
	struct query *q = ((struct querier *)self)->q = arg;
	return cadre_send(cadre_actor_system(self), q->sink, T_COUNT, NULL, 0);
}

static int
query_receive(cadre_actor *self, const cadre_msg *m)
{
	struct query *q = ((struct querier *)self)->q;
	if (m->type != T_COUNT_R || m->size != sizeof q->c)
		return 0;
	memcpy(&q->c, m->data, sizeof q->c);
	atomic_store_explicit(&q->done, true, memory_order_release); /* c first; wait_flag */
	return cadre_stop(self);
}

static const cadre_behaviour query_beh = {.size = sizeof(struct querier),
                                          .start = query_start,
                                          .receive = query_receive,
                                          .name = "dist.query"};

/* The sink's counts (and reset); false if they did not come in 10 s (then
 * the query is left to the actor, which may still write it: leaked). */
static bool
sink_counts(cadre_system *sys, cadre_ref sink, struct counts *out)
{
	struct query *q = calloc(1, sizeof *q);
	cadre_ref r;
	if (q == NULL)
		return false;
	q->sink = sink;
	if (cadre_spawn(sys, &query_beh, NULL, q, &r) != 0) {
		free(q);
		return false;
	}
	if (!wait_flag(&q->done, 10)) {
		note(PROG ": no counts from the sink in 10 s");
		return false;
	}
	*out = q->c;
	free(q);
	return true;
}

/* ---- pingpong ------------------------------------------------------------------------- */

struct pp {
	cadre_ref echo;
	uint32_t size;
	uint64_t end_ns;
	struct hist *hist; /* NULL: the warm-up, not recorded */
	uint64_t round_trips, t_end;
	int error;        /* 0, or why it stopped early */
	atomic_bool done; /* the rest first (release) */
};

struct pinger {
	cadre_actor base;
	struct pp *pp;
	uint64_t seq, t0;
	unsigned char *buf;
};

static int
ping(struct pinger *p, cadre_actor *self)
{
	memcpy(p->buf, &p->seq, sizeof p->seq);
	p->t0 = bench_now_ns();
	int rc = cadre_send(cadre_actor_system(self), p->pp->echo, T_PING, p->buf, p->pp->size);
	if (rc != 0) {
		p->pp->error = rc;
		atomic_store_explicit(&p->pp->done, true, memory_order_release); /* wait_flag */
		return cadre_stop(self);
	}
	return 0;
}

static int
pinger_start(cadre_actor *self, void *arg)
{
	struct pinger *p = (struct pinger *)self;
	p->pp = arg;
	p->buf = calloc(1, p->pp->size);
	if (p->buf == NULL)
		return CADRE_ENOMEM;
	return ping(p, self);
}

static int
pinger_receive(cadre_actor *self, const cadre_msg *m)
{
	struct pinger *p = (struct pinger *)self;
	uint64_t t1 = bench_now_ns(), seq = UINT64_MAX;
	if (m->type != T_PONG)
		return 0;
	if (m->size == p->pp->size)
		memcpy(&seq, m->data, sizeof seq);
	if (seq != p->seq) {
		p->pp->error = CADRE_EINVAL;                                     /* a wrong echo */
		atomic_store_explicit(&p->pp->done, true, memory_order_release); /* wait_flag */
		return cadre_stop(self);
	}
	if (p->pp->hist)
		hist_add(p->pp->hist, t1 - p->t0);
	p->pp->round_trips++;
	p->seq++;
	if (t1 >= p->pp->end_ns) {
		p->pp->t_end = t1;
		atomic_store_explicit(&p->pp->done, true, memory_order_release); /* wait_flag */
		return cadre_stop(self);
	}
	return ping(p, self);
}

static void
pinger_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	free(((struct pinger *)self)->buf);
}

static const cadre_behaviour pinger_beh = {.size = sizeof(struct pinger),
                                           .start = pinger_start,
                                           .receive = pinger_receive,
                                           .stop = pinger_stop,
                                           .name = "dist.pinger"};

/* One phase of round trips for secs, recorded in hist unless NULL; false
 * if it failed. *t0 and *t1: its start and end, *n: its round trips. A
 * phase whose actor does not answer in time is left to it (leaked). */
static bool
pp_phase(cadre_system *sys, cadre_ref echo, uint32_t size, double secs, struct hist *hist,
         uint64_t *t0, uint64_t *t1, uint64_t *n)
{
	struct pp *pp = calloc(1, sizeof *pp);
	cadre_ref r;
	if (pp == NULL)
		return false;
	*pp = (struct pp){.echo = echo, .size = size, .hist = hist};
	*t0 = bench_now_ns();
	pp->end_ns = *t0 + (uint64_t)(secs * 1e9);
	if (cadre_spawn(sys, &pinger_beh, NULL, pp, &r) != 0) {
		free(pp);
		return false;
	}
	if (!wait_flag(&pp->done, secs + 30)) {
		note(PROG ": pingpong: no echo for 30 s");
		return false;
	}
	if (pp->error)
		note(PROG ": pingpong: %s", cadre_err_name(pp->error));
	bool ok = pp->error == 0;
	*t1 = pp->t_end;
	*n = pp->round_trips;
	free(pp);
	return ok;
}

static void
line_head(const struct opts *o, const char *bench, uint64_t msgs, double secs, bool ok,
          uint32_t size)
{
	printf("{\"bench\":\"%s\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":%" PRIu64
	       ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":1,\"warmups\":1,\"stat\":\"median\","
	       "\"check\":\"%s\",\"size\":%" PRIu32,
	       bench, o->workers, msgs, secs, secs > 0 && ok ? (double)msgs / secs : 0.0,
	       ok ? "ok" : "fail", size);
}

bool
dist_pingpong(const struct opts *o, cadre_system *sys, cadre_ref echo, uint32_t size)
{
	struct hist *h = calloc(1, sizeof *h);
	uint64_t t0 = 0, t1 = 0, n = 0;
	bool ok = h != NULL && pp_phase(sys, echo, size, o->warmup, NULL, &t0, &t1, &n) &&
	          pp_phase(sys, echo, size, o->secs, h, &t0, &t1, &n) && n > 0;
	line_head(o, o->local ? "local_pingpong" : "dist_pingpong", ok ? 2 * n : 0,
	          ok ? (double)(t1 - t0) / 1e9 : 0, ok, size);
	if (ok)
		printf(",\"round_trips\":%" PRIu64 ",\"p50_ns\":%" PRIu64 ",\"p99_ns\":%" PRIu64
		       ",\"p999_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64,
		       n, hist_quantile(h, 0.5), hist_quantile(h, 0.99), hist_quantile(h, 0.999),
		       h->max);
	printf(",\"security\":\"%s\"}\n", o->curve ? "curve" : "none");
	fflush(stdout);
	if (ok)
		free(h); /* else a pinger that did not answer may still write it */
	return ok;
}

/* ---- throughput ----------------------------------------------------------------------- */

struct tp {
	cadre_ref sink;
	uint32_t size;
	uint64_t window, ack_every, slice, end_ns;
	const unsigned char *buf;
	/* Each sender adds its count and stamps its end, then counts itself
	 * finished (release; the main thread's acquire of `finished` reads
	 * them). */
	atomic_uint_least64_t sent, overflows, t_end;
	atomic_uint finished, failed;
};

struct sender {
	cadre_actor base;
	struct tp *tp;
	uint64_t sent, acked, synced, overflows;
	bool stopping, go_pending, retry_armed;
};

static void
sender_done(cadre_actor *self, struct sender *s, bool ok)
{
	struct tp *tp = s->tp;
	uint64_t now = bench_now_ns(), t = atomic_load_explicit(&tp->t_end, memory_order_relaxed);
	/* Relaxed: the latest end, published by `finished`'s release below. */
	while (t < now && !atomic_compare_exchange_weak_explicit(
	                          &tp->t_end, &t, now, memory_order_relaxed, memory_order_relaxed))
		;
	atomic_fetch_add_explicit(&tp->sent, s->sent, memory_order_relaxed); /* published below */
	atomic_fetch_add_explicit(&tp->overflows, s->overflows, memory_order_relaxed); /* as sent */
	if (!ok)
		atomic_fetch_add_explicit(&tp->failed, 1, memory_order_relaxed);
	/* Release: the counts above before this; pairs with the main thread's acquire. */
	atomic_fetch_add_explicit(&tp->finished, 1, memory_order_release);
	cadre_stop(self);
}

/* A send's outcome: true if sent; on CADRE_EFULL a retry 1 ms later (and
 * false); any other error ends the sender as failed. */
static bool
sent_ok(cadre_actor *self, struct sender *s, int rc)
{
	if (rc == 0)
		return true;
	if (rc == CADRE_EFULL) {
		s->overflows++;
		if (!s->retry_armed && cadre_send_after(cadre_actor_system(self), cadre_self(self),
		                                        T_RETRY, NULL, 0, 1, NULL) == 0)
			s->retry_armed = true;
		else if (!s->retry_armed)
			sender_done(self, s, false);
		return false;
	}
	note(PROG ": throughput: send: %s", cadre_err_name(rc));
	sender_done(self, s, false);
	return false;
}

static bool
sync_now(cadre_actor *self, struct sender *s)
{
	int rc =
	        cadre_send(cadre_actor_system(self), s->tp->sink, T_SYNC, &s->sent, sizeof s->sent);
	if (!sent_ok(self, s, rc))
		return false;
	s->synced = s->sent;
	return true;
}

/* Sends up to a slice, within the window; a sync every ack_every. */
static void
pump(cadre_actor *self, struct sender *s)
{
	struct tp *tp = s->tp;
	cadre_system *sys = cadre_actor_system(self);
	for (uint64_t i = 0; i < tp->slice && !s->stopping; i++) {
		if (s->sent - s->synced >= tp->ack_every) {
			if (!sync_now(self, s))
				return;
			if (bench_now_ns() >= tp->end_ns)
				s->stopping = true;
			continue;
		}
		if (s->sent - s->acked >= tp->window)
			return; /* the next ack pumps again */
		if (!sent_ok(self, s, cadre_send(sys, tp->sink, T_DATA, tp->buf, tp->size)))
			return;
		s->sent++;
	}
	if (s->stopping) {
		if (s->acked >= s->sent)
			sender_done(self, s, true);
		else if (s->synced < s->sent)
			sync_now(self, s); /* its ack ends the sender */
		return;
	}
	if (cadre_send(sys, cadre_self(self), T_GO, NULL, 0) == 0)
		s->go_pending = true;
	else
		sender_done(self, s, false);
}

static int
sender_start(cadre_actor *self, void *arg)
{
	struct sender *s = (struct sender *)self;
	s->tp = arg;
	pump(self, s);
	return 0;
}

static int
sender_receive(cadre_actor *self, const cadre_msg *m)
{
	struct sender *s = (struct sender *)self;
	uint64_t n;
	switch (m->type) {
	case T_ACK:
		if (m->size != sizeof n)
			return 0;
		memcpy(&n, m->data, sizeof n);
		if (n > s->acked)
			s->acked = n;
		if (s->stopping && s->acked >= s->sent && !s->retry_armed) {
			sender_done(self, s, true);
			return 0;
		}
		break;
	case T_GO:
		s->go_pending = false;
		break;
	case T_RETRY:
		s->retry_armed = false;
		break;
	default:
		return 0;
	}
	if (!s->go_pending && !s->retry_armed)
		pump(self, s);
	return 0;
}

static const cadre_behaviour sender_beh = {.size = sizeof(struct sender),
                                           .start = sender_start,
                                           .receive = sender_receive,
                                           .name = "dist.sender"};

/* One phase of the senders for secs; false if it failed. *sent: the
 * messages sent, *secs: the phase's time, *over: the overflows. Senders
 * that do not finish in time are left their state (leaked). */
static bool
tp_phase(const struct opts *o, cadre_system *sys, cadre_ref sink, const unsigned char *buf,
         uint32_t size, double secs, uint64_t *sent, double *took, uint64_t *over)
{
	struct tp *tp = calloc(1, sizeof *tp);
	if (tp == NULL)
		return false;
	tp->sink = sink;
	tp->size = size;
	tp->window = o->window;
	tp->ack_every = o->ack_every;
	tp->slice = o->slice;
	tp->buf = buf;
	uint64_t t0 = bench_now_ns();
	tp->end_ns = t0 + (uint64_t)(secs * 1e9);
	unsigned spawned = 0;
	for (cadre_ref r; spawned < o->senders; spawned++)
		if (cadre_spawn(sys, &sender_beh, NULL, tp, &r) != 0)
			break;
	double end = bench_now() + secs + 30;
	/* Acquire: pairs with sender_done's release. */
	while (atomic_load_explicit(&tp->finished, memory_order_acquire) < spawned) {
		if (bench_now() > end) {
			note(PROG
			     ": throughput: the senders did not finish within 30 s of the end");
			return false;
		}
		usleep(1000);
	}
	/* Relaxed: ordered after the senders' adds by the acquire above. */
	bool ok = spawned == o->senders &&
	          atomic_load_explicit(&tp->failed, memory_order_relaxed) == 0;
	*sent = atomic_load_explicit(&tp->sent, memory_order_relaxed);
	*over = atomic_load_explicit(&tp->overflows, memory_order_relaxed);
	*took = (double)(atomic_load_explicit(&tp->t_end, memory_order_relaxed) - t0) / 1e9;
	free(tp);
	return ok;
}

bool
dist_throughput(const struct opts *o, cadre_system *sys, cadre_ref sink, uint32_t size)
{
	unsigned char *buf = calloc(1, size);
	struct counts c = {0, 0};
	uint64_t sent = 0, over = 0, over_w = 0;
	double secs = 0;
	bool ok = buf != NULL &&
	          tp_phase(o, sys, sink, buf, size, o->warmup, &sent, &secs, &over_w) &&
	          sink_counts(sys, sink, &c) &&
	          tp_phase(o, sys, sink, buf, size, o->secs, &sent, &secs, &over);
	if (ok && !(sink_counts(sys, sink, &c) && c.msgs == sent && c.bytes == sent * size)) {
		note(PROG ": throughput: sent %" PRIu64 ", the sink counted %" PRIu64 " (%" PRIu64
		          " bytes)",
		     sent, c.msgs, c.bytes);
		ok = false;
	}
	ok = ok && sent > 0 && secs > 0;
	line_head(o, o->local ? "local_throughput" : "dist_throughput", ok ? sent : 0,
	          ok ? secs : 0, ok, size);
	printf(",\"senders\":%u,\"window\":%" PRIu64 ",\"ack_every\":%" PRIu64
	       ",\"bytes_per_sec\":%.0f,\"overflows\":%" PRIu64 ",\"security\":\"%s\"}\n",
	       o->senders, o->window, o->ack_every, ok ? (double)sent * size / secs : 0.0, over,
	       o->curve ? "curve" : "none");
	fflush(stdout);
	if (ok)
		free(buf); /* else senders still running may read it */
	return ok;
}
