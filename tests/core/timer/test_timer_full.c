/* Timers into full bounded mailboxes (cadre/timer.h): a fired timer's
 * message is never refused or dropped at the door, whatever the receiver's
 * overflow policy; it is admitted beyond the capacity, so every timer
 * message is handled or counted as a dead letter, and a request's timeout
 * reaches an asker whose bounded mailbox is full (cadre/ask.h: every
 * request ends exactly once). Also: a timer whose message cannot be
 * allocated when it fires is retried at the next tick, not lost.
 *
 * To fire timers into a full mailbox deterministically, the receiving
 * actor fills its own mailbox from inside its receive callback (nobody
 * else pops it meanwhile) and stays there, bounded, until the timers it
 * armed have fired (cadre_timers_pending is 0: each has been sent or
 * dropped). Run one case with: test_timer_full <case>. */
#include <stdint.h>
#include <string.h>

#include <cadre.h>
#include <cadre/ask.h>

#include "cadre__alloc.h"
#include "cadre__atomic.h"
#include "check.h"
#include "dead_letters.h"
#include "quiet.h"

enum { T_GO = 1, T_FILL, T_TICK, T_IVL, T_STOP };

#define CAP 4
#define NTIMERS 16

/* What the filler saw; written by the actor, read by main (atomics). */
struct box {
	uint32_t ntimers;   /* one-shot timers to arm (set by main) */
	uint32_t interval;  /* also arm a 1 ms interval timer (set by main) */
	uint32_t overflow;  /* the policy (set by main) */
	long go_done;       /* the T_GO receive returned */
	long wait_timedout; /* the bounded wait in T_GO gave up */
	long refused;       /* ordinary sends refused while full (FAIL) */
	long fills, ticks, ivl, other;
	long per_tag[NTIMERS];
};

struct filler {
	cadre_actor base;
	struct box *b;
};

static void
add(long *p, long n)
{
	/* Release: pairs with main's acquire loads (ld, quiet.h), as in the
	 * other core tests. */
	__atomic_add_fetch(p, n, __ATOMIC_RELEASE);
}

static int
filler_start(cadre_actor *self, void *arg)
{
	((struct filler *)self)->b = arg;
	return 0;
}

/* Waits, bounded, until at most `left` timers of the system are pending. */
static int
await_fired(cadre_system *sys, uint64_t left)
{
	long t0 = now_ms();
	while (cadre_timers_pending(sys) > left) {
		if (now_ms() - t0 > 10000)
			return 0;
		nap_us(100);
	}
	return 1;
}

/* drop_oldest_keeps_timers: the timers fire first, the fills come after. */
static int g_timers_first;

/* The timers fire into the empty mailbox; then CAP fills arrive behind
 * them, so that the timers' messages are the oldest when the actor runs. */
static void
go_timers_first(cadre_actor *self, struct box *b)
{
	cadre_system *sys = cadre_actor_system(self);
	cadre_ref me = cadre_self(self);
	for (uint32_t i = 0; i < b->ntimers; i++)
		CHECK_EQ(cadre_send_after(sys, me, T_TICK, &i, sizeof i, 1 + i, NULL), 0);
	if (!await_fired(sys, 0))
		add(&b->wait_timedout, 1);
	for (int i = 0; i < CAP; i++)
		CHECK_EQ(cadre_send(sys, me, T_FILL, NULL, 0), 0);
	add(&b->go_done, 1);
}

/* Fills the own mailbox to the capacity, arms the timers, and stays until
 * the one-shot timers have fired into the full mailbox. */
