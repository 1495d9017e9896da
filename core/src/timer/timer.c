/* Cadre: timers (the contract is in cadre/timer.h).
 *
 * Design notes.
 *
 * One timer service thread per system owns a hierarchical timing wheel
 * (wheel.c) with 1 ms ticks. Timer records live in pages that are never
 * freed while the system lives (type-stable memory), so a handle (index,
 * generation) can always be looked at safely, from any thread.
 *
 * A record's `state` word is gen << 2 | st, st one of FREE, ARMED, FIRING,
 * CANCELLED. Every transition is one CAS on that word, which makes each
 * decision exactly-once:
 *   arm (any thread)      FREE(g) -> ARMED(g+1), then the record is pushed
 *                         on the service's request queue (an MPSC mailbox);
 *   cancel (any thread)   ARMED(g) -> CANCELLED(g), or, for an interval
 *                         timer, FIRING(g) -> CANCELLED(g). A handle of an
 *                         older generation never matches: CADRE_ENOENT;
 *   fire (service)        ARMED(g) -> FIRING(g), send, then FIRING(g) ->
 *                         ARMED(g) (interval) or FREE(g) (one-shot);
 *   reclaim (service)     CANCELLED(g) -> FREE(g) when the service meets the
 *                         record (from the request queue or at its deadline).
 * So a cancel that returns 0 has won against the fire: the message is never
 * sent. Free records go on a Treiber stack of indexes (tag against ABA);
 * only the service pushes, any arming thread pops.
 *
 * Sleeping. The service is the only consumer of its request queue (the
 * mailbox algorithm, used as a plain MPSC queue). Before sleeping it
 * publishes the tick it will wake at (`sleep_until`, seq_cst exchange) and
 * then looks at the queue once more; an arming thread pushes its record
 * (seq_cst exchange) and then reads `sleep_until` (seq_cst), and wakes the
 * service (futex) only if its deadline is earlier. Dekker's pattern: either
 * the service sees the record, or the arming thread sees the service's
 * wake-up tick. While the service is awake, sleep_until is 0, so arming
 * costs no wake-up at all; the futex wait compares the wake word read
 * before publishing, so a wake-up in between is not lost.
 *
 * Delivery: a timer's message is never lost. The service sends it with
 * cadre__send_copy's `quiet`: a target that is gone is no dead letter (the
 * timer is cancelled, as cadre/timer.h says), and a full bounded mailbox
 * admits it beyond its capacity whatever its policy (send.c push, as
 * DROP_OLDEST admits every message). Why: a timer is a message its
 * receiver asked for, or one armed on its behalf (a request's timeout,
 * cadre/ask.h), and when it fires there is nobody to tell: the arming call
 * returned long ago. Refused (FAIL's EFULL goes to the sender, here the
 * timer thread) it would vanish uncounted; dropped (DROP_NEWEST) it would
 * be counted, but either way a request waiting for its timeout would wait
 * forever. Erlang's timers are not subject to mailbox limits either. The
 * price: a bounded mailbox may hold more than its capacity, by one message
 * per timer fired into it while full (ordinary sends stay refused until it
 * is back under); under DROP_OLDEST the admitted message then ages like
 * any other (dropped, counted, if `capacity` newer ones are behind it). A
 * fire that cannot allocate its message (CADRE_ENOMEM) leaves the timer
 * armed for the next tick.
 *
 * Far deadlines saturate: now + delay and deadline + period never wrap; a
 * sum beyond 2^64 - 1 ticks is UINT64_MAX, a tick that never comes (584
 * million years), so such a timer waits in the wheel's overflow list until
 * cancelled. The service's timed sleep is at most SLEEP_MAX_MS: a farther
 * deadline is slept towards in steps, so the sleep in ns always fits a
 * long (unbounded, a deadline 1e13 ms away overflowed it: a negative
 * timeout, which the futex refused at once, and the service spun).
 */
#include <string.h>
#include <time.h>

#include "cadre__timer.h"
#include "cadre__wheel.h"

#define TPAGE_BITS 10
#define TPAGE (1u << TPAGE_BITS)
#define TDIR 16384u
#define TMAX (TPAGE * TDIR - 1u)
#define TINLINE 40
/* The longest timed sleep of the service (1 hour): a farther deadline is
 * slept towards in steps, so the sleep in ns always fits a long. */
#define SLEEP_MAX_MS 3600000u

