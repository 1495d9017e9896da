/* cadre_system_await_quiescent: it returns 0 only once every message, signal,
 * run and due timer the caller caused is done, while long-lived actors stay
 * alive; it times out while work is left.
 *   pingpong:  N exchanges between two live actors; counted exactly.
 *   burst:     one run sends to many actors (the outbox's chains).
 *   cascade:   an exit signal travels down a chain of linked actors whose
 *              stop callbacks sleep; signals are not in the message
 *              counters, so a check of sent == handled + dead_letters alone
 *              returns at once (a naive implementation fails here).
 *   forward:   a token forwarded along a chain of actors, each hop sent
 *              with a due timer (CADRE_NOWAIT: the next tick).
 *   timers:    a timer due later does not prevent quiescence; an interval
 *              timer due every tick does.
 *   blocking:  a blocking-pool actor asleep in receive: not quiescent until
 *              it returns.
 *   errors:    EINVAL, EWOULDBLOCK on a worker, 0 after shutdown. */
#include <stdatomic.h>
#include <string.h>

#include <cadre.h>

#include "check.h"

#define WAIT_ROUNDS 20000
#include "waits.h"

static cadre_system *
new_sys(unsigned workers)
{
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.workers = workers;
	cfg.no_pinning = true;
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

static void
check_settled(cadre_system *sys)
{
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
}

/* ---- pingpong ----------------------------------------------------------------------- */
enum { GO = 1, PING = 2, PONG = 3 };

struct player {
	cadre_actor base;
	cadre_ref peer;
	long left;
};

static atomic_long pings, pongs;

static int
player_receive(cadre_actor *self, const cadre_msg *m)
{
	struct player *p = (struct player *)self;
	cadre_system *sys = cadre_actor_system(self);
	switch (m->type) {
	case GO:
		memcpy(&p->peer, m->data, sizeof p->peer);
		memcpy(&p->left, (const char *)m->data + sizeof p->peer, sizeof p->left);
		p->left--;
		return cadre_send(sys, p->peer, PING, NULL, 0);
	case PING:
		atomic_fetch_add(&pings, 1);
		return cadre_send(sys, m->sender, PONG, NULL, 0);
	case PONG:
		atomic_fetch_add(&pongs, 1);
		if (p->left-- > 0)
			return cadre_send(sys, p->peer, PING, NULL, 0);
		return 0;
	default:
		return 0;
	}
}

static const cadre_behaviour player_beh = {.size = sizeof(struct player),
                                           .receive = player_receive};

static void
test_pingpong(void)
{
	cadre_system *sys = new_sys(2);
	cadre_ref a, b;
	CHECK_EQ(cadre_spawn(sys, &player_beh, NULL, NULL, &a), 0);
	CHECK_EQ(cadre_spawn(sys, &player_beh, NULL, NULL, &b), 0);
	long total = 0;
	for (long n = 1; n <= 100000; n *= 10) {
		char go[sizeof(cadre_ref) + sizeof(long)];
		memcpy(go, &b, sizeof b);
		memcpy(go + sizeof b, &n, sizeof n);
		CHECK_EQ(cadre_send(sys, a, GO, go, sizeof go), 0);
		CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
		total += n;
		/* Exactly the exchanges asked for, all done, both still alive. */
		CHECK_EQ(atomic_load(&pings), total);
		CHECK_EQ(atomic_load(&pongs), total);
		cadre_stats st;
		CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
		CHECK_EQ(st.actors_alive, 2u);
		CHECK_EQ(st.dead_letters, 0u);
		CHECK_EQ(st.handled, st.sent);
	}
	cadre_system_free(sys);
}

/* ---- burst: one run fans out through the outbox ------------------------------------ */
enum { SINKS = 8, PER_SINK = 500 };

static atomic_long sunk;
static cadre_ref sinks[SINKS];

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	atomic_fetch_add(&sunk, 1);
	return 0;
}

static int
fan_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	cadre_system *sys = cadre_actor_system(self);
	for (int i = 0; i < PER_SINK; i++)
		for (int k = 0; k < SINKS; k++)
			CHECK_EQ(cadre_send(sys, sinks[k], 1, &i, sizeof i), 0);
	return 0;
}

