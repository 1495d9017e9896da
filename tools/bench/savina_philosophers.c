/* cadre-bench: Savina's philosophers, written as plain actors through the public
 * API like every workload here. It verifies its own result exactly and
 * knows how many messages it implies (some only once it has run: what
 * depends on timing is reported by the workload, and the counters must
 * match that). */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* Message types (philosophers). */
enum {
	M_EXIT = M_FIRST,
	M_HUNGRY,
	M_EAT,
	M_DENIED,
	M_RELEASE,
};

/* ---- philosophers ----------------------------------------------------------------------------
 * Savina's dining philosophers with an arbitrator that owns the P forks.
 * A philosopher asks (M_HUNGRY); the arbitrator grants both forks
 * (M_EAT) or denies (M_DENIED: ask again). After eating it releases them
 * (M_RELEASE, checked: it must hold both) and, after R meals, reports its
 * meals and denials (M_EXIT) and stops. The arbitrator checks every
 * philosopher ate exactly R times (by its own record and by the
 * philosopher's) and that the denials agree. Messages: 3PR + 2D + P, with
 * D the denials. */
struct ph_exit {
	uint64_t index, meals, denied;
};

struct ph_philosopher {
	cadre_actor base;
	cadre_ref arbitrator;
	uint64_t index, meals, denied, rounds;
};

static int
ph_start(cadre_actor *self, void *arg)
{
	struct ph_philosopher *p = (struct ph_philosopher *)self;

	p->index = (uint64_t)(uintptr_t)arg;
	p->rounds = g_run.sz.philosophers_r;
	p->arbitrator = g_run.first;
	return send_u64(cadre_actor_system(self), p->arbitrator, M_HUNGRY, p->index);
}

static int
ph_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ph_philosopher *p = (struct ph_philosopher *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_DENIED) {
		p->denied++;
		return send_u64(sys, p->arbitrator, M_HUNGRY, p->index);
	}
	if (m->type != M_EAT)
		return BAD("philosopher: unexpected message type %" PRIu32, m->type);
	p->meals++;
	int rc = send_u64(sys, p->arbitrator, M_RELEASE, p->index);
	if (rc != 0)
		return rc;
	if (p->meals < p->rounds)
		return send_u64(sys, p->arbitrator, M_HUNGRY, p->index);
	struct ph_exit ex = {.index = p->index, .meals = p->meals, .denied = p->denied};
	rc = cadre_send(sys, p->arbitrator, M_EXIT, &ex, sizeof ex);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour ph_beh = {.size = sizeof(struct ph_philosopher),
                                       .start = ph_start,
                                       .receive = ph_receive,
                                       .stop = on_stop,
                                       .name = "philosopher"};

struct ph_arbitrator {
	cadre_actor base;
	uint64_t *fork;  /* holder + 1, or 0 */
	uint64_t *meals; /* granted per philosopher */
	uint64_t n, exits, denied, reported;
};

static int
ph_arb_start(cadre_actor *self, void *arg)
{
	struct ph_arbitrator *a = (struct ph_arbitrator *)self;

	(void)arg;
	a->n = g_run.sz.philosophers_p;
	a->fork = calloc(2 * a->n, sizeof *a->fork);
	if (a->fork == NULL)
		return CADRE_ENOMEM;
	a->meals = a->fork + a->n;
	g_run.first = cadre_self(self);
	for (uint64_t i = 0; i < a->n; i++) {
		cadre_ref r;
		int rc = cadre_spawn(cadre_actor_system(self), &ph_beh, NULL, (void *)(uintptr_t)i,
		                     &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
ph_arb_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ph_arbitrator *a = (struct ph_arbitrator *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t i = 0;

	if (m->type == M_HUNGRY || m->type == M_RELEASE) {
		if (!get_u64(m, &i) || i >= a->n)
			return BAD("philosophers: bad philosopher %" PRIu64, i);
		uint64_t l = i, r = (i + 1) % a->n;
		if (m->type == M_RELEASE) {
			if (a->fork[l] != i + 1 || a->fork[r] != i + 1)
				return BAD("philosophers: %" PRIu64
				           " released forks it did not hold",
				           i);
			a->fork[l] = a->fork[r] = 0;
			return 0;
		}
		if (a->fork[l] != 0 || a->fork[r] != 0) {
			a->denied++;
			return cadre_send(sys, m->sender, M_DENIED, NULL, 0);
		}
		a->fork[l] = a->fork[r] = i + 1;
		a->meals[i]++;
		return cadre_send(sys, m->sender, M_EAT, NULL, 0);
	}
	struct ph_exit ex;
	if (m->type != M_EXIT || m->size != sizeof ex)
		return BAD("arbitrator: unexpected message type %" PRIu32, m->type);
	memcpy(&ex, m->data, sizeof ex);
	uint64_t r = g_run.sz.philosophers_r;
	if (ex.index >= a->n || ex.meals != r || a->meals[ex.index] != r)
		return BAD("philosophers: philosopher %" PRIu64 " ate %" PRIu64
		           " times (arbitrator: %" PRIu64 "), expected %" PRIu64,
		           ex.index, ex.meals, ex.index < a->n ? a->meals[ex.index] : 0, r);
	a->reported += ex.denied;
	if (++a->exits < a->n)
		return 0;
	if (a->reported != a->denied)
		return BAD("philosophers: %" PRIu64 " denials reported, %" PRIu64 " sent",
		           a->reported, a->denied);
	for (uint64_t k = 0; k < a->n; k++)
		if (a->fork[k] != 0)
			return BAD("philosophers: fork %" PRIu64 " still held", k);
	g_run.result = a->n * r;
	g_run.extra[0] = a->denied;
	run_done();
	return cadre_stop(self);
}

static void
ph_arb_stop(cadre_actor *self, const cadre_exit *why)
{
	struct ph_arbitrator *a = (struct ph_arbitrator *)self;

	free(a->fork);
	on_stop(self, why);
}

static const cadre_behaviour ph_arb_beh = {.size = sizeof(struct ph_arbitrator),
                                           .start = ph_arb_start,
                                           .receive = ph_arb_receive,
                                           .stop = ph_arb_stop,
                                           .name = "arbitrator"};

/* ---- the workload ---------------------------------------------------------------------------- */

static void
ph_fix(struct expect *e, struct sample *s)
{
	uint64_t p = g_run.sz.philosophers_p, r = g_run.sz.philosophers_r, d = g_run.extra[0];

	e->handled = 3 * p * r + 2 * d + p;
	s->msgs = e->handled;
}

bool
wl_philosophers(const struct options *o, struct sample *s)
{
	uint64_t p = o->sz.philosophers_p, r = o->sz.philosophers_r;
	struct expect e = {.handled = 3 * p * r + p, .spawned = p + 1};

	s->msgs = e.handled;
	s->spawns = p + 1;
	bool ok = run_custom(o, &ph_arb_beh, NULL, ph_fix, NULL, &e, s);
	if (ok && g_run.result != p * r) {
		note("%s: FAILED: %" PRIu64 " meals, expected %" PRIu64, g_bench, g_run.result,
		     p * r);
		ok = false;
	}
	return ok;
}
