/* cadre-bench: Savina's barber, written as plain actors through the public
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

/* Message types (barber). */
enum {
	M_EXIT = M_FIRST,
	M_DONE,
	M_ENTER,
	M_WAIT,
	M_FULL,
	M_CUT,
	M_NEXT,
	M_SERVED,
	M_TURNED,
	M_REPORT,
};

/* Busy work of about n iterations (barber: arrivals and haircuts). */
/* Not inlined, and aligned: where a busy loop lands relative to 32-byte
 * boundaries changes its speed on this machine by up to 1.4x (the jump
 * crossing a boundary leaves the uop cache), which once made barber look
 * 30% slower after an unrelated edit moved the code. */
__attribute__((noinline, aligned(64))) static void
spin(uint64_t n)
{
	volatile uint64_t x = 0;

	for (uint64_t i = 0; i < n; i++)
		x = x + i;
}

/* ---- barber ----------------------------------------------------------------------------------
 * Savina's sleeping barber. A factory spawns the barber, the waiting room
 * (capacity W) and then N customers, one per step with a random busy wait
 * between arrivals (APR). A customer enters the room (M_ENTER): the room
 * sends it straight to a sleeping barber (M_CUT), seats it (M_WAIT) or turns
 * it away (M_FULL). The barber cuts (busy wait, AHR), asks the room for
 * the next one (M_NEXT) and dismisses the customer (M_DONE), which reports
 * M_SERVED or M_TURNED to the factory and stops. Once all N reported, the
 * factory closes the room, which reports its counts and closes the barber,
 * which reports its count. Checks: served + turned away = N, and the
 * room's and barber's counts agree with the customers'. */
struct bb_room_report {
	uint64_t immediate, waited, turned;
};

struct bb_factory {
	cadre_actor base;
	cadre_ref barber, room;
	uint64_t n, spawned, served, turned, rng, reports, cuts;
	struct bb_room_report room_rep;
};

struct bb_customer {
	cadre_actor base;
	bool waited;
};

static int
bb_customer_start(cadre_actor *self, void *arg)
{
	return cadre_send(cadre_actor_system(self), *(const cadre_ref *)arg, M_ENTER, NULL, 0);
}

static int
bb_customer_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bb_customer *c = (struct bb_customer *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_WAIT && !c->waited) {
		c->waited = true;
		return 0;
	}
	if (m->type == M_DONE || m->type == M_FULL) {
		int rc = cadre_send(sys, g_run.first, m->type == M_DONE ? M_SERVED : M_TURNED, NULL,
		                    0);
		return rc != 0 ? rc : cadre_stop(self);
	}
	return BAD("barber customer: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour bb_customer_beh = {.size = sizeof(struct bb_customer),
                                                .start = bb_customer_start,
                                                .receive = bb_customer_receive,
                                                .stop = on_stop,
                                                .name = "customer"};

struct bb_room {
	cadre_actor base;
	cadre_ref barber;
	cadre_ref *seat; /* a ring of W */
	uint64_t cap, head, len;
	bool busy; /* the barber is awake */
	struct bb_room_report rep;
};

static int
bb_room_start(cadre_actor *self, void *arg)
{
	struct bb_room *r = (struct bb_room *)self;

	r->barber = *(const cadre_ref *)arg;
	r->cap = g_run.sz.barber_w;
	r->seat = calloc(r->cap, sizeof *r->seat);
	return r->seat == NULL ? CADRE_ENOMEM : 0;
}

static int
bb_room_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bb_room *r = (struct bb_room *)self;
	cadre_system *sys = cadre_actor_system(self);

	switch (m->type) {
	case M_ENTER:
		if (!r->busy) {
			r->busy = true;
			r->rep.immediate++;
			return cadre_send(sys, r->barber, M_CUT, &m->sender, sizeof m->sender);
		}
		if (r->len < r->cap) {
			r->seat[(r->head + r->len++) % r->cap] = m->sender;
			r->rep.waited++;
			return cadre_send(sys, m->sender, M_WAIT, NULL, 0);
		}
		r->rep.turned++;
		return cadre_send(sys, m->sender, M_FULL, NULL, 0);
	case M_NEXT:
		if (!r->busy)
			return BAD("barber: the room was asked for the next customer by a sleeping "
			           "barber");
		if (r->len == 0) {
			r->busy = false;
			return 0;
		}
		{
			cadre_ref c = r->seat[r->head];
			r->head = (r->head + 1) % r->cap;
			r->len--;
			return cadre_send(sys, r->barber, M_CUT, &c, sizeof c);
		}
	case M_EXIT: {
		if (r->busy || r->len != 0)
			return BAD("barber: room closed with %" PRIu64 " waiting", r->len);
		int rc = cadre_send(sys, m->sender, M_REPORT, &r->rep, sizeof r->rep);
		if (rc == 0)
			rc = cadre_send(sys, r->barber, M_EXIT, NULL, 0);
		return rc != 0 ? rc : cadre_stop(self);
	}
	default:
		break;
	}
	return BAD("barber room: unexpected message type %" PRIu32, m->type);
}

static void
bb_room_stop(cadre_actor *self, const cadre_exit *why)
{
	struct bb_room *r = (struct bb_room *)self;

	free(r->seat);
	on_stop(self, why);
}

static const cadre_behaviour bb_room_beh = {.size = sizeof(struct bb_room),
                                            .start = bb_room_start,
                                            .receive = bb_room_receive,
                                            .stop = bb_room_stop,
                                            .name = "waiting_room"};