static void
go(cadre_actor *self, struct box *b)
{
	cadre_system *sys = cadre_actor_system(self);
	cadre_ref me = cadre_self(self);
	if (g_timers_first) {
		go_timers_first(self, b);
		return;
	}
	for (int i = 0; i < CAP; i++)
		CHECK_EQ(cadre_send(sys, me, T_FILL, NULL, 0), 0);
	if (b->overflow == CADRE_OVERFLOW_FAIL &&
	    cadre_send(sys, me, T_FILL, NULL, 0) == CADRE_EFULL)
		add(&b->refused, 1);
	/* Full: now the timers, which all fire into the full mailbox. */
	for (uint32_t i = 0; i < b->ntimers; i++)
		CHECK_EQ(cadre_send_after(sys, me, T_TICK, &i, sizeof i, 1 + i, NULL), 0);
	cadre_timer ivl;
	if (b->interval)
		CHECK_EQ(cadre_send_interval(sys, me, T_IVL, NULL, 0, 1, &ivl), 0);
	if (!await_fired(sys, b->interval ? 1 : 0))
		add(&b->wait_timedout, 1);
	if (b->interval) {
		nap_us(20000); /* the interval fires into the full mailbox too */
		CHECK_EQ(cadre_timer_cancel(sys, ivl), 0);
	}
	/* The timers did not open the door for ordinary sends. */
	if (b->overflow == CADRE_OVERFLOW_FAIL &&
	    cadre_send(sys, me, T_FILL, NULL, 0) == CADRE_EFULL)
		add(&b->refused, 1);
	add(&b->go_done, 1);
}

static int
filler_receive(cadre_actor *self, const cadre_msg *m)
{
	struct box *b = ((struct filler *)self)->b;
	switch (m->type) {
	case T_GO:
		go(self, b);
		return 0;
	case T_FILL:
		add(&b->fills, 1);
		return 0;
	case T_TICK: {
		uint32_t tag;
		CHECK_EQ(m->size, sizeof tag);
		memcpy(&tag, m->data, sizeof tag);
		CHECK(tag < NTIMERS);
		add(&b->per_tag[tag], 1);
		add(&b->ticks, 1);
		return 0;
	}
	case T_IVL:
		add(&b->ivl, 1);
		return 0;
	case T_STOP:
		return cadre_stop(self);
	default:
		add(&b->other, 1);
		return 0;
	}
}

static const cadre_behaviour filler_beh = {.size = sizeof(struct filler),
                                           .start = filler_start,
                                           .receive = filler_receive,
                                           .name = "filler"};

/* One filler with the given policy; returns the system's final stats. */
static cadre_stats
run_filler(struct box *b, struct dl_log *dl, cadre_overflow policy, int interval)
{
	memset(b, 0, sizeof *b);
	b->ntimers = NTIMERS;
	b->interval = (uint32_t)interval;
	b->overflow = (uint32_t)policy;
	cadre_system *sys = dl_system(2, 0, dl);
	cadre_spawn_opts opts = {.mailbox_capacity = CAP, .overflow = policy};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &filler_beh, &opts, b, &r), 0);
	CHECK_EQ(cadre_send(sys, r, T_GO, NULL, 0), 0);
	CHECK(wait_at_least(&b->go_done, 1, 20000));
	CHECK_EQ(ld(&b->wait_timedout), 0);
	/* Wait for what the policy keeps: everything but DROP_OLDEST's drops. */
	long want =
	        policy == CADRE_OVERFLOW_DROP_OLDEST && !g_timers_first ? NTIMERS : CAP + NTIMERS;
	long t0 = now_ms();
	while (ld(&b->fills) + ld(&b->ticks) < want) {
		if (now_ms() - t0 > 10000) {
			fprintf(stderr, "fills %ld ticks %ld of %ld: timer messages lost\n",
			        ld(&b->fills), ld(&b->ticks), want);
			abort();
		}
		nap_us(200);
	}
	for (int i = 0; cadre_send(sys, r, T_STOP, NULL, 0) == CADRE_EFULL; i++) {
		CHECK(i < 10000); /* the mailbox drains */
		nap_us(1000);
	}
	cadre_stats st = await_quiet(sys); /* sent == handled + dead_letters */
	CHECK_EQ(dl_wait(dl, (long)st.dead_letters), (long)st.dead_letters);
	CHECK_EQ(ld(&b->other), 0);
	cadre_system_free(sys);
	return st;
}

/* FAIL: every timer message is admitted beyond the capacity and handled;
 * ordinary sends are still refused while the mailbox is over its capacity;
 * nothing is dead. */