enum { T_FREE = 0, T_ARMED = 1, T_FIRING = 2, T_CANCELLED = 3 };

struct tmr {
	cadre_mb_node node;     /* request queue link */
	struct cadre__timer wt; /* wheel node: service only */
	uint64_t state;         /* gen << 2 | st, CAS only */
	uint64_t deadline;      /* ms since the service's origin */
	uint64_t period;        /* 0: one-shot */
	cadre_ref to;
	uint32_t type;
	uint32_t size;
	uint32_t index;
	uint32_t next_free; /* free stack link (index + 1) */
	void *heap;         /* payload copy when larger than TINLINE */
	char inl[TINLINE];
};

struct cadre__timers {
	struct tmr *dir[TDIR];             /* pages, published once */
	uint64_t free_head CADRE__ALIGNED; /* tag << 32 | index + 1 */
	uint64_t fresh;                    /* never used indexes from 1 */
	uint64_t pending;
	struct cadre_mailbox requests CADRE__ALIGNED;
	uint32_t wake CADRE__ALIGNED; /* futex word */
	uint32_t stop;
	uint64_t sleep_until; /* tick the service sleeps until; 0 awake; MAX none */
	/* Service thread only. */
	struct cadre__wheel wheel CADRE__ALIGNED;
	uint64_t origin; /* the system's clock when the service started */
	pthread_t thread;
	struct cadre_system *sys; /* set at start */
};

/* Nanoseconds since the service's origin, on the system's clock (virtual
 * in the deterministic mode, where the origin is 0). */
static uint64_t
now_ns(const struct cadre__timers *t)
{
	return cadre__clock_ns(t->sys) - t->origin;
}

/* The current tick, rounded down: the service fires what is due by it. */
static uint64_t
now_ms(const struct cadre__timers *t)
{
	return now_ns(t) / 1000000u;
}

/* a + b, or UINT64_MAX when that does not fit: a tick that never comes. */
static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* A deadline delay ms from now, rounded up to a whole tick, so that a
 * timer never fires before arm time + delay; saturated (never wraps). */
static uint64_t
deadline_ms(const struct cadre__timers *t, uint64_t delay)
{
	return add_sat((now_ns(t) + 999999u) / 1000000u, delay);
}

static struct tmr *
rec_at(struct cadre__timers *t, uint32_t index)
{
	if (index == 0 || index > TMAX)
		return NULL;
	/* Acquire: pairs with the publishing CAS in rec_alloc. */
	struct tmr *page = cadre__load_acq_ptr((void **)&t->dir[index >> TPAGE_BITS]);
	return page == NULL ? NULL : &page[index & (TPAGE - 1u)];
}

static struct tmr *
rec_alloc(struct cadre__timers *t)
{
	for (;;) {
		/* Acquire: pairs with the release CAS in rec_free, so next_free
		 * of the top record is visible. */
		uint64_t h = cadre__load_acq_u64(&t->free_head);
		uint32_t top1 = (uint32_t)h;
		if (top1 == 0)
			break;
		struct tmr *r = rec_at(t, top1 - 1);
		/* Relaxed: may be stale if another thread pops r meanwhile; the
		 * tagged CAS then fails. */
		uint32_t next1 = cadre__load_rlx_u32(&r->next_free);
		uint64_t nh = cadre__retag(h, next1);
		/* acq_rel CAS: the tag defeats ABA; pairs with rec_free's CAS. */
		if (cadre__cas_acqrel_u64(&t->free_head, h, nh))
			return r;
	}
	uint64_t i = cadre__faa_rlx_u64(&t->fresh, 1); /* relaxed: uniqueness only */
	if (i > TMAX)
		return NULL;
	struct tmr **pp = &t->dir[i >> TPAGE_BITS];
	if (cadre__load_acq_ptr((void **)pp) == NULL) { /* pairs with the CAS below */
		struct tmr *page = cadre__alloc_zero(TPAGE * sizeof(struct tmr));
		if (page == NULL)
			return NULL;
		for (uint32_t k = 0; k < TPAGE; k++)
			page[k].index = (uint32_t)((i >> TPAGE_BITS) << TPAGE_BITS) + k;
		/* seq_cst CAS publishes the initialised page; pairs with rec_at. */
		if (!cadre__cas_sc_ptr((void **)pp, NULL, page))
			cadre__free(page, TPAGE * sizeof(struct tmr));
	}
	return rec_at(t, (uint32_t)i);
}

