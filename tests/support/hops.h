/* Cadre tests: random traffic between actors, with exact counts.
 *
 * hops_run(sys, tokens, hops) spawns HOPS_ACTORS actors in sys, sends
 * `tokens` tokens to them from this thread (a nap every 256, so that the
 * sends spread over the run), each of which hops `hops` times to a random
 * actor, and waits, at most 60 s, until every token has arrived and the
 * system is quiescent. It checks that every message was handled exactly
 * once (sys must be fresh: the counts are the system's) and leaves the
 * system's counters in *st. With hops_chaff set, each hop also sends a
 * message of chaff to another random actor, which drops it: a hopper then
 * sends two messages for each one it handles, so backpressure may mute it
 * (it mutes only actors whose run sent more than it handled). Used by
 * test_governor (dormant workers under load) and test_mute_cycle
 * (backpressure cannot deadlock). */
#ifndef CADRE_TEST_HOPS_H
#define CADRE_TEST_HOPS_H

#include <string.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"
#include "waits.h"

#define HOPS_ACTORS 64
#define HOPS_M_HOP 1u
#define HOPS_M_CHAFF 2u

static cadre_ref hops_ring[HOPS_ACTORS];
static uint64_t hops_done;
static bool hops_chaff; /* set before hops_run */

struct hopper {
	cadre_actor base;
	uint64_t rng;
};

static int
hopper_start(cadre_actor *self, void *arg)
{
	((struct hopper *)self)->rng = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;
	return 0;
}

static int
hopper_receive(cadre_actor *self, const cadre_msg *m)
{
	struct hopper *h = (struct hopper *)self;
	uint32_t left;
	if (m->type == HOPS_M_CHAFF)
		return 0;
	CHECK_EQ(m->size, sizeof left);
	memcpy(&left, m->data, sizeof left);
	if (left == 0) {
		cadre__faa_acqrel_u64(&hops_done, 1); /* pairs with hops_run's acquire load */
		return 0;
	}
	left--;
	h->rng = h->rng * 6364136223846793005ull + 1442695040888963407ull;
	cadre_ref to = hops_ring[(h->rng >> 33) % HOPS_ACTORS];
	CHECK_EQ(cadre_send(cadre_actor_system(self), to, HOPS_M_HOP, &left, sizeof left), 0);
	if (hops_chaff) {
		cadre_ref other = hops_ring[(h->rng >> 17) % HOPS_ACTORS];
		CHECK_EQ(cadre_send(cadre_actor_system(self), other, HOPS_M_CHAFF, NULL, 0), 0);
	}
	return 0;
}

static const cadre_behaviour hopper_beh = {
        .size = sizeof(struct hopper), .start = hopper_start, .receive = hopper_receive};

static void
hops_run(cadre_system *sys, long tokens, uint32_t hops, cadre_stats *st)
{
	for (int i = 0; i < HOPS_ACTORS; i++)
		CHECK_EQ(cadre_spawn(sys, &hopper_beh, NULL, (void *)(uintptr_t)(i + 1),
		                     &hops_ring[i]),
		         0);
	cadre__store_rel_u64(&hops_done, 0); /* no token runs yet; read by the acquire below */
	for (long i = 0; i < tokens; i++) {
		uint32_t left = hops;
		CHECK_EQ(
		        cadre_send(sys, hops_ring[i % HOPS_ACTORS], HOPS_M_HOP, &left, sizeof left),
		        0);
		if (i % 256 == 0)
			nap_ms(1);
	}
	uint64_t end = now_ns() + UINT64_C(60000000000);
	while (cadre__load_acq_u64(&hops_done) < (uint64_t)tokens) { /* pairs with the hoppers */
		CHECK(now_ns() < end);
		nap_ms(1);
	}
	CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
	CHECK_EQ(cadre_system_stats(sys, -1, st), 0);
	uint64_t chaff = hops_chaff ? (uint64_t)tokens * hops : 0;
	CHECK_EQ(st->handled, (uint64_t)tokens * (hops + 1) + chaff);
	CHECK_EQ(st->sent, st->handled);
	CHECK_EQ(st->dead_letters, 0);
}

#endif /* CADRE_TEST_HOPS_H */