static void
fail_policy_admits_timers(void)
{
	static struct box b;
	struct dl_log dl;
	dl_init(&dl);
	cadre_stats st = run_filler(&b, &dl, CADRE_OVERFLOW_FAIL, 0);
	CHECK_EQ(ld(&b.refused), 2);
	CHECK_EQ(ld(&b.fills), CAP);
	CHECK_EQ(ld(&b.ticks), NTIMERS);
	for (int i = 0; i < NTIMERS; i++)
		CHECK_EQ(ld(&b.per_tag[i]), 1);
	CHECK_EQ(st.sent, 1 + CAP + NTIMERS + 1); /* GO, fills, ticks, STOP */
	CHECK_EQ(st.handled, st.sent);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(dl_calls(&dl), 0);
	dl_fini(&dl);
}

/* FAIL with an interval timer firing into the full mailbox as well: every
 * fire is handled (exact accounting, nothing dead). */
static void
fail_policy_interval(void)
{
	static struct box b;
	struct dl_log dl;
	dl_init(&dl);
	cadre_stats st = run_filler(&b, &dl, CADRE_OVERFLOW_FAIL, 1);
	CHECK(ld(&b.ivl) >= 1);
	CHECK_EQ(ld(&b.ticks), NTIMERS);
	CHECK_EQ(st.sent, 1 + CAP + NTIMERS + (uint64_t)ld(&b.ivl) + 1);
	CHECK_EQ(st.handled, st.sent);
	CHECK_EQ(st.dead_letters, 0);
	dl_fini(&dl);
}

/* DROP_NEWEST: a timer's message is not the newest ordinary message to
 * drop: it is admitted and handled too. */
static void
drop_newest_admits_timers(void)
{
	static struct box b;
	struct dl_log dl;
	dl_init(&dl);
	cadre_stats st = run_filler(&b, &dl, CADRE_OVERFLOW_DROP_NEWEST, 0);
	CHECK_EQ(ld(&b.fills), CAP);
	CHECK_EQ(ld(&b.ticks), NTIMERS);
	CHECK_EQ(st.sent, 1 + CAP + NTIMERS + 1);
	CHECK_EQ(st.handled, st.sent);
	CHECK_EQ(st.dead_letters, 0);
	dl_fini(&dl);
}

/* DROP_OLDEST admits the timers beyond the capacity; the actor then drops
 * the oldest ordinary messages as counted dead letters, never a timer's
 * (drop_oldest_keeps_timers has the timers oldest). */
static void
drop_oldest_counts_timers(void)
{
	static struct box b;
	struct dl_log dl;
	dl_init(&dl);
	cadre_stats st = run_filler(&b, &dl, CADRE_OVERFLOW_DROP_OLDEST, 0);
	/* The fills are the oldest and go; every timer's message stays. */
	CHECK_EQ(ld(&b.ticks), NTIMERS);
	CHECK_EQ(ld(&b.fills), 0);
	CHECK_EQ(st.sent, 1 + CAP + NTIMERS + 1);
	CHECK_EQ(st.dead_letters, CAP);
	CHECK_EQ(st.handled, 1 + NTIMERS + 1);
	CHECK_EQ(ld(&dl.efull), CAP);
	dl_fini(&dl);
}

/* DROP_OLDEST never drops a timer's message, even when it is the oldest
 * with `capacity` newer ones behind it (an ask's timeout must arrive):
 * the oldest ordinary messages go instead. Before: all 16 timer messages
 * were dropped as dead letters. */
static void
drop_oldest_keeps_timers(void)
{
	static struct box b;
	struct dl_log dl;
	dl_init(&dl);
	g_timers_first = 1;
	cadre_stats st = run_filler(&b, &dl, CADRE_OVERFLOW_DROP_OLDEST, 0);
	g_timers_first = 0;
	CHECK_EQ(ld(&b.ticks), NTIMERS);
	CHECK_EQ(ld(&b.fills), CAP); /* behind the timers, under the capacity */
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(st.sent, st.handled);
	dl_fini(&dl);
}

/* ---- a request's timeout into the asker's full bounded mailbox ---------- */

