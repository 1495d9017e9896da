/* Exactly-once under stress: 10,000 actors, a few million messages with
 * random fan-out, and random actors stopping themselves mid-run.
 *
 * Main injects M tokens. An actor receiving a token with hops left forwards
 * one or two tokens (random) to random actors. Some actors stop themselves
 * on receiving a "poison" token; tokens that then reach them are dead
 * letters, which the dead-letter hook counts. `outstanding` counts tokens
 * not yet handled or dead; the run is over when it reaches 0. Checked
 * exactly: the actors' own receive counts sum to the runtime's handled
 * count, handled + dead == sent, the hook saw every dead letter, and
 * sent == M + forwarded. */
#include <stdlib.h>
#include <time.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"

struct token {
	uint32_t hops;
	uint32_t poison;
	uint64_t rng;
};

static long A, M, H;
static cadre_ref *refs; /* written by main before the first send */
static uint64_t outstanding, forwarded, hook_calls, stopped_sum;

static uint64_t
next_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct hopper {
	cadre_actor base;
	uint64_t received;
};

static int
hopper_receive(cadre_actor *self, const cadre_msg *m)
{
	struct hopper *h = (struct hopper *)self;
	const struct token *t = m->data;
	h->received++;
	struct token next = *t;
	int rc = 0;
	if (t->hops > 0) {
		next.hops--;
		uint64_t r = next_rng(&next.rng);
		int k = (r & 3) == 0 ? 2 : 1;
		/* acq_rel adds: the total must be up before the child can finish */
		cadre__faa_acqrel_u64(&outstanding, (uint64_t)k);
		cadre__faa_rlx_u64(&forwarded, (uint64_t)k);
		for (int i = 0; i < k; i++) {
			next.poison = (next_rng(&next.rng) % 1000) == 0;
			cadre_ref to = refs[next_rng(&next.rng) % (uint64_t)A];
			rc = cadre_send(cadre_actor_system(self), to, 1, &next, sizeof next);
			/* dead letters are accounted by the hook */
			CHECK(rc == 0 || rc == CADRE_ENOACTOR);
		}
	}
	int stop = t->poison;
	cadre__faa_acqrel_u64(&outstanding, (uint64_t)-1); /* this token is done */
	return stop ? cadre_stop(self) : 0;
}

static void
hopper_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	cadre__faa_acqrel_u64(&stopped_sum, ((struct hopper *)self)->received);
}

static const cadre_behaviour hopper = {
        .size = sizeof(struct hopper), .receive = hopper_receive, .stop = hopper_stop};

static void
hook(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	(void)ctx;
	(void)to;
	CHECK(why == CADRE_ENOACTOR);
	CHECK_EQ(m->size, sizeof(struct token));
	cadre__faa_acqrel_u64(&hook_calls, 1);
	cadre__faa_acqrel_u64(&outstanding, (uint64_t)-1); /* the token died */
}

static void
random_fanout(void)
{
	A = test_size("CADRE_STRESS_ACTORS", 10000);
	M = test_size("CADRE_STRESS_TOKENS", 5000);
	H = test_size("CADRE_STRESS_HOPS", 20);
	cadre_config cfg = {.workers = 2, .dead_letter = hook};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	refs = calloc((size_t)A, sizeof *refs);
	CHECK(refs != NULL);
	for (long i = 0; i < A; i++)
		CHECK_EQ(cadre_spawn(sys, &hopper, NULL, NULL, &refs[i]), 0);
	cadre__store_rel_u64(&outstanding, (uint64_t)M);
	uint64_t seed = 88172645463325252ull;
	for (long i = 0; i < M; i++) {
		struct token t = {(uint32_t)H, 0, next_rng(&seed) | 1};
		int rc = cadre_send(sys, refs[next_rng(&seed) % (uint64_t)A], 1, &t, sizeof t);
		/* tokens already moving may have poisoned the target: the hook
		 * accounts for those */
		CHECK(rc == 0 || rc == CADRE_ENOACTOR);
	}
	/* Bounded wait: 10 minutes at most, then fail. */
	struct timespec nap = {0, 2000000};
	for (long i = 0; cadre__load_acq_u64(&outstanding) != 0; i++) {
		CHECK(i < 300000);
		nanosleep(&nap, NULL);
	}
	cadre_stats before;
	CHECK_EQ(cadre_system_stats(sys, -1, &before), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	uint64_t fw = cadre__load_acq_u64(&forwarded);
	fprintf(stderr, "stress: %ld actors, sent %llu handled %llu dead %llu stopped early %llu\n",
	        A, (unsigned long long)st.sent, (unsigned long long)st.handled,
	        (unsigned long long)st.dead_letters, (unsigned long long)before.stopped);
	CHECK(st.sent > 1000000 || getenv("CADRE_STRESS_SCALE") != NULL);
	CHECK_EQ(st.sent, (uint64_t)M + fw);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(cadre__load_acq_u64(&hook_calls), st.dead_letters);
	CHECK_EQ(cadre__load_acq_u64(&stopped_sum), st.handled);
	CHECK_EQ(st.stopped, (uint64_t)A);
	CHECK_EQ(st.actors_alive, 0);
	CHECK(before.stopped > 0); /* some actors did die mid-run */
	cadre_system_free(sys);
	free(refs);
}

int
main(void)
{
	TEST_CASE(random_fanout);
	fprintf(stderr, "test_stress: ok\n");
	return 0;
}
