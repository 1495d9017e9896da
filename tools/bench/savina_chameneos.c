/* cadre-bench: Savina's chameneos, written as plain actors through the public
 * API like every workload here. It verifies its own result exactly and
 * knows how many messages it implies. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* Message types (chameneos). */
enum {
	M_EXIT = M_FIRST,
	M_MEET,
	M_MATE,
	M_CHANGE,
	M_COUNT,
};

/* ---- chameneos ------------------------------------------------------------------------------
 * chameneos-redux: C creatures of three colours ask the mall (the meeting
 * place) for a meeting. The mall keeps one waiting creature; when a second
 * arrives it sends it the first one's colour and ref (M_MATE); that one
 * takes the complement colour and tells the first (M_CHANGE: its old and
 * new colours), which must arrive at the same colour by the same rule.
 * After N meetings the mall answers every request with M_EXIT; a creature
 * then reports its meetings (M_COUNT) and stops. The mall checks each
 * creature's count against its own record and the sum against 2N.
 * Messages: (2N + C) requests, N mates, N changes, C exits, C counts. */
struct ch_meet {
	uint32_t colour, index;
};

struct ch_mate {
	cadre_ref ref;
	uint32_t colour, index;
};

struct ch_change {
	uint32_t old_colour, new_colour, index, pad_;
};

struct ch_count {
	uint64_t meetings;
	uint32_t index, pad_;
};

static uint32_t
ch_complement(uint32_t a, uint32_t b)
{
	return a == b ? a : 3 - a - b; /* blue 0, red 1, yellow 2 */
}

struct ch_creature {
	cadre_actor base;
	cadre_ref mall;
	uint64_t meetings;
	uint32_t colour, index;
};

static int
ch_request(struct ch_creature *c)
{
	struct ch_meet mt = {.colour = c->colour, .index = c->index};

	return cadre_send(cadre_actor_system(&c->base), c->mall, M_MEET, &mt, sizeof mt);
}

static int
ch_creature_start(cadre_actor *self, void *arg)
{
	struct ch_creature *c = (struct ch_creature *)self;

	c->index = (uint32_t)(uintptr_t)arg;
	c->colour = c->index % 3;
	c->mall = g_run.first; /* written by the mall before it spawned us */
	return ch_request(c);
}

static int
ch_creature_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ch_creature *c = (struct ch_creature *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_MATE && m->size == sizeof(struct ch_mate)) {
		struct ch_mate mate;
		memcpy(&mate, m->data, sizeof mate);
		if (mate.index == c->index || cadre_ref_is_equal(mate.ref, cadre_self(self)))
			return BAD("chameneos: creature %" PRIu32 " met itself", c->index);
		struct ch_change ch = {.old_colour = c->colour,
		                       .new_colour = ch_complement(c->colour, mate.colour),
		                       .index = c->index};
		int rc = cadre_send(sys, mate.ref, M_CHANGE, &ch, sizeof ch);
		if (rc != 0)
			return rc;
		c->colour = ch.new_colour;
		c->meetings++;
		return ch_request(c);
	}
	if (m->type == M_CHANGE && m->size == sizeof(struct ch_change)) {
		struct ch_change ch;
		memcpy(&ch, m->data, sizeof ch);
		uint32_t want = ch_complement(c->colour, ch.old_colour);
		if (ch.new_colour != want || ch.index == c->index)
			return BAD("chameneos: creature %" PRIu32 " (colour %" PRIu32
			           ") met %" PRIu32 " (colour %" PRIu32 "), which became %" PRIu32
			           ", expected %" PRIu32,
			           c->index, c->colour, ch.index, ch.old_colour, ch.new_colour,
			           want);
		c->colour = ch.new_colour;
		c->meetings++;
		return ch_request(c);
	}
	if (m->type == M_EXIT) {
		struct ch_count cnt = {.meetings = c->meetings, .index = c->index};
		int rc = cadre_send(sys, c->mall, M_COUNT, &cnt, sizeof cnt);
		return rc != 0 ? rc : cadre_stop(self);
	}
	return BAD("chameneos creature: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour ch_creature_beh = {.size = sizeof(struct ch_creature),
                                                .start = ch_creature_start,
                                                .receive = ch_creature_receive,
                                                .stop = on_stop,
                                                .name = "chameneos_creature"};