/* Service only: the record goes back to FREE (same generation). */
static void
rec_free(struct cadre__timers *t, struct tmr *r)
{
	if (r->heap != NULL) {
		cadre__free(r->heap, r->size);
		r->heap = NULL;
	}
	uint64_t s = cadre__load_rlx_u64(&r->state); /* relaxed: only the service writes it now */
	cadre__store_rel_u64(&r->state, (s & ~(uint64_t)3) | T_FREE); /* pairs with cancel's load */
	cadre__faa_rlx_u64(&t->pending, (uint64_t)-1);                /* a statistic */
	for (;;) {
		/* Relaxed: the CAS below decides (and re-reads on failure). */
		uint64_t h = cadre__load_rlx_u64(&t->free_head);
		cadre__store_rlx_u32(&r->next_free, (uint32_t)h); /* published by the CAS */
		uint64_t nh = cadre__retag(h, r->index + 1);
		/* acq_rel: releases next_free and the record; pairs with rec_alloc. */
		if (cadre__cas_acqrel_u64(&t->free_head, h, nh))
			return;
	}
}

static void
wake_service(struct cadre__timers *t)
{
	/* seq_cst bump: pairs with the service's acquire load of wake before it
	 * publishes sleep_until; its futex_wait compares that value. */
	cadre__futex_bump(&t->wake, 1);
}

static void take_requests(struct cadre__timers *t);

/* The deterministic mode (one thread: the service is not running now): a
 * cancelled record leaves the wheel at once, so that it does not move the
 * virtual clock to its deadline. */
static void
sim_reap(struct cadre__timers *t, struct tmr *r)
{
	take_requests(t); /* frees r if it was still queued */
	if (cadre__timer_pending(&r->wt)) {
		cadre__wheel_del(&t->wheel, &r->wt);
		rec_free(t, r);
	}
}

static int
arm(cadre_system *sys, cadre_ref to, uint32_t type, const void *data, size_t size, uint64_t delay,
    uint64_t period, cadre_timer *out)
{
	if (sys == NULL || (data == NULL && size != 0))
		return CADRE_EINVAL;
	if (size > sys->max_msg)
		return CADRE_ETOOBIG;
	if (cadre__load_acq_u32(&sys->closing)) /* acquire: as in send */
		return CADRE_ECLOSED;
	struct cadre__timers *t = sys->timers;
	struct tmr *r = rec_alloc(t);
	if (r == NULL)
		return CADRE_ENOMEM;
	r->heap = NULL;
	if (size > TINLINE) {
		r->heap = cadre__alloc(size);
		if (r->heap == NULL) {
			/* give it back through the service: mark it cancelled */
			/* Relaxed load: a free record is ours alone. Release store:
			 * pairs with the service's acquire load of the state. */
			uint64_t s0 = cadre__load_rlx_u64(&r->state);
			uint64_t g0 = (s0 >> 2) + 1;
			cadre__store_rel_u64(&r->state, g0 << 2 | T_CANCELLED);
			cadre__faa_rlx_u64(&t->pending, 1); /* a statistic */
			/* no wake-up needed: it is reclaimed at the next turn */
			cadre__mb_push_normal(&t->requests, &r->node);
			return CADRE_ENOMEM;
		}
		memcpy(r->heap, data, size);
	} else if (size != 0) {
		memcpy(r->inl, data, size);
	}
	r->to = to;
	r->type = type;
	r->size = (uint32_t)size;
	r->period = period;
	uint64_t deadline = deadline_ms(t, delay); /* r is the service's once pushed */
	/* Release: cadre__timers_due reads it (acquire) while it reads states. */
	cadre__store_rel_u64(&r->deadline, deadline);
	/* Relaxed: a record popped from the free stack is ours alone (the pop's
	 * acquire made its last release visible). */
	uint64_t s = cadre__load_rlx_u64(&r->state);
	uint64_t gen = (s >> 2) + 1;
	/* Release: the fields above before the state; pairs with the acquire
	 * loads of state in cancel and in the service. */
	cadre__store_rel_u64(&r->state, gen << 2 | T_ARMED);
	cadre__faa_rlx_u64(&t->pending, 1); /* a statistic */
	if (out != NULL)
		*out = (cadre_timer){r->index, (uint32_t)gen};
	/* The push publishes the record to the service (release link); its
	 * seq_cst exchange is our half of the Dekker pair. */
	cadre__mb_push_normal(&t->requests, &r->node);
	/* seq_cst load: the service's planned wake-up; pairs with its
	 * exchange before sleeping. Wake it only if we are due earlier. */
	if (deadline < cadre__load_sc_u64(&t->sleep_until))
		wake_service(t);
	return 0;
}

