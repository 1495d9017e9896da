/* cadre-top's model: a snapshot decoded from the endpoint's JSON, the rates
 * between two snapshots (every counter is cumulative; rates are deltas over
 * the wall time between them), and the sort orders of the actor table. */
#include "json.h"
#include "top.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

static int
decode_workers(top_snap *s, const json_value *arr)
{
	if (arr == NULL || arr->kind != JSON_ARRAY)
		return -1;
	s->workers = calloc(arr->count ? arr->count : 1, sizeof *s->workers);
	if (s->workers == NULL)
		return -1;
	for (const json_value *w = arr->first; w != NULL; w = w->next) {
		top_worker *o = &s->workers[s->nworkers++];
		const json_value *cpu = json_get(w, "cpu");
		o->index = (unsigned)json_u64(w, "index");
		o->cpu = (cpu != NULL && cpu->kind == JSON_NUMBER) ? (int)cpu->number : -1;
		o->active = json_bool(w, "active");
		o->runs = json_u64(w, "runs");
		o->messages = json_u64(w, "messages");
		o->steals = json_u64(w, "steals");
		o->parks = json_u64(w, "parks");
		o->wakeups = json_u64(w, "wakeups");
		o->busy_ns = json_u64(w, "busy_ns");
		o->idle_ns = json_u64(w, "idle_ns");
		o->runq = json_u64(w, "runq");
		o->util = -1;
	}
	return 0;
}

static int
decode_actors(top_snap *s, const json_value *arr)
{
	if (arr == NULL || arr->kind != JSON_ARRAY)
		return -1;
	s->actors = calloc(arr->count ? arr->count : 1, sizeof *s->actors);
	if (s->actors == NULL)
		return -1;
	for (const json_value *a = arr->first; a != NULL; a = a->next) {
		top_actor *o = &s->actors[s->nactors++];
		copy_str(o->ref, sizeof o->ref, json_str(a, "ref"));
		copy_str(o->behaviour, sizeof o->behaviour, json_str(a, "behaviour"));
		copy_str(o->name, sizeof o->name, json_str(a, "name"));
		copy_str(o->state, sizeof o->state, json_str(a, "state"));
		o->mailbox = json_u64(a, "mailbox");
		o->handled = json_u64(a, "handled");
		o->runs = json_u64(a, "runs");
		o->run_ns = json_u64(a, "run_ns");
		o->restarts = json_u64(a, "restarts");
		o->rate = -1;
		o->cpu = -1;
	}
	return 0;
}

int
top_snap_decode(top_snap *s, const char *text, size_t len, char *err, size_t errsize)
{
	memset(s, 0, sizeof *s);
	json_doc doc;
	if (json_parse(&doc, text, len, err, errsize) != 0)
		return -1;
	const json_value *r = doc.root;
	const char *e = json_str(r, "error");
	int rc = -1;
	if (e != NULL) {
		snprintf(err, errsize, "the endpoint answered: %s", e);
	} else if (r->kind != JSON_OBJECT || json_u64(r, "cadre") != 1) {
		snprintf(err, errsize, "not a Cadre snapshot (no \"cadre\":1)");
	} else {
		const json_value *sys = json_get(r, "system");
		s->pid = (long)json_u64(r, "pid");
		s->now_ns = json_u64(r, "now_ns");
		s->uptime_ns = json_u64(r, "uptime_ns");
		s->sent = json_u64(sys, "sent");
		s->handled = json_u64(sys, "handled");
		s->dead_letters = json_u64(sys, "dead_letters");
		s->spawned = json_u64(sys, "spawned");
		s->stopped = json_u64(sys, "stopped");
		s->actors_alive = json_u64(sys, "actors_alive");
		s->restarts = json_u64(sys, "restarts");
		s->mutes = json_u64(sys, "mutes");
		s->unmutes = json_u64(sys, "unmutes");
		s->actor_stats = json_bool(r, "actor_stats");
		s->actors_total = json_u64(r, "actors_total");
		if (sys == NULL || decode_workers(s, json_get(r, "workers")) != 0 ||
		    decode_actors(s, json_get(r, "actors")) != 0)
			snprintf(err, errsize, "a snapshot without system, workers or actors");
		else
			rc = 0;
	}
	json_free(&doc);
	if (rc != 0)
		top_snap_free(s);
	return rc;
}

void
top_snap_free(top_snap *s)
{
	free(s->workers);
	free(s->actors);
	memset(s, 0, sizeof *s);
}

static int
cmp_ref(const void *a, const void *b)
{
	return strcmp(((const top_actor *)a)->ref, ((const top_actor *)b)->ref);
}

/* A counter's growth per second; a counter that went back (a restarted
 * program on the same path) counts from zero. */
static double
per_s(uint64_t cur, uint64_t prev, double secs)
{
	return (double)(cur >= prev ? cur - prev : cur) / secs;
}

