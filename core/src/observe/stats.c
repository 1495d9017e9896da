/* Cadre: the walk of live actors (cadre/stats.h).
 *
 * Design notes.
 *
 * A walk never stops the system. It holds the system as any sender does
 * (an outside section, or nothing on one of its workers: reclaim/), so an
 * actor it finds in the table is not freed before the walk leaves, even if
 * it stops meanwhile; it reads each slot with acquire, as a lookup does,
 * so actors spawned during the walk are seen whole or not at all.
 *
 * What it reads of an actor is written by other threads while it reads:
 * every field is read with a relaxed atomic load, and written by atomics
 * (the sig word, mb.head and mb.count by RMW; the behaviour, the worker's
 * current actor and the per-actor counters by relaxed stores of their one
 * writer). The answer is a snapshot of each field, not a consistent cut.
 *
 *   state    sig's STOP (a stop request pushed) or IO_DONE (finished):
 *            stopping; a worker's `current`: running; mb.head's IDLE tag:
 *            idle; otherwise runnable (queued, muted, or not started).
 *   mailbox  a bounded mailbox's admitted count; an unbounded one's pushes
 *            less its owner's takes, with per-actor counters; else 0.
 *   names    the registry is keyed by name: a walk copies (ref, name)
 *            pairs once, sorted, and looks each actor up in them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadre__observe.h"

/* ---- text ------------------------------------------------------------------- */
void
cadre__text_put(struct cadre__text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->n + n + 1 > t->cap) {
		size_t cap = t->cap == 0 ? 4096 : t->cap;
		while (cap < t->n + n + 1)
			cap *= 2;
		char *p = realloc(t->p, cap);
		if (p == NULL) {
			t->oom = true;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->n, s, n);
	t->n += n;
	t->p[t->n] = '\0';
}

void
cadre__text_printf(struct cadre__text *t, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf) {
		t->oom = true; /* never with the short formats used here */
		return;
	}
	cadre__text_put(t, buf, (size_t)n);
}

void
cadre__text_free(struct cadre__text *t)
{
	free(t->p);
	*t = (struct cadre__text){0};
}

/* ---- registered names -------------------------------------------------------- */
struct cadre__named {
	uint64_t v; /* index << 32 | gen */
	const char *name;
};

static void
name_add(void *ctx, const char *name, uint64_t v)
{
	struct cadre__names *nm = ctx;
	if (nm->oom)
		return;
	if (nm->n == nm->cap) {
		size_t cap = nm->cap == 0 ? 64 : nm->cap * 2;
		struct cadre__named *e = realloc(nm->e, cap * sizeof *e);
		if (e == NULL) {
			nm->oom = true;
			return;
		}
		nm->e = e;
		nm->cap = cap;
	}
	nm->e[nm->n++] = (struct cadre__named){v, name};
}

static int
named_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct cadre__named *)a)->v, y = ((const struct cadre__named *)b)->v;
	return x < y ? -1 : x > y;
}

