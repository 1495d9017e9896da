/* Cadre: the observe endpoint's snapshot, as one line of JSON (the
 * protocol: docs/guide.md, "Observing a running system").
 *
 * Design notes.
 *
 * One walk, inside one hold of the system (reclaim/): the actors' pointers
 * stay valid until it ends. The first pass keeps each live actor's
 * pointer and the three keys the top lists rank by (mailbox, run_ns,
 * handled); with more actors than the limit, the union of the top limit/3
 * by each key is kept; the second pass reads those again, whole, and
 * writes them. Numbers are written as unsigned decimals; strings are
 * escaped (quotes, backslashes, control characters as \u00XX).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cadre__observe.h"

static void
put_str(struct cadre__text *t, const char *s)
{
	if (s == NULL || s[0] == '\0') {
		cadre__text_put(t, "null", 4);
		return;
	}
	cadre__text_put(t, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = {'\\', (char)*p};
			cadre__text_put(t, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			cadre__text_printf(t, "\\u%04x", *p);
		} else {
			cadre__text_put(t, (const char *)p, 1);
		}
	}
	cadre__text_put(t, "\"", 1);
}

static void
put_head(struct cadre_system *sys, struct cadre__text *t, uint64_t now)
{
	cadre_stats s;
	(void)cadre_system_stats(sys, -1, &s); /* sys is valid: 0 */
	cadre__text_printf(t,
	                   "{\"cadre\":1,\"pid\":%ld,\"now_ns\":%" PRIu64 ",\"uptime_ns\":%" PRIu64,
	                   (long)getpid(), now, now - sys->start_ns);
	cadre__text_printf(t,
	                   ",\"system\":{\"sent\":%" PRIu64 ",\"handled\":%" PRIu64
	                   ",\"dead_letters\":%" PRIu64 ",\"spawned\":%" PRIu64
	                   ",\"stopped\":%" PRIu64,
	                   s.sent, s.handled, s.dead_letters, s.spawned, s.stopped);
	cadre__text_printf(t,
	                   ",\"actors_alive\":%" PRIu64 ",\"restarts\":%" PRIu64
	                   ",\"mutes\":%" PRIu64 ",\"unmutes\":%" PRIu64 "},\"workers\":[",
	                   s.actors_alive, s.restarts, s.mutes, s.unmutes);
	unsigned active = cadre__load_rlx_u32(&sys->active); /* relaxed: a hint */
	for (unsigned i = 0; i < sys->nworkers; i++) {
		cadre_stats ws;
		(void)cadre_system_stats(sys, (int)i, &ws); /* i is in range: 0 */
		int cpu = cadre_system_worker_cpu(sys, i);
		cadre__text_printf(t,
		                   "%s{\"index\":%u,\"cpu\":%d,\"active\":%s,\"runs\":%" PRIu64
		                   ",\"messages\":%" PRIu64 ",\"steals\":%" PRIu64,
		                   i == 0 ? "" : ",", i, cpu < 0 ? -1 : cpu,
		                   i < active ? "true" : "false", ws.batches, ws.handled,
		                   ws.steals);
		cadre__text_printf(t,
		                   ",\"parks\":%" PRIu64 ",\"wakeups\":%" PRIu64
		                   ",\"busy_ns\":%" PRIu64 ",\"idle_ns\":%" PRIu64
		                   ",\"runq\":%" PRIu64 "}",
		                   ws.parks, ws.wakeups, ws.busy_ns, ws.idle_ns, ws.runq);
	}
	cadre__text_printf(t, "],\"actor_stats\":%s", sys->actor_stats ? "true" : "false");
}

static void
put_actor(struct cadre__text *t, const cadre_actor_info *in, bool first)
{
	cadre__text_printf(t, "%s{\"ref\":\"<%u.%u.%u>\",\"behaviour\":", first ? "" : ",",
	                   in->ref.sys, in->ref.index, in->ref.gen);
	put_str(t, in->behaviour);
	cadre__text_put(t, ",\"name\":", 8);
	put_str(t, in->name);
	cadre__text_printf(t,
	                   ",\"state\":\"%s\",\"mailbox\":%" PRIu64 ",\"handled\":%" PRIu64
	                   ",\"runs\":%" PRIu64 ",\"run_ns\":%" PRIu64 ",\"restarts\":%" PRIu64 "}",
	                   cadre__actor_state_names[in->state & 3u], in->mailbox, in->handled,
	                   in->runs, in->run_ns, in->restarts);
}