struct bb_barber {
	cadre_actor base;
	uint64_t cuts, rng;
};

static int
bb_barber_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bb_barber *b = (struct bb_barber *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_CUT && m->size == sizeof(cadre_ref)) {
		cadre_ref c;
		memcpy(&c, m->data, sizeof c);
		spin(rng_next(&b->rng) % (g_run.sz.barber_ahr + 1));
		b->cuts++;
		/* The room first: the customer's M_SERVED (and so the factory's
		 * M_EXIT to the room) comes after this M_NEXT. */
		int rc = cadre_send(sys, m->sender, M_NEXT, NULL, 0);
		return rc != 0 ? rc : cadre_send(sys, c, M_DONE, NULL, 0);
	}
	if (m->type == M_EXIT) {
		int rc = send_u64(sys, g_run.first, M_REPORT, b->cuts);
		return rc != 0 ? rc : cadre_stop(self);
	}
	return BAD("barber: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour bb_barber_beh = {.size = sizeof(struct bb_barber),
                                              .receive = bb_barber_receive,
                                              .stop = on_stop,
                                              .name = "barber"};

static int
bb_factory_step(cadre_actor *self)
{
	struct bb_factory *f = (struct bb_factory *)self;
	cadre_system *sys = cadre_actor_system(self);
	cadre_ref c;

	spin(rng_next(&f->rng) % (g_run.sz.barber_apr + 1));
	int rc = cadre_spawn(sys, &bb_customer_beh, NULL, &f->room, &c);
	if (rc != 0)
		return rc;
	return ++f->spawned < f->n ? send_self(self, M_CONT) : 0;
}

static int
bb_factory_start(cadre_actor *self, void *arg)
{
	struct bb_factory *f = (struct bb_factory *)self;
	cadre_system *sys = cadre_actor_system(self);

	(void)arg;
	f->n = g_run.sz.barber_n;
	f->rng = 0xba4be4;
	g_run.first = cadre_self(self);
	int rc = cadre_spawn(sys, &bb_barber_beh, NULL, NULL, &f->barber);
	if (rc == 0)
		rc = cadre_spawn(sys, &bb_room_beh, NULL, &f->barber, &f->room);
	return rc != 0 ? rc : bb_factory_step(self);
}

static int
bb_factory_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bb_factory *f = (struct bb_factory *)self;

	switch (m->type) {
	case M_CONT:
		return bb_factory_step(self);
	case M_SERVED:
	case M_TURNED:
		if (m->type == M_SERVED)
			f->served++;
		else
			f->turned++;
		if (f->served + f->turned < f->n)
			return 0;
		return cadre_send(cadre_actor_system(self), f->room, M_EXIT, NULL, 0);
	case M_REPORT:
		if (m->size == sizeof f->room_rep)
			memcpy(&f->room_rep, m->data, sizeof f->room_rep);
		else if (!get_u64(m, &f->cuts))
			break;
		if (++f->reports < 2)
			return 0;
		g_run.result = f->served + f->turned;
		g_run.extra[0] = f->room_rep.waited;
		g_run.extra[1] = f->turned;
		g_run.extra[2] = f->served;
		if (f->served + f->turned != f->n || f->cuts != f->served ||
		    f->room_rep.turned != f->turned ||
		    f->room_rep.immediate + f->room_rep.waited != f->served)
			return BAD("barber: %" PRIu64 " served + %" PRIu64
			           " turned away of %" PRIu64 " customers; barber: %" PRIu64
			           " cuts; room: %" PRIu64 " + %" PRIu64 " seated, %" PRIu64
			           " turned away",
			           f->served, f->turned, f->n, f->cuts, f->room_rep.immediate,
			           f->room_rep.waited, f->room_rep.turned);
		run_done();
		return cadre_stop(self);
	default:
		break;
	}
	return BAD("barber factory: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour bb_factory_beh = {.size = sizeof(struct bb_factory),
                                               .start = bb_factory_start,
                                               .receive = bb_factory_receive,
                                               .stop = on_stop,
                                               .name = "customer_factory"};

/* ---- the workload ---------------------------------------------------------------------------- */

static void
bb_fix(struct expect *e, struct sample *s)
{
	uint64_t n = g_run.sz.barber_n, w = g_run.extra[0], f = g_run.extra[1], sv = g_run.extra[2];

	/* continues, enters, waits, fulls, cuts, nexts, dones, serveds,
	 * turneds, two exits, two reports */
	e->handled = (n - 1) + n + w + f + 4 * sv + f + 4;
	s->msgs = e->handled;
}

bool
wl_barber(const struct options *o, struct sample *s)
{
	uint64_t n = o->sz.barber_n;
	struct expect e = {.handled = 0, .spawned = n + 3};

	s->spawns = n + 3;
	bool ok = run_custom(o, &bb_factory_beh, NULL, bb_fix, NULL, &e, s);
	if (ok && (g_run.result != n || g_run.extra[1] + g_run.extra[2] != n)) {
		note("%s: FAILED: %" PRIu64 " served + %" PRIu64 " turned away, expected %" PRIu64,
		     g_bench, g_run.extra[2], g_run.extra[1], n);
		ok = false;
	}
	if (ok && !g_stress)
		note("%s: %" PRIu64 " served (%" PRIu64 " after waiting), %" PRIu64 " turned away",
		     g_bench, g_run.extra[2], g_run.extra[0], g_run.extra[1]);
	return ok;
}
