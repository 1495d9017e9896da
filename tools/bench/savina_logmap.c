/* cadre-bench: Savina's logmap, written as plain actors through the public
 * API like every workload here. It verifies its own result exactly and
 * knows how many messages it implies. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* Message types (logmap). */
enum {
	M_EXIT = M_FIRST,
	M_COMPUTE,
	M_RESULT,
	M_TERM,
};

/* ---- logmap -------------------------------------------------------------------------------------
 * Savina's logistic map: S series actors, each with its own rate computer;
 * a series sends its term to its computer (M_COMPUTE), which answers
 * r x (1 - x) (M_RESULT); after T terms the series sends its last term
 * to the master (M_TERM), closes its computer and stops. The master checks
 * every term, and their sum in series order, bit for bit against main's
 * sequential computation (the same operations in the same order).
 * Messages: 2ST + 2S. */
#define LOGMAP_RATE0 3.46
#define LOGMAP_STEP 0.0025

static double
logmap_rate(uint64_t i)
{
	return LOGMAP_RATE0 + (double)i * LOGMAP_STEP;
}

static double
logmap_x0(uint64_t i)
{
	return (double)(i + 1) * LOGMAP_STEP;
}

struct lm_term {
	double x;
	uint64_t index;
};

static int
lm_computer_receive(cadre_actor *self, const cadre_msg *m)
{
	double x, rate = 0;

	if (m->type == M_EXIT)
		return cadre_stop(self);
	if (m->type != M_COMPUTE || m->size != 2 * sizeof(double))
		return BAD("logmap computer: unexpected message type %" PRIu32, m->type);
	memcpy(&x, m->data, sizeof x);
	memcpy(&rate, (const char *)m->data + sizeof x, sizeof rate);
	x = rate * x * (1.0 - x);
	return cadre_send(cadre_actor_system(self), m->sender, M_RESULT, &x, sizeof x);
}

static const cadre_behaviour lm_computer_beh = {.size = sizeof(cadre_actor),
                                                .receive = lm_computer_receive,
                                                .stop = on_stop,
                                                .name = "rate_computer"};

struct lm_series {
	cadre_actor base;
	cadre_ref computer;
	uint64_t index, terms, n;
	double xr[2]; /* the term and the rate */
};

static int
lm_series_start(cadre_actor *self, void *arg)
{
	struct lm_series *s = (struct lm_series *)self;
	cadre_system *sys = cadre_actor_system(self);

	s->index = (uint64_t)(uintptr_t)arg;
	s->n = g_run.sz.logmap_t;
	s->xr[0] = logmap_x0(s->index);
	s->xr[1] = logmap_rate(s->index);
	int rc = cadre_spawn(sys, &lm_computer_beh, NULL, NULL, &s->computer);
	return rc != 0 ? rc : cadre_send(sys, s->computer, M_COMPUTE, s->xr, sizeof s->xr);
}

static int
lm_series_receive(cadre_actor *self, const cadre_msg *m)
{
	struct lm_series *s = (struct lm_series *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type != M_RESULT || m->size != sizeof(double))
		return BAD("logmap series: unexpected message type %" PRIu32, m->type);
	memcpy(&s->xr[0], m->data, sizeof(double));
	if (++s->terms < s->n)
		return cadre_send(sys, s->computer, M_COMPUTE, s->xr, sizeof s->xr);
	struct lm_term t = {.x = s->xr[0], .index = s->index};
	int rc = cadre_send(sys, g_run.first, M_TERM, &t, sizeof t);
	if (rc == 0)
		rc = cadre_send(sys, s->computer, M_EXIT, NULL, 0);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour lm_series_beh = {.size = sizeof(struct lm_series),
                                              .start = lm_series_start,
                                              .receive = lm_series_receive,
                                              .stop = on_stop,
                                              .name = "logmap_series"};

struct lm_master {
	cadre_actor base;
	uint64_t series, got;
};

static int
lm_master_start(cadre_actor *self, void *arg)
{
	struct lm_master *ms = (struct lm_master *)self;

	(void)arg;
	ms->series = g_run.sz.logmap_s;
	g_run.first = cadre_self(self);
	for (uint64_t i = 0; i < ms->series; i++) {
		cadre_ref r;
		int rc = cadre_spawn(cadre_actor_system(self), &lm_series_beh, NULL,
		                     (void *)(uintptr_t)i, &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
lm_master_receive(cadre_actor *self, const cadre_msg *m)
{
	struct lm_master *ms = (struct lm_master *)self;
	double *terms = g_run.data;
	const double *want = g_run.dexpect;
	struct lm_term t;

	if (m->type != M_TERM || m->size != sizeof t)
		return BAD("logmap master: unexpected message type %" PRIu32, m->type);
	memcpy(&t, m->data, sizeof t);
	if (t.index >= ms->series)
		return BAD("logmap: term of series %" PRIu64, t.index);
	terms[t.index] = t.x;
	if (++ms->got < ms->series)
		return 0;
	double sum = 0;
	for (uint64_t i = 0; i < ms->series; i++) {
		if (terms[i] != want[i])
			return BAD("logmap: series %" PRIu64 " ends at %.17g, expected %.17g", i,
			           terms[i], want[i]);
		sum += terms[i];
	}
	if (sum != want[ms->series])
		return BAD("logmap: sum %.17g, expected %.17g", sum, want[ms->series]);
	g_run.result = ms->got;
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour lm_master_beh = {.size = sizeof(struct lm_master),
                                              .start = lm_master_start,
                                              .receive = lm_master_receive,
                                              .stop = on_stop,
                                              .name = "logmap_master"};

/* ---- the workload ---------------------------------------------------------------------------- */

struct lm_ctx {
	double *terms, *want;
};

static void
lm_prep(void *ctx)
{
	struct lm_ctx *l = ctx;

	g_run.data = l->terms;
	g_run.dexpect = l->want;
}

bool
wl_logmap(const struct options *o, struct sample *s)
{
	uint64_t n = o->sz.logmap_s, t = o->sz.logmap_t;
	struct expect e = {.handled = 2 * n * t + 2 * n, .spawned = 2 * n + 1};
	struct lm_ctx l = {calloc(n, sizeof *l.terms), calloc(n + 1, sizeof *l.want)};
	bool ok = l.terms != NULL && l.want != NULL;

	s->msgs = e.handled;
	s->spawns = 2 * n + 1;
	for (uint64_t i = 0; ok && i < n; i++) {
		double x = logmap_x0(i), rate = logmap_rate(i);
		for (uint64_t k = 0; k < t; k++)
			x = rate * x * (1.0 - x);
		l.want[i] = x;
		l.want[n] += x;
	}
	if (!ok)
		note("%s: out of memory", g_bench);
	else
		ok = run_custom(o, &lm_master_beh, lm_prep, NULL, &l, &e, s);
	free(l.terms);
	free(l.want);
	return ok;
}