static void
actor_rates(top_snap *cur, const top_snap *prev, double secs)
{
	/* prev's actors sorted by ref, for a binary search per actor. */
	top_actor *old = malloc((prev->nactors ? prev->nactors : 1) * sizeof *old);
	if (old == NULL)
		return;
	memcpy(old, prev->actors, prev->nactors * sizeof *old);
	qsort(old, prev->nactors, sizeof *old, cmp_ref);
	for (size_t i = 0; i < cur->nactors; i++) {
		top_actor *a = &cur->actors[i];
		const top_actor *p = bsearch(a, old, prev->nactors, sizeof *old, cmp_ref);
		if (p == NULL || p->handled > a->handled)
			continue; /* first sight (or a new actor with a reused ref) */
		a->rate = per_s(a->handled, p->handled, secs);
		a->cpu = per_s(a->run_ns, p->run_ns, secs) / 1e9;
	}
	free(old);
}

void
top_snap_rates(top_snap *cur, const top_snap *prev)
{
	if (prev == NULL || prev->pid != cur->pid || cur->now_ns <= prev->now_ns)
		return;
	double secs = (double)(cur->now_ns - prev->now_ns) / 1e9;
	cur->has_rates = true;
	cur->interval_s = secs;
	cur->sent_s = per_s(cur->sent, prev->sent, secs);
	cur->handled_s = per_s(cur->handled, prev->handled, secs);
	cur->dead_s = per_s(cur->dead_letters, prev->dead_letters, secs);
	cur->restarts_s = per_s(cur->restarts, prev->restarts, secs);
	for (size_t i = 0; i < cur->nworkers; i++) {
		top_worker *w = &cur->workers[i];
		for (size_t j = 0; j < prev->nworkers; j++) {
			if (prev->workers[j].index != w->index)
				continue;
			double u = per_s(w->busy_ns, prev->workers[j].busy_ns, secs) / 1e9;
			w->util = u > 1 ? 1 : u;
		}
	}
	actor_rates(cur, prev, secs);
}

/* ---- sorting ----------------------------------------------------------- */

static const struct {
	int key;
	const char *name;
} sorts[] = {
        [TOP_SORT_MAILBOX] = {'m', "mailbox"},   [TOP_SORT_RATE] = {'r', "rate"},
        [TOP_SORT_CPU] = {'c', "cpu"},           [TOP_SORT_NAME] = {'n', "name"},
        [TOP_SORT_STATE] = {'s', "state"},       [TOP_SORT_BEHAVIOUR] = {'b', "behaviour"},
        [TOP_SORT_RESTARTS] = {'x', "restarts"},
};

int
top_sort_for_key(int key)
{
	for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++)
		if (sorts[i].key == key)
			return (int)i;
	return -1;
}

int
top_sort_for_name(const char *name)
{
	for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++)
		if (strcmp(sorts[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
top_sort_name(top_sort s)
{
	return sorts[s].name;
}

static int
desc_u64(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int
desc_double(double a, double b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

/* Running first, then runnable, stopping, idle: busy actors on top. */
static int
state_rank(const char *s)
{
	static const char *order[] = {"running", "runnable", "stopping", "idle"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, order[i]) == 0)
			return i;
	return 4;
}

static top_sort sort_by;

static int
cmp_actor(const void *pa, const void *pb)
{
	const top_actor *a = pa, *b = pb;
	int c = 0;
	switch (sort_by) {
	case TOP_SORT_MAILBOX:
		c = desc_u64(a->mailbox, b->mailbox);
		break;
	case TOP_SORT_RATE:
		c = desc_double(a->rate, b->rate);
		break;
	case TOP_SORT_CPU:
		c = desc_double(a->cpu, b->cpu);
		break;
	case TOP_SORT_RESTARTS:
		c = desc_u64(a->restarts, b->restarts);
		break;
	case TOP_SORT_STATE:
		c = state_rank(a->state) - state_rank(b->state);
		break;
	case TOP_SORT_BEHAVIOUR:
		c = strcmp(a->behaviour, b->behaviour);
		break;
	case TOP_SORT_NAME:
		/* Named actors first, by name; then the unnamed by behaviour. */
		c = (a->name[0] == '\0') - (b->name[0] == '\0');
		if (c == 0)
			c = strcmp(a->name, b->name);
		if (c == 0)
			c = strcmp(a->behaviour, b->behaviour);
		break;
	}
	if (c == 0)
		c = desc_u64(a->mailbox, b->mailbox);
	if (c == 0)
		c = desc_double(a->rate, b->rate);
	return c != 0 ? c : strcmp(a->ref, b->ref);
}

void
top_snap_sort(top_snap *s, top_sort by)
{
	sort_by = by;
	qsort(s->actors, s->nactors, sizeof *s->actors, cmp_actor);
}