/* ---- choosing the actors shown ----------------------------------------------- */
struct key {
	struct cadre__actor *a;
	uint64_t k[3]; /* mailbox, run_ns, handled */
	bool keep;
};

struct pass {
	struct cadre__walk wk;
	struct key *e;
	size_t n, cap;
	bool oom;
};

static void
collect(void *ctx, struct cadre__actor *a)
{
	struct pass *p = ctx;
	if (p->oom)
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap == 0 ? 1024 : p->cap * 2;
		struct key *e = realloc(p->e, cap * sizeof *e);
		if (e == NULL) {
			p->oom = true;
			return;
		}
		p->e = e;
		p->cap = cap;
	}
	cadre_actor_info in;
	cadre__walk_info(&p->wk, a, &in);
	p->e[p->n++] = (struct key){a, {in.mailbox, in.run_ns, in.handled}, false};
}

#define KEY_CMP(i)                                                  \
	static int key_cmp##i(const void *x, const void *y)         \
	{                                                           \
		uint64_t a = (*(struct key *const *)x)->k[i];       \
		uint64_t b = (*(struct key *const *)y)->k[i];       \
		return a < b ? 1 : a > b ? -1 : 0; /* descending */ \
	}
KEY_CMP(0)
KEY_CMP(1)
KEY_CMP(2)
static int (*const key_cmp[3])(const void *, const void *) = {key_cmp0, key_cmp1, key_cmp2};

/* Marks the union of the top `each` by every key (top `limit` by mailbox
 * when limit < 3). */
static int
choose(struct pass *p, unsigned limit)
{
	struct key **idx = malloc(p->n * sizeof *idx);
	if (idx == NULL)
		return CADRE_ENOMEM;
	size_t each = limit / 3u, keys = 3;
	if (each == 0) {
		each = limit;
		keys = 1;
	}
	for (size_t i = 0; i < p->n; i++)
		idx[i] = &p->e[i];
	for (unsigned k = 0; k < keys; k++) {
		qsort(idx, p->n, sizeof *idx, key_cmp[k]);
		for (size_t i = 0; i < each && i < p->n; i++)
			idx[i]->keep = true;
	}
	free(idx);
	return 0;
}

static int
put_actors(struct cadre_system *sys, struct cadre__text *t, unsigned limit)
{
	struct pass p = {0};
	int rc = cadre__walk_begin(&p.wk, sys);
	if (rc != 0)
		return rc;
	cadre__table_each(&sys->table, collect, &p);
	if (p.oom)
		rc = CADRE_ENOMEM;
	else if (p.n > limit)
		rc = choose(&p, limit);
	else
		for (size_t i = 0; i < p.n; i++)
			p.e[i].keep = true;
	if (rc == 0) {
		cadre__text_printf(t, ",\"actors_total\":%zu,\"actors\":[", p.n);
		bool first = true;
		for (size_t i = 0; i < p.n; i++) {
			if (!p.e[i].keep)
				continue;
			cadre_actor_info in;
			cadre__walk_info(&p.wk, p.e[i].a, &in);
			put_actor(t, &in, first);
			first = false;
		}
		cadre__text_put(t, "]}\n", 3);
	}
	cadre__walk_end(&p.wk);
	free(p.e);
	return rc;
}

int
cadre__observe_json(struct cadre_system *sys, unsigned limit, struct cadre__text *t)
{
	struct cadre__worker *w = cadre__my_worker(sys);
	cadre__enter(sys, w);
	/* Acquire: as in cadre__hold (pairs with shutdown's exchange). */
	int rc = cadre__load_acq_u32(&sys->closing) ? CADRE_ECLOSED : 0;
	if (rc == 0) {
		put_head(sys, t, cadre__now_ns());
		rc = put_actors(sys, t, limit);
	}
	cadre__leave(sys, w);
	return rc != 0 ? rc : t->oom ? CADRE_ENOMEM : 0;
}