/* A cadre_timeout as the timer service's delay: CADRE_FOREVER is the tick
 * that never comes. */
static uint64_t
timer_ms(cadre_timeout t)
{
	return t == CADRE_FOREVER ? UINT64_MAX : (uint64_t)t;
}

int
cadre_send_after(cadre_system *sys, cadre_ref to, uint32_t type, const void *data, size_t size,
                 cadre_timeout delay_ms, cadre_timer *out)
{
	if (cadre__type_reserved(type) || delay_ms < CADRE_FOREVER)
		return CADRE_EINVAL; /* Cadre's own (cadre__reserved.h), or a bad delay */
	return arm(sys, to, type, data, size, timer_ms(delay_ms), 0, out);
}

/* cadre_send_after for any type (cadre__reserved.h): the library's own
 * actors (a supervisor's kill and backoff timers, an ask's timeout). */
int
cadre__send_after_reserved(cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                           size_t size, uint64_t delay_ms, cadre_timer *out)
{
	return arm(sys, to, type, data, size, delay_ms, 0, out);
}

int
cadre_send_interval(cadre_system *sys, cadre_ref to, uint32_t type, const void *data, size_t size,
                    cadre_timeout period_ms, cadre_timer *out)
{
	if (period_ms == 0 || period_ms < CADRE_FOREVER || cadre__type_reserved(type))
		return CADRE_EINVAL;
	uint64_t p = timer_ms(period_ms);
	return arm(sys, to, type, data, size, p, p, out);
}

int
cadre_timer_cancel(cadre_system *sys, cadre_timer h)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	struct tmr *r = rec_at(sys->timers, h.index);
	if (r == NULL)
		return CADRE_ENOENT;
	for (;;) {
		/* Acquire: pairs with arm's release store. */
		uint64_t s = cadre__load_acq_u64(&r->state);
		if ((uint32_t)(s >> 2) != h.gen)
			return CADRE_ENOENT; /* another life of the record */
		unsigned st = (unsigned)(s & 3);
		/* Relaxed: period was published with the state (arm's release,
		 * our acquire above). */
		bool ok = st == T_ARMED || (st == T_FIRING && cadre__load_rlx_u64(&r->period) != 0);
		if (!ok)
			return CADRE_ENOENT;
		/* acq_rel CAS: the one decision between cancel and fire. */
		if (cadre__cas_acqrel_u64(&r->state, s, (s & ~(uint64_t)3) | T_CANCELLED)) {
			if (sys->sim != NULL)
				sim_reap(sys->timers, r);
			return 0;
		}
	}
}

uint64_t
cadre_timers_pending(const cadre_system *sys)
{
	if (sys == NULL)
		return 0;
	return cadre__load_rlx_u64(&sys->timers->pending); /* a snapshot */
}

/* Is a timer due within the next tick, or being fired? Deadlines are
 * whole ticks rounded up (deadline_ms), so a delay of 0 or 1 ms armed now
 * is due by the current tick + 2: that is the bound. For cadre_system_await_quiescent (runtime/system.c). Scans every
 * record ever used (type-stable pages). Acquire loads of state and
 * deadline: pair with arm's release store, fire's CASes and its release
 * store of the next deadline, so a fire seen finished (FREE, or ARMED with
 * a later deadline) has its send's wake visible to the caller's later
 * loads. A timer armed or fired concurrently may or may not be seen. */
bool
cadre__timers_due(struct cadre_system *sys)
{
	struct cadre__timers *t = sys->timers;
	uint64_t soon = now_ms(t) + 2;
	uint64_t n = cadre__load_rlx_u64(&t->fresh); /* relaxed: a bound; pages are acquired */
	for (uint64_t i = 1; i < n && i <= TMAX; i++) {
		struct tmr *r = rec_at(t, (uint32_t)i);
		if (r == NULL)
			continue; /* its page is being made: not armed yet */
		uint64_t st = cadre__load_acq_u64(&r->state) & 3; /* as above */
		if (st == T_FIRING ||
		    (st == T_ARMED && cadre__load_acq_u64(&r->deadline) <= soon)) /* as above */
			return true;
	}
	return false;
}