static const char *
name_find(const struct cadre__names *nm, uint64_t v)
{
	size_t lo = 0, hi = nm->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (nm->e[mid].v < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nm->n && nm->e[lo].v == v ? nm->e[lo].name : NULL;
}

/* ---- one actor ---------------------------------------------------------------- */
int
cadre__walk_begin(struct cadre__walk *wk, struct cadre_system *sys)
{
	*wk = (struct cadre__walk){.sys = sys, .ns_per_tick = 1.0};
	cadre__registry_each(sys, name_add, &wk->names);
	if (wk->names.oom) {
		free(wk->names.e);
		return CADRE_ENOMEM;
	}
	if (wk->names.n > 1)
		qsort(wk->names.e, wk->names.n, sizeof *wk->names.e, named_cmp);
	uint64_t ticks = cadre__ticks() - sys->start_ticks;
	uint64_t ns = cadre__now_ns() - sys->start_ns;
	if (ticks != 0 && ns != 0)
		wk->ns_per_tick = (double)ns / (double)ticks;
	return 0;
}

void
cadre__walk_end(struct cadre__walk *wk)
{
	free(wk->names.e);
	wk->names = (struct cadre__names){0};
}

const char *const cadre__actor_state_names[4] = {"idle", "runnable", "running", "stopping"};

static cadre_actor_state
state_of(struct cadre_system *sys, struct cadre__actor *a)
{
	/* Relaxed loads throughout: snapshots (Design notes). */
	if (cadre__load_rlx_u32(&a->sig) & (CADRE__SIG_F_STOP | CADRE__SIG_F_IO_DONE))
		return CADRE_ACTOR_STOPPING;
	for (unsigned i = 0; i < sys->nall; i++)
		if (cadre__load_rlx_ptr((void *const *)&sys->workers[i].current) == a)
			return CADRE_ACTOR_RUNNING;
	if ((uintptr_t)cadre__load_rlx_ptr(&a->mb.head) & CADRE__MB_IDLE)
		return CADRE_ACTOR_IDLE;
	return CADRE_ACTOR_RUNNABLE;
}

static void
copy_name(char *dst, size_t cap, const char *src)
{
	size_t n = src != NULL ? strnlen(src, cap - 1) : 0;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

void
cadre__walk_info(const struct cadre__walk *wk, struct cadre__actor *a, cadre_actor_info *out)
{
	struct cadre_system *sys = wk->sys;
	const cadre_behaviour *beh = cadre__actor_beh(a);
	memset(out, 0, sizeof *out);
	out->ref = cadre__ref_of(sys, a);
	out->state = state_of(sys, a);
	copy_name(out->behaviour, sizeof out->behaviour, beh->name);
	copy_name(out->name, sizeof out->name,
	          name_find(&wk->names, (uint64_t)a->index << 32 | a->gen));
	struct cadre__astats *st = sys->actor_stats ? cadre__astats_of(a, beh->size) : NULL;
	if (a->mb.capacity != 0) {
		out->mailbox = cadre__load_rlx_u32(&a->mb.count); /* a snapshot */
	} else if (st != NULL) {
		/* Takes first, then pushes: pushes are counted before their
		 * link, so what is read second is never below what was taken. */
		uint32_t taken = cadre__load_rlx_u32(&st->dequeued);
		uint32_t len = cadre__load_rlx_u32(&a->mb.count) - taken; /* mod 2^32 */
		out->mailbox = len <= INT32_MAX ? len : 0;
	}
	if (st == NULL)
		return;
	out->handled = cadre__load_rlx_u64(&st->handled);
	out->runs = cadre__load_rlx_u64(&st->runs);
	out->run_ns = (uint64_t)((double)cadre__load_rlx_u64(&st->run_ticks) * wk->ns_per_tick);
	out->restarts = st->restarts; /* immutable since the spawn */
}

/* ---- the public walks ---------------------------------------------------------- */
struct each {
	struct cadre__walk wk;
	cadre_actor_info_fn fn;
	void *ctx;
	int count;
	bool done;
};

static void
each_one(void *ctx, struct cadre__actor *a)
{
	struct each *e = ctx;
	if (e->done)
		return;
	cadre_actor_info info;
	cadre__walk_info(&e->wk, a, &info);
	if (e->count < INT32_MAX)
		e->count++;
	if (e->fn(e->ctx, &info) != 0)
		e->done = true;
}

int
cadre_system_each_actor(cadre_system *sys, cadre_actor_info_fn fn, void *ctx)
{
	if (sys == NULL || fn == NULL)
		return CADRE_EINVAL;
	struct cadre__worker *w = cadre__my_worker(sys);
	cadre__enter(sys, w);
	/* Acquire: as in cadre__hold (pairs with shutdown's exchange). */
	if (cadre__load_acq_u32(&sys->closing)) {
		cadre__leave(sys, w);
		return CADRE_ECLOSED;
	}
	struct each e = {.fn = fn, .ctx = ctx};
	int rc = cadre__walk_begin(&e.wk, sys);
	if (rc == 0) {
		cadre__table_each(&sys->table, each_one, &e);
		cadre__walk_end(&e.wk);
	}
	cadre__leave(sys, w);
	return rc != 0 ? rc : e.count;
}

struct fill {
	cadre_actor_info *buf;
	size_t cap, n;
};

static int
fill_one(void *ctx, const cadre_actor_info *info)
{
	struct fill *f = ctx;
	if (f->n == f->cap)
		return 1;
	f->buf[f->n++] = *info;
	return 0;
}

int
cadre_system_actors(cadre_system *sys, cadre_actor_info *buf, size_t cap)
{
	if (sys == NULL || (buf == NULL && cap > 0))
		return CADRE_EINVAL;
	if (cap > INT32_MAX)
		cap = INT32_MAX;
	struct fill f = {buf, cap, 0};
	int rc = cadre_system_each_actor(sys, fill_one, &f);
	return rc < 0 ? rc : (int)f.n;
}

int
cadre_actor_stats(cadre_system *sys, cadre_ref ref, cadre_actor_info *out)
{
	if (sys == NULL || out == NULL)
		return CADRE_EINVAL;
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__actor *a;
	int rc = cadre__hold(sys, w, ref, &a);
	if (rc != 0)
		return rc;
	struct cadre__walk wk;
	rc = cadre__walk_begin(&wk, sys);
	if (rc == 0) {
		cadre__walk_info(&wk, a, out);
		cadre__walk_end(&wk);
	}
	cadre__leave(sys, w);
	return rc;
}

bool
cadre_system_has_actor_stats(const cadre_system *sys)
{
	return sys != NULL && sys->actor_stats;
}