static const cadre_behaviour sink_beh = {.size = sizeof(cadre_actor), .receive = sink_receive};
static const cadre_behaviour fan_beh = {.size = sizeof(cadre_actor), .receive = fan_receive};

static void
test_burst(void)
{
	cadre_system *sys = new_sys(2);
	for (int k = 0; k < SINKS; k++)
		CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, NULL, &sinks[k]), 0);
	cadre_ref f;
	CHECK_EQ(cadre_spawn(sys, &fan_beh, NULL, NULL, &f), 0);
	for (long round = 1; round <= 20; round++) {
		CHECK_EQ(cadre_send(sys, f, 1, NULL, 0), 0);
		CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
		CHECK_EQ(atomic_load(&sunk), round * SINKS * PER_SINK);
	}
	check_settled(sys);
	cadre_system_free(sys);
}

/* ---- cascade: exit signals down a linked chain -------------------------------------- */
enum { CHAIN = 6 };

static atomic_int linked_up, chain_stops;

struct link_arg {
	cadre_ref prev;
};

static int
linker_start(cadre_actor *self, void *arg)
{
	const struct link_arg *la = arg;
	if (!cadre_ref_is_none(la->prev))
		CHECK_EQ(cadre_link(self, la->prev), 0);
	atomic_fetch_add(&linked_up, 1);
	return 0;
}

static int
linker_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	return 0;
}

static void
slow_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)self;
	(void)why;
	nap_ms(20); /* the next link's exit signal leaves after this */
	atomic_fetch_add(&chain_stops, 1);
}

static const cadre_behaviour linker_beh = {.size = sizeof(cadre_actor),
                                           .start = linker_start,
                                           .receive = linker_receive,
                                           .stop = slow_stop};

static void
test_cascade(void)
{
	cadre_system *sys = new_sys(2);
	cadre_spawn_opts o = {.flags = CADRE_SPAWN_BLOCKING};
	cadre_ref refs[CHAIN];
	for (int i = 0; i < CHAIN; i++) {
		struct link_arg la = {i == 0 ? CADRE_REF_NONE : refs[i - 1]};
		CHECK_EQ(cadre_spawn(sys, &linker_beh, &o, &la, &refs[i]), 0);
		WAIT_FOR(atomic_load(&linked_up) == i + 1); /* la is read by then */
	}
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	CHECK_EQ(atomic_load(&chain_stops), 0);
	CHECK_EQ(cadre_kill(sys, refs[0]), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	CHECK_EQ(atomic_load(&chain_stops), CHAIN); /* the whole cascade, not the first */
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.actors_alive, 0u);
	cadre_system_free(sys);
}

/* ---- forward: a token hops along a chain, each hop a due timer ---------------------- */
enum { HOPS = 20 };

struct hop {
	cadre_actor base;
	cadre_ref next;
};

static atomic_int hops_done;

static int
hop_start(cadre_actor *self, void *arg)
{
	((struct hop *)self)->next = *(const cadre_ref *)arg;
	return 0;
}

static int
hop_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	struct hop *h = (struct hop *)self;
	atomic_fetch_add(&hops_done, 1);
	if (cadre_ref_is_none(h->next))
		return 0;
	return cadre_send_after(cadre_actor_system(self), h->next, 1, NULL, 0, CADRE_NOWAIT, NULL);
}

static const cadre_behaviour hop_beh = {
        .size = sizeof(struct hop), .start = hop_start, .receive = hop_receive};

static void
test_forward(void)
{
	cadre_system *sys = new_sys(2);
	cadre_ref next = CADRE_REF_NONE;
	for (int i = 0; i < HOPS; i++) {
		cadre_ref r;
		CHECK_EQ(cadre_spawn(sys, &hop_beh, NULL, &next, &r), 0);
		/* next is read by start: wait for it before changing next */
		CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
		next = r;
	}
	CHECK_EQ(cadre_send(sys, next, 1, NULL, 0), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	CHECK_EQ(atomic_load(&hops_done), HOPS);
	check_settled(sys);
	cadre_system_free(sys);
}

/* ---- timers ------------------------------------------------------------------------- */
static atomic_int ticks;

static int
tick_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	atomic_fetch_add(&ticks, 1);
	return 0;
}