/* ---- the service ----------------------------------------------------------------- */
static struct tmr *
tmr_of_wheel(struct cadre__timer *wt)
{
	return (struct tmr *)(void *)((char *)wt - offsetof(struct tmr, wt));
}

static void
fire(struct cadre_system *sys, struct cadre__timers *t, struct tmr *r, uint64_t now)
{
	uint64_t s = cadre__load_acq_u64(&r->state); /* pairs with arm / cancel */
	/* acq_rel CAS: ARMED -> FIRING against cancel's CAS; one of them wins. */
	if ((s & 3) != T_ARMED ||
	    !cadre__cas_acqrel_u64(&r->state, s, (s & ~(uint64_t)3) | T_FIRING)) {
		rec_free(t, r); /* cancelled */
		return;
	}
	const void *data = r->heap != NULL ? r->heap : r->inl;
	CADRE__TRACE_AT(sys, &sys->trace_out, CADRE__TEV_TIMER,
	                CADRE__TRACE_REF(r->to.index, r->to.gen), r->type);
	/* quiet: never refused by a full mailbox; a dead target is no letter. */
	int rc = cadre__send_copy(sys, r->to, r->type, data, r->size, true);
	uint64_t next;
	if (rc == CADRE_ENOMEM) {
		next = now + 1; /* no message was made: try again at the next tick */
	} else if (r->period == 0 || rc == CADRE_ENOACTOR || rc == CADRE_ECLOSED) {
		rec_free(t, r); /* one-shot done, or its target is gone */
		return;
	} else {
		next = add_sat(r->deadline, r->period);
		if (next <= now)
			next = now + 1; /* no burst after a stall */
	}
	/* Release: the send before the new deadline; pairs with the acquire
	 * load in cadre__timers_due, which then sees the send's wake counted. */
	cadre__store_rel_u64(&r->deadline, next);
	uint64_t firing = (s & ~(uint64_t)3) | T_FIRING;
	/* acq_rel CAS: a cancel during the send wins here. */
	if (!cadre__cas_acqrel_u64(&r->state, firing, (s & ~(uint64_t)3) | T_ARMED)) {
		rec_free(t, r);
		return;
	}
	cadre__wheel_add(&t->wheel, &r->wt, r->deadline);
}

/* The service's consumer side: the arms queued since the last look go
 * into the wheel (cancelled ones are freed). */
static void
take_requests(struct cadre__timers *t)
{
	cadre_mb_node *n;
	while ((n = cadre__mb_pop_normal(&t->requests)) != NULL) {
		struct tmr *r = (struct tmr *)(void *)n;
		/* Acquire: pairs with arm's release store. */
		uint64_t s = cadre__load_acq_u64(&r->state);
		if ((s & 3) == T_CANCELLED) {
			rec_free(t, r);
			continue;
		}
		cadre__timer_init(&r->wt);
		cadre__wheel_add(&t->wheel, &r->wt, r->deadline);
	}
}

/* One turn of the service: arms taken, what is due by now fired (the
 * hash of the deterministic mode notes each fire); the count fired. */
static unsigned
turn(struct cadre_system *sys, struct cadre__timers *t, uint64_t now)
{
	take_requests(t);
	struct cadre__timer *expired = NULL;
	unsigned fired = 0;
	cadre__wheel_advance(&t->wheel, now, &expired);
	while (expired != NULL) {
		struct cadre__timer *next = expired->next;
		struct tmr *r = tmr_of_wheel(expired);
		cadre__sim_note(sys, CADRE__SIM_TIMER, cadre__sim_id(r->to), r->type);
		fire(sys, t, r, now);
		fired++;
		expired = next;
	}
	return fired;
}

unsigned
cadre__timers_turn(struct cadre_system *sys)
{
	struct cadre__timers *t = sys->timers;
	if (cadre__load_acq_u32(&t->stop)) /* pairs with cadre__timers_stop */
		return 0;
	return turn(sys, t, now_ms(t));
}

