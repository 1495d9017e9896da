/* cadre-bench: Savina's trapezoid, written as plain actors through the public
 * API like every workload here. It verifies its own result exactly and
 * knows how many messages it implies. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* Message types (trapezoid). */
enum {
	M_WORK = M_FIRST,
	M_RESULT,
};

/* ---- trapezoid ----------------------------------------------------------------------------------
 * Savina's trapezoidal approximation: the master splits N pieces of
 * [TRAP_LEFT, TRAP_RIGHT] among W workers (M_WORK), each integrates its
 * share and answers its area (M_RESULT) and stops; the master sums them and
 * checks the sum against main's sequential integration within 1e-9
 * (relative). f is 4 / (1 + x^2) on [0, 1] (area pi), in plain arithmetic:
 * this program is not linked with libm. Messages: 2W. */
#define TRAP_LEFT 0.0
#define TRAP_RIGHT 1.0

static double
trap_f(double x)
{
	return 4.0 / (1.0 + x * x);
}

/* The area of pieces [from, to) of n. */
static double
trap_area(uint64_t from, uint64_t to, uint64_t n)
{
	double h = (TRAP_RIGHT - TRAP_LEFT) / (double)n, sum = 0;
	double fl = trap_f(TRAP_LEFT + (double)from * h);

	for (uint64_t j = from; j < to; j++) {
		double fr = trap_f(TRAP_LEFT + (double)(j + 1) * h);
		sum += fl + fr;
		fl = fr;
	}
	return sum * h / 2;
}

struct trap_work {
	uint64_t from, to, n;
};

static int
trap_worker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct trap_work w;

	if (m->type != M_WORK || m->size != sizeof w)
		return BAD("trapezoid worker: unexpected message type %" PRIu32, m->type);
	memcpy(&w, m->data, sizeof w);
	double a = trap_area(w.from, w.to, w.n);
	int rc = cadre_send(cadre_actor_system(self), m->sender, M_RESULT, &a, sizeof a);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour trap_worker_beh = {.size = sizeof(cadre_actor),
                                                .receive = trap_worker_receive,
                                                .stop = on_stop,
                                                .name = "trapezoid_worker"};

struct trap_master {
	cadre_actor base;
	uint64_t workers, got;
	double area;
};

static int
trap_master_start(cadre_actor *self, void *arg)
{
	struct trap_master *t = (struct trap_master *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t n = g_run.sz.trapezoid_n;

	(void)arg;
	t->workers = g_run.sz.trapezoid_w;
	for (uint64_t i = 0; i < t->workers; i++) {
		struct trap_work w = {
		        .from = n * i / t->workers, .to = n * (i + 1) / t->workers, .n = n};
		cadre_ref r;
		int rc = cadre_spawn(sys, &trap_worker_beh, NULL, NULL, &r);
		if (rc == 0)
			rc = cadre_send(sys, r, M_WORK, &w, sizeof w);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
trap_master_receive(cadre_actor *self, const cadre_msg *m)
{
	struct trap_master *t = (struct trap_master *)self;
	double a;

	if (m->type != M_RESULT || m->size != sizeof a)
		return BAD("trapezoid master: unexpected message type %" PRIu32, m->type);
	memcpy(&a, m->data, sizeof a);
	t->area += a;
	if (++t->got < t->workers)
		return 0;
	double want = g_run.dexpect[0], err = (t->area - want) / want;
	g_run.result = t->got;
	if (!(err <= 1e-9 && err >= -1e-9))
		return BAD("trapezoid: area %.17g, sequentially %.17g", t->area, want);
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour trap_master_beh = {.size = sizeof(struct trap_master),
                                                .start = trap_master_start,
                                                .receive = trap_master_receive,
                                                .stop = on_stop,
                                                .name = "trapezoid_master"};

/* ---- the workload ---------------------------------------------------------------------------- */

static void
trap_prep(void *ctx)
{
	g_run.dexpect = ctx;
}

bool
wl_trapezoid(const struct options *o, struct sample *s)
{
	static double want;
	static uint64_t want_n;
	uint64_t w = o->sz.trapezoid_w, n = o->sz.trapezoid_n;
	struct expect e = {.handled = 2 * w, .spawned = w + 1};

	s->msgs = 2 * w;
	s->spawns = w + 1;
	if (want_n != n) { /* the sequential result, once per size */
		want = trap_area(0, n, n);
		want_n = n;
	}
	return run_custom(o, &trap_master_beh, trap_prep, NULL, &want, &e, s);
}