struct ask_box {
	cadre_ref service;
	long go_done, wait_timedout, refused;
	long fills, outcomes, status, other;
	long timed_out, replied, pending; /* the asker's stats, at its stop */
	long requests;                    /* requests the service got */
};

struct asker {
	cadre_actor base;
	struct ask_box *b;
	cadre_asker asker;
};

static int
asker_start(cadre_actor *self, void *arg)
{
	((struct asker *)self)->b = arg;
	return 0;
}

static void
asker_go(cadre_actor *self, struct asker *me)
{
	struct ask_box *b = me->b;
	cadre_system *sys = cadre_actor_system(self);
	for (int i = 0; i < CAP; i++)
		CHECK_EQ(cadre_send(sys, cadre_self(self), T_FILL, NULL, 0), 0);
	if (cadre_send(sys, cadre_self(self), T_FILL, NULL, 0) == CADRE_EFULL)
		add(&b->refused, 1);
	/* Full: now the request, whose timeout fires into the full mailbox. */
	CHECK_EQ(cadre_ask(self, &me->asker, b->service, 7, NULL, 0, 5, NULL), 0);
	if (!await_fired(sys, 0)) /* the timeout fires into the full mailbox */
		add(&b->wait_timedout, 1);
	add(&b->go_done, 1);
}

static int
asker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct asker *me = (struct asker *)self;
	struct ask_box *b = me->b;
	if (cadre_ask_dispatch(self, &me->asker, m) > 0)
		return 0;
	if (m->type == CADRE_MSG_REPLY) {
		cadre_response r;
		CHECK_EQ(cadre_reply_read(m, &r), 0);
		/* Relaxed: published by the release add below. */
		__atomic_store_n(&b->status, (long)r.status, __ATOMIC_RELAXED);
		add(&b->outcomes, 1);
		return 0;
	}
	if (m->type == T_GO)
		asker_go(self, me);
	else if (m->type == T_FILL)
		add(&b->fills, 1);
	else if (m->type == T_STOP)
		return cadre_stop(self);
	else
		add(&b->other, 1);
	return 0;
}

static void
asker_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	struct asker *me = (struct asker *)self;
	cadre_ask_stats s;
	cadre_asker_stats(&me->asker, &s);
	add(&me->b->timed_out, (long)s.timed_out);
	add(&me->b->replied, (long)s.replied);
	add(&me->b->pending, (long)s.pending);
	cadre_asker_fini(self, &me->asker);
}

static const cadre_behaviour asker_beh = {.size = sizeof(struct asker),
                                          .start = asker_start,
                                          .receive = asker_receive,
                                          .stop = asker_stop,
                                          .name = "asker"};

/* A service that never answers; it counts the requests it got. */
struct silent {
	cadre_actor base;
	long *got;
};

static int
silent_start(cadre_actor *self, void *arg)
{
	((struct silent *)self)->got = arg;
	return 0;
}

static int
silent_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	add(((struct silent *)self)->got, 1);
	return 0;
}

static const cadre_behaviour silent_beh = {.size = sizeof(struct silent),
                                           .start = silent_start,
                                           .receive = silent_receive,
                                           .name = "silent"};

/* An asker with a bounded (FAIL) mailbox asks a service that never answers
 * and fills its own mailbox before the timeout fires: the request still
 * ends, by its timeout, exactly once. */