bool
cadre__timers_next(struct cadre_system *sys, uint64_t *ns)
{
	struct cadre__timers *t = sys->timers;
	if (cadre__load_acq_u32(&t->stop)) /* pairs with cadre__timers_stop */
		return false;
	take_requests(t);
	uint64_t tick;
	if (!cadre__wheel_next_deadline(&t->wheel, &tick))
		return false;
	*ns = tick > (UINT64_MAX - t->origin) / 1000000u ? UINT64_MAX : t->origin + tick * 1000000u;
	return true;
}

static void *
service_main(void *arg)
{
	struct cadre_system *sys = arg;
	struct cadre__timers *t = sys->timers;
	pthread_setname_np(pthread_self(), "cadre-timers");
	cadre__trace_name_thread(CADRE__TRACE_TID_TIMER);
	for (;;) {
		uint64_t now = now_ms(t);
		turn(sys, t, now);
		if (cadre__load_acq_u32(&t->stop)) /* pairs with cadre__timers_stop */
			break;
		/* Sleep until the next deadline or an earlier arming wakes us. */
		uint32_t seq = cadre__load_acq_u32(&t->wake); /* pairs with wake_service */
		uint64_t next_tick;
		bool timed = cadre__wheel_next_deadline(&t->wheel, &next_tick);
		/* A far deadline: wake up after SLEEP_MAX_MS and look again. */
		uint64_t until = !timed                           ? UINT64_MAX
		                 : next_tick <= now               ? now + 1
		                 : next_tick - now > SLEEP_MAX_MS ? now + SLEEP_MAX_MS
		                                                  : next_tick;
		/* seq_cst exchange: publish the wake-up tick, then look at the
		 * queue once more (Dekker with arm). */
		cadre__xchg_sc_u64(&t->sleep_until, until);
		/* seq_cst load of the queue's head (arm's push exchanges it): the
		 * other half of that pair. */
		if (cadre__mb_visible(&t->requests) ||
		    cadre__load_sc_ptr(&t->requests.head) != (void *)&t->requests.stub) {
			/* seq_cst: awake again; read by arm's seq_cst load. */
			cadre__xchg_sc_u64(&t->sleep_until, 0);
			continue;
		}
		/* 0.1 ms past the tick; until - now <= SLEEP_MAX_MS: no overflow */
		long ns = timed ? (long)(until - now) * 1000000L + 100000L : 0;
		cadre__futex_wait(&t->wake, seq, ns);
		/* seq_cst: awake, armers need not wake us; read by arm's load. */
		cadre__xchg_sc_u64(&t->sleep_until, 0);
	}
	return NULL;
}

int
cadre__timers_start(struct cadre_system *sys)
{
	struct cadre__timers *t = cadre__alloc_aligned(sizeof *t, CADRE__CACHELINE);
	if (t == NULL)
		return CADRE_ENOMEM;
	t->sys = sys;
	t->origin = cadre__clock_ns(sys); /* 0 in the deterministic mode */
	t->fresh = 1;
	cadre__mb_init_active(&t->requests, 0); /* the service is its consumer */
	cadre__wheel_init(&t->wheel, 0);
	sys->timers = t;
	if (sys->sim != NULL)
		return 0; /* no thread: runtime/sim.c turns the service */
	if (pthread_create(&t->thread, NULL, service_main, sys) != 0) {
		cadre__free_aligned(t, sizeof *t, CADRE__CACHELINE);
		sys->timers = NULL;
		return CADRE_ESYS;
	}
	return 0;
}

void
cadre__timers_stop(struct cadre_system *sys)
{
	struct cadre__timers *t = sys->timers;
	if (t == NULL || cadre__load_acq_u32(&t->stop)) /* pairs with the store below */
		return;
	cadre__store_rel_u32(&t->stop, 1); /* pairs with the service's check */
	if (sys->sim != NULL)
		return; /* no thread */
	wake_service(t);
	pthread_join(t->thread, NULL);
}

void
cadre__timers_free(struct cadre_system *sys)
{
	struct cadre__timers *t = sys->timers;
	if (t == NULL)
		return;
	for (uint32_t p = 0; p < TDIR; p++) {
		struct tmr *page = t->dir[p];
		if (page == NULL)
			continue;
		for (uint32_t k = 0; k < TPAGE; k++)
			if (page[k].heap != NULL)
				cadre__free(page[k].heap, page[k].size);
		cadre__free(page, TPAGE * sizeof(struct tmr));
	}
	cadre__free_aligned(t, sizeof *t, CADRE__CACHELINE);
	sys->timers = NULL;
}