struct ch_mall {
	cadre_actor base;
	uint64_t left, creatures, reported, sum;
	uint64_t *met; /* meetings per creature, as the mall arranged them */
	bool waiting;
	struct ch_mate first;
};

static int
ch_mall_start(cadre_actor *self, void *arg)
{
	struct ch_mall *ml = (struct ch_mall *)self;

	(void)arg;
	ml->left = g_run.sz.chameneos_n;
	ml->creatures = g_run.sz.chameneos_c;
	ml->met = calloc(ml->creatures, sizeof *ml->met);
	if (ml->met == NULL)
		return CADRE_ENOMEM;
	g_run.first = cadre_self(self);
	for (uint64_t i = 0; i < ml->creatures; i++) {
		cadre_ref r;
		int rc = cadre_spawn(cadre_actor_system(self), &ch_creature_beh, NULL,
		                     (void *)(uintptr_t)i, &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
ch_mall_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ch_mall *ml = (struct ch_mall *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_MEET && m->size == sizeof(struct ch_meet)) {
		struct ch_meet mt;
		memcpy(&mt, m->data, sizeof mt);
		if (mt.index >= ml->creatures || mt.colour > 2)
			return BAD("chameneos: bad request (creature %" PRIu32 ", colour %" PRIu32
			           ")",
			           mt.index, mt.colour);
		if (ml->left == 0)
			return cadre_send(sys, m->sender, M_EXIT, NULL, 0);
		if (!ml->waiting) {
			ml->first = (struct ch_mate){m->sender, mt.colour, mt.index};
			ml->waiting = true;
			return 0;
		}
		ml->waiting = false;
		ml->left--;
		ml->met[ml->first.index]++;
		ml->met[mt.index]++;
		return cadre_send(sys, m->sender, M_MATE, &ml->first, sizeof ml->first);
	}
	if (m->type != M_COUNT || m->size != sizeof(struct ch_count))
		return BAD("chameneos mall: unexpected message type %" PRIu32, m->type);
	struct ch_count cnt;
	memcpy(&cnt, m->data, sizeof cnt);
	if (cnt.index >= ml->creatures || cnt.meetings != ml->met[cnt.index])
		return BAD("chameneos: creature %" PRIu32 " counts %" PRIu64
		           " meetings, the mall arranged %" PRIu64,
		           cnt.index, cnt.meetings,
		           cnt.index < ml->creatures ? ml->met[cnt.index] : 0);
	ml->sum += cnt.meetings;
	if (++ml->reported < ml->creatures)
		return 0;
	g_run.result = ml->sum;
	if (ml->sum != 2 * g_run.sz.chameneos_n || ml->waiting)
		return BAD("chameneos: %" PRIu64 " meetings in all, expected %" PRIu64, ml->sum,
		           2 * g_run.sz.chameneos_n);
	run_done();
	return cadre_stop(self);
}

static void
ch_mall_stop(cadre_actor *self, const cadre_exit *why)
{
	struct ch_mall *ml = (struct ch_mall *)self;

	free(ml->met);
	on_stop(self, why);
}

static const cadre_behaviour ch_mall_beh = {.size = sizeof(struct ch_mall),
                                            .start = ch_mall_start,
                                            .receive = ch_mall_receive,
                                            .stop = ch_mall_stop,
                                            .name = "chameneos_mall"};

/* ---- the workload ---------------------------------------------------------------------------- */

bool
wl_chameneos(const struct options *o, struct sample *s)
{
	uint64_t c = o->sz.chameneos_c, n = o->sz.chameneos_n;
	struct expect e = {.handled = 4 * n + 3 * c, .spawned = c + 1};

	s->msgs = 4 * n + 3 * c;
	s->spawns = c + 1;
	bool ok = run_simple(o, &ch_mall_beh, &e, s);
	if (ok && g_run.result != 2 * n) {
		note("%s: FAILED: %" PRIu64 " meetings, expected %" PRIu64, g_bench, g_run.result,
		     2 * n);
		ok = false;
	}
	return ok;
}