static void
ask_timeout_into_full_mailbox(void)
{
	static struct ask_box b;
	memset(&b, 0, sizeof b);
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(2, 0, &dl);
	CHECK_EQ(cadre_spawn(sys, &silent_beh, NULL, &b.requests, &b.service), 0);
	cadre_spawn_opts opts = {.mailbox_capacity = CAP};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &asker_beh, &opts, &b, &r), 0);
	CHECK_EQ(cadre_send(sys, r, T_GO, NULL, 0), 0);
	CHECK(wait_at_least(&b.go_done, 1, 20000));
	CHECK_EQ(ld(&b.wait_timedout), 0);
	CHECK_EQ(ld(&b.refused), 1);
	if (!wait_at_least(&b.outcomes, 1, 10000)) {
		fprintf(stderr, "the request never ended: its timeout was lost\n");
		abort();
	}
	nap_us(50000); /* no second outcome */
	CHECK_EQ(ld(&b.outcomes), 1);
	CHECK_EQ(ld(&b.status), CADRE_ETIMEDOUT);
	CHECK_EQ(ld(&b.fills), CAP);
	CHECK_EQ(cadre_send(sys, r, T_STOP, NULL, 0), 0);
	CHECK(wait_at_least(&b.requests, 1, 10000)); /* then stop it: no dead letter */
	CHECK_EQ(cadre_stop_ref(sys, b.service), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(ld(&b.timed_out), 1);
	CHECK_EQ(ld(&b.replied), 0);
	CHECK_EQ(ld(&b.pending), 0);
	CHECK_EQ(ld(&b.other), 0);
	CHECK_EQ(st.dead_letters, 0);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* ---- no memory for the message when the timer fires --------------------- */

struct sink_box {
	long got, started;
};

struct sink {
	cadre_actor base;
	struct sink_box *b;
};

static int
sink_start(cadre_actor *self, void *arg)
{
	((struct sink *)self)->b = arg;
	add(&((struct sink_box *)arg)->started, 1);
	return 0;
}

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct sink_box *b = ((struct sink *)self)->b;
	if (m->type == T_STOP)
		return cadre_stop(self);
	add(&b->got, 1);
	return 0;
}

static const cadre_behaviour sink_beh = {
        .size = sizeof(struct sink), .start = sink_start, .receive = sink_receive, .name = "sink"};

/* The one allocation that fails is the fired timer's message (the system
 * is idle and arming allocates nothing: nothing else allocates meanwhile):
 * the timer tries again at the next tick and its message arrives. */
static void
fire_without_memory(void)
{
	static struct sink_box b;
	memset(&b, 0, sizeof b);
	cadre_system *sys = dl_system(1, 0, NULL);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &b, &r), 0);
	CHECK(wait_at_least(&b.started, 1, 10000));
	/* A first timer makes the service's record page, and frees its record
	 * on the free stack for the next arm: then arming allocates nothing. */
	uint32_t x = 5;
	CHECK_EQ(cadre_send_after(sys, r, T_TICK, &x, sizeof x, 0, NULL), 0);
	CHECK(wait_at_least(&b.got, 1, 10000));
	for (int i = 0; cadre_timers_pending(sys) != 0; i++) {
		CHECK(i < 10000); /* freed just after its send */
		nap_us(1000);
	}
	nap_us(20000);              /* settled: the worker parks */
	cadre__alloc_fail_after(0); /* the next allocation fails, once */
	CHECK_EQ(cadre_send_after(sys, r, T_TICK, &x, sizeof x, 20, NULL), 0);
	long t0 = now_ms();
	/* Acquire: pairs with the consuming CAS in cadre__alloc_should_fail. */
	while (cadre__load_acq_u64(&cadre__alloc_countdown) != UINT64_MAX) {
		CHECK(now_ms() - t0 < 10000); /* the fire consumed it */
		nap_us(200);
	}
	if (!wait_at_least(&b.got, 2, 5000)) {
		fprintf(stderr, "the timer's message was lost for want of memory\n");
		abort();
	}
	for (int i = 0; cadre_timers_pending(sys) != 0; i++) {
		CHECK(i < 10000); /* freed just after its send */
		nap_us(1000);
	}
	CHECK_EQ(cadre_send(sys, r, T_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(ld(&b.got), 2);
	CHECK_EQ(st.sent, 3);
	CHECK_EQ(st.handled, 3);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, fail_policy_admits_timers);
	TEST_CASE_IF(only, fail_policy_interval);
	TEST_CASE_IF(only, drop_newest_admits_timers);
	TEST_CASE_IF(only, drop_oldest_counts_timers);
	TEST_CASE_IF(only, drop_oldest_keeps_timers);
	TEST_CASE_IF(only, ask_timeout_into_full_mailbox);
	TEST_CASE_IF(only, fire_without_memory);
	fprintf(stderr, "test_timer_full: ok\n");
	return 0;
}