static const cadre_behaviour tick_beh = {.size = sizeof(cadre_actor), .receive = tick_receive};

static void
test_timers(void)
{
	cadre_system *sys = new_sys(2);
	cadre_ref a;
	CHECK_EQ(cadre_spawn(sys, &tick_beh, NULL, NULL, &a), 0);
	/* Due in 10 s: the actor waits for it, idle; quiescent now. */
	cadre_timer later;
	CHECK_EQ(cadre_send_after(sys, a, 1, NULL, 0, 10000, &later), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	CHECK_EQ(atomic_load(&ticks), 0);
	CHECK_EQ(cadre_timer_cancel(sys, later), 0);
	/* Due at the next tick: quiescent only once it fired and was handled. */
	CHECK_EQ(cadre_send_after(sys, a, 1, NULL, 0, CADRE_NOWAIT, NULL), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	CHECK_EQ(atomic_load(&ticks), 1);
	/* Due every tick: never quiescent. */
	cadre_timer every;
	CHECK_EQ(cadre_send_interval(sys, a, 1, NULL, 0, 1, &every), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, 100), CADRE_ETIMEDOUT);
	CHECK_EQ(cadre_timer_cancel(sys, every), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	check_settled(sys);
	cadre_system_free(sys);
}

/* ---- blocking: an actor asleep in receive ------------------------------------------- */
static atomic_int slept;

static int
sleeper_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	nap_ms(300);
	atomic_store(&slept, 1);
	return 0;
}

static const cadre_behaviour sleeper_beh = {.size = sizeof(cadre_actor),
                                            .receive = sleeper_receive};

static void
test_blocking(void)
{
	cadre_system *sys = new_sys(1);
	cadre_spawn_opts o = {.flags = CADRE_SPAWN_BLOCKING};
	cadre_ref s;
	CHECK_EQ(cadre_spawn(sys, &sleeper_beh, &o, NULL, &s), 0);
	CHECK_EQ(cadre_send(sys, s, 1, NULL, 0), 0);
	/* Queued or asleep in receive for 300 ms: not quiescent at once. */
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_NOWAIT), CADRE_ETIMEDOUT);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	CHECK_EQ(atomic_load(&slept), 1);
	check_settled(sys);
	cadre_system_free(sys);
}

/* ---- errors ------------------------------------------------------------------------- */
static atomic_int inner_rc;

static int
asker_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	atomic_store(&inner_rc, cadre_system_await_quiescent(cadre_actor_system(self), 10));
	return 0;
}

static const cadre_behaviour asker_beh = {.size = sizeof(cadre_actor), .receive = asker_receive};

static void
test_errors(void)
{
	CHECK_EQ(cadre_system_await_quiescent(NULL, CADRE_FOREVER), CADRE_EINVAL);
	cadre_system *sys = new_sys(1);
	CHECK_EQ(cadre_system_await_quiescent(sys, -2), CADRE_EINVAL);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_NOWAIT), 0); /* nothing ever ran */
	cadre_ref a;
	CHECK_EQ(cadre_spawn(sys, &asker_beh, NULL, NULL, &a), 0);
	atomic_store(&inner_rc, 1);
	CHECK_EQ(cadre_send(sys, a, 1, NULL, 0), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	CHECK_EQ(atomic_load(&inner_rc), CADRE_EWOULDBLOCK);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_NOWAIT), 0); /* shut down: quiescent */
	cadre_system_free(sys);
}

int
main(void)
{
	for (int round = 0; round < 3; round++) {
		atomic_store(&pings, 0);
		atomic_store(&pongs, 0);
		test_pingpong();
		atomic_store(&sunk, 0);
		test_burst();
		atomic_store(&linked_up, 0);
		atomic_store(&chain_stops, 0);
		test_cascade();
		atomic_store(&hops_done, 0);
		test_forward();
	}
	test_timers();
	test_blocking();
	test_errors();
	return 0;
}
