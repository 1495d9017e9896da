/* The timing wheel (core/src/wheel.c) against brute-force models.
 *
 * Each check is the contract of cadre__wheel.h: an advance to `now` returns
 * exactly the pending timers whose deadline is <= now, each once (none
 * early, none late, none lost, none twice); count is the number pending;
 * next_deadline is never later than the earliest pending deadline, and is
 * equal to it while no timer has been deleted.
 *
 * Random cases print their seed; CADRE_WHEEL_SEED=<n> replays one.
 * CADRE_WHEEL_TIMERS sizes the big random case (default 200000),
 * CADRE_STRESS_SCALE divides it (see check.h).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadre__wheel.h"
#include "check.h"

#define TOP_SHIFT ((CADRE__WHEEL_LEVELS - 1) * CADRE__WHEEL_BITS) /* 30 */
#define P2(k) ((uint64_t)1 << (k))

/* ---- helpers --------------------------------------------------------------- */

static uint64_t rng;

/* splitmix64: small, good enough, replayable. */
static uint64_t
rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0; the bias is irrelevant here). */
static uint64_t
rnd_below(uint64_t n)
{
	return rnd() % n;
}

static uint64_t
seed_from_env(uint64_t dflt)
{
	const char *s = getenv("CADRE_WHEEL_SEED");
	if (s != NULL && *s != '\0')
		return strtoull(s, NULL, 10);
	return dflt;
}

/* The length of an expired list, checking that every timer on it is idle. */
static size_t
list_len(const struct cadre__timer *t)
{
	size_t n = 0;
	for (; t != NULL; t = t->next) {
		CHECK(!cadre__timer_pending(t));
		n++;
	}
	return n;
}

/* ---- fixed cases ------------------------------------------------------------ */

static void
test_empty(void)
{
	static const uint64_t starts[] = {0,          1,          63,     64,
	                                  P2(30) - 1, P2(36) - 1, P2(36), UINT64_MAX - P2(50)};
	for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
		struct cadre__wheel w;
		struct cadre__timer idle, dummy;
		struct cadre__timer *out = &dummy; /* must be overwritten */
		uint64_t tick = 12345;

		cadre__wheel_init(&w, starts[k]);
		CHECK_EQ(cadre__wheel_count(&w), 0);
		CHECK(cadre__wheel_now(&w) == starts[k]);
		CHECK(!cadre__wheel_next_deadline(&w, &tick));
		CHECK_EQ(tick, 12345);
		CHECK_EQ(cadre__wheel_advance(&w, starts[k], &out), 0);
		CHECK(out == NULL);
		uint64_t steps[] = {1, 63, 64, 4096, P2(30), P2(36), P2(44)};
		uint64_t now = starts[k];
		for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
			now += steps[i];
			out = &dummy;
			CHECK_EQ(cadre__wheel_advance(&w, now, &out), 0);
			CHECK(out == NULL);
			CHECK(cadre__wheel_now(&w) == now);
		}
		/* Deleting an idle timer does nothing. */
		memset(&idle, 0, sizeof idle);
		CHECK(!cadre__timer_pending(&idle));
		cadre__wheel_del(&w, &idle);
		cadre__timer_init(&idle);
		cadre__wheel_del(&w, &idle);
		CHECK(!cadre__timer_pending(&idle));
		CHECK_EQ(cadre__wheel_count(&w), 0);
		CHECK(!cadre__wheel_next_deadline(&w, &tick));
	}
}

/* Interesting distances from now: level edges, the top level, the overflow. */
static const uint64_t distances[] = {
        0,
        1,
        2,
        63,
        64,
        65,
        127,
        128,
        4095,
        4096,
        4097,
        P2(18) - 1,
        P2(18),
        P2(20),
        P2(24) - 1,
        P2(24),
        P2(24) + 1,
        P2(30) - 1,
        P2(30),
        P2(30) + 1,
        P2(32) + 5, /* 2^32 + 5: inside the wheel */
        63 * P2(30) - 1,
        63 * P2(30),
        64 * P2(30),
        P2(36) + 5, /* the overflow from here on, for some starts */
        P2(40),
        P2(50),
};

static const uint64_t single_starts[] = {
        0,
        1,
        62,
        63,
        64,
        4095,
        P2(24) - 3,
        P2(30) - 1,
        P2(30),
        P2(36) - 3,           /* every digit about to wrap */
        P2(36) - P2(30) + 7,  /* top digit 63 */
        P2(36) + P2(35) + 11, /* top digit 32 */
        0x123456789abcULL,
        UINT64_MAX - P2(52),
};

enum single_mode { SINGLE_STEP, SINGLE_JUMP, SINGLE_FOLLOW, SINGLE_FOLLOW_STALE, SINGLE_MODES };

/* One timer at start + dist (or before start), reached one of four ways:
 * STEP advances to deadline - 1, then to the deadline; JUMP goes past it in
 * one advance; FOLLOW advances to next_deadline until it fires (exact: one
 * wakeup); FOLLOW_STALE first adds and deletes an earlier timer in the
 * wheel so that next_deadline may be a stale lower bound. */
static void
single_case(uint64_t start, uint64_t deadline, enum single_mode mode)
{
	struct cadre__wheel w;
	struct cadre__timer t, early, *out;
	uint64_t tick;

	cadre__wheel_init(&w, start);
	cadre__timer_init(&t);
	cadre__timer_init(&early);
	cadre__wheel_add(&w, &t, deadline);
	CHECK(cadre__timer_pending(&t));
	CHECK(t.deadline == deadline);
	CHECK_EQ(cadre__wheel_count(&w), 1);
	CHECK(cadre__wheel_next_deadline(&w, &tick));
	CHECK(tick == deadline);

	switch (mode) {
	case SINGLE_STEP:
		if (deadline > start) {
			CHECK_EQ(cadre__wheel_advance(&w, deadline - 1, &out), 0);
			CHECK(out == NULL);
			CHECK(cadre__timer_pending(&t));
			CHECK(cadre__wheel_next_deadline(&w, &tick));
			CHECK(tick == deadline);
		}
		CHECK_EQ(cadre__wheel_advance(&w, deadline > start ? deadline : start, &out), 1);
		break;
	case SINGLE_JUMP: {
		uint64_t to = deadline > start ? deadline : start;
		uint64_t extra = rnd_below(P2(1 + rnd_below(45)));
		to = to + extra < to ? UINT64_MAX : to + extra;
		CHECK_EQ(cadre__wheel_advance(&w, to, &out), 1);
		break;
	}
	case SINGLE_FOLLOW:
	case SINGLE_FOLLOW_STALE: {
		if (mode == SINGLE_FOLLOW_STALE && deadline > start + 1) {
			/* An earlier timer, deleted: in the same slot (deadline - 1
			 * often is) or anywhere before. */
			uint64_t d2 = rnd_below(2) == 0
			                      ? deadline - 1
			                      : start + 1 + rnd_below(deadline - start - 1);
			cadre__wheel_add(&w, &early, d2);
			CHECK_EQ(cadre__wheel_count(&w), 2);
			cadre__wheel_del(&w, &early);
			CHECK(!cadre__timer_pending(&early));
			CHECK_EQ(cadre__wheel_count(&w), 1);
		}
		size_t got = 0;
		unsigned wakeups = 0;
		while (got == 0) {
			CHECK(cadre__wheel_next_deadline(&w, &tick));
			CHECK(tick <= deadline);
			if (deadline > cadre__wheel_now(&w))
				CHECK(tick > cadre__wheel_now(&w));
			got = cadre__wheel_advance(&w, tick, &out);
			wakeups++;
			/* A stale bound costs at most one wakeup per list. */
			CHECK(wakeups <= CADRE__WHEEL_LEVELS + 2);
		}
		CHECK_EQ(got, 1);
		CHECK(cadre__wheel_now(&w) == (deadline > start ? deadline : start));
		if (mode == SINGLE_FOLLOW)
			CHECK_EQ(wakeups, 1);
		break;
	}
	default:
		CHECK(0);
	}
	CHECK(out == &t);
	CHECK(t.next == NULL);
	CHECK(!cadre__timer_pending(&t));
	CHECK(t.deadline == deadline);
	CHECK_EQ(cadre__wheel_count(&w), 0);
	CHECK(!cadre__wheel_next_deadline(&w, &tick));
	CHECK_EQ(cadre__wheel_advance(&w, cadre__wheel_now(&w) + 1, &out), 0);
}

static void
test_single(void)
{
	rng = seed_from_env(1);
	for (size_t s = 0; s < sizeof single_starts / sizeof single_starts[0]; s++) {
		uint64_t start = single_starts[s];
		for (size_t d = 0; d < sizeof distances / sizeof distances[0]; d++) {
			uint64_t dl = start + distances[d];
			if (dl < start)
				continue; /* would wrap the tick */
			for (int m = 0; m < SINGLE_MODES; m++)
				single_case(start, dl, (enum single_mode)m);
		}
		/* Deadlines in the past fire at the next advance, even to the
		 * same tick. */
		if (start > 0) {
			for (int m = 0; m < SINGLE_MODES; m++) {
				single_case(start, start - 1, (enum single_mode)m);
				single_case(start, 0, (enum single_mode)m);
			}
		}
	}
}

/* 1-tick steps around every small distance: fires at exactly the deadline. */
static void
test_single_ticks(void)
{
	static const uint64_t tick_starts[] = {0, 60, 4090, P2(30) - 70, P2(36) - 4100};
	for (size_t s = 0; s < sizeof tick_starts / sizeof tick_starts[0]; s++) {
		for (uint64_t dist = 0; dist <= 4200; dist += (dist < 130 ? 1 : 61)) {
			struct cadre__wheel w;
			struct cadre__timer t, *out;
			uint64_t start = tick_starts[s], now = start;

			cadre__wheel_init(&w, start);
			cadre__timer_init(&t);
			cadre__wheel_add(&w, &t, start + dist);
			for (;;) {
				size_t n = cadre__wheel_advance(&w, now, &out);
				if (now < start + dist) {
					CHECK_EQ(n, 0);
				} else {
					CHECK_EQ(n, 1);
					CHECK(out == &t);
					CHECK(now == start + dist);
					break;
				}
				now++;
			}
			CHECK_EQ(cadre__wheel_count(&w), 0);
		}
	}
}

/* Re-adding a fired timer, deleting and re-adding, moving a pending timer,
 * deleting twice. */
static void
test_readd(void)
{
	struct cadre__wheel w;
	struct cadre__timer t[3], *out, *it;
	uint64_t tick;

	cadre__wheel_init(&w, 1000);
	for (int i = 0; i < 3; i++)
		cadre__timer_init(&t[i]);

	/* Fired, then re-added from inside the walk of the expired list. */
	for (int i = 0; i < 3; i++)
		cadre__wheel_add(&w, &t[i], 1010);
	CHECK_EQ(cadre__wheel_advance(&w, 1010, &out), 3);
	int seen = 0;
	for (it = out; it != NULL;) {
		struct cadre__timer *next = it->next; /* before add overwrites it */
		seen |= 1 << (it - t);
		cadre__wheel_add(&w, it, 1010 + 100 * (uint64_t)(it - t + 1));
		it = next;
	}
	CHECK_EQ(seen, 7);
	CHECK_EQ(cadre__wheel_count(&w), 3);
	CHECK(cadre__wheel_next_deadline(&w, &tick));
	CHECK(tick == 1110);
	CHECK_EQ(cadre__wheel_advance(&w, 1109, &out), 0);
	CHECK_EQ(cadre__wheel_advance(&w, 1110, &out), 1);
	CHECK(out == &t[0]);
	CHECK_EQ(cadre__wheel_advance(&w, 1310, &out), 2);
	CHECK_EQ(list_len(out), 2);

	/* Delete then re-add: only the second deadline counts. */
	cadre__wheel_add(&w, &t[0], 2000);
	cadre__wheel_del(&w, &t[0]);
	CHECK(!cadre__timer_pending(&t[0]));
	CHECK_EQ(cadre__wheel_count(&w), 0);
	cadre__wheel_del(&w, &t[0]); /* twice: nothing */
	CHECK_EQ(cadre__wheel_count(&w), 0);
	cadre__wheel_add(&w, &t[0], 5000);
	CHECK_EQ(cadre__wheel_count(&w), 1);
	CHECK_EQ(cadre__wheel_advance(&w, 4999, &out), 0);
	CHECK_EQ(cadre__wheel_advance(&w, 5000, &out), 1);
	CHECK(out == &t[0]);

	/* Add on a pending timer moves it, earlier and later, across levels. */
	cadre__wheel_add(&w, &t[1], 5000 + P2(20));
	cadre__wheel_add(&w, &t[1], 5000 + 10);
	CHECK_EQ(cadre__wheel_count(&w), 1);
	CHECK(cadre__wheel_next_deadline(&w, &tick));
	CHECK(tick == 5010);
	cadre__wheel_add(&w, &t[1], 5000 + P2(40)); /* into the overflow */
	CHECK_EQ(cadre__wheel_count(&w), 1);
	CHECK_EQ(cadre__wheel_advance(&w, 5000 + P2(39), &out), 0);
	cadre__wheel_add(&w, &t[1], 1); /* into the past: due */
	CHECK_EQ(cadre__wheel_count(&w), 1);
	CHECK(cadre__wheel_next_deadline(&w, &tick));
	CHECK(tick == 1);
	CHECK_EQ(cadre__wheel_advance(&w, 5000 + P2(39), &out), 1); /* same tick */
	CHECK(out == &t[1]);
	CHECK_EQ(cadre__wheel_count(&w), 0);

	/* Delete every kind of placement and leave the wheel empty. */
	uint64_t now = cadre__wheel_now(&w);
	cadre__wheel_add(&w, &t[0], now - 5);      /* due */
	cadre__wheel_add(&w, &t[1], now + 3);      /* level 0 */
	cadre__wheel_add(&w, &t[2], now + P2(44)); /* overflow */
	CHECK_EQ(cadre__wheel_count(&w), 3);
	for (int i = 0; i < 3; i++)
		cadre__wheel_del(&w, &t[i]);
	CHECK_EQ(cadre__wheel_count(&w), 0);
	CHECK(!cadre__wheel_next_deadline(&w, &tick));
	CHECK_EQ(cadre__wheel_advance(&w, now + P2(45), &out), 0);
	for (unsigned l = 0; l < CADRE__WHEEL_LEVELS; l++)
		CHECK(w.nonempty[l] == 0);
	for (unsigned i = 0; i < CADRE__WHEEL_LISTS; i++)
		CHECK(w.list[i].head == NULL && w.list[i].min == UINT64_MAX);
}

/* Time does not go back: an advance to an earlier tick only fires what is
 * due. */
static void
test_backwards(void)
{
	struct cadre__wheel w;
	struct cadre__timer a, b, *out;

	cadre__wheel_init(&w, 10000);
	cadre__timer_init(&a);
	cadre__timer_init(&b);
	cadre__wheel_add(&w, &a, 10001);
	cadre__wheel_add(&w, &b, 9000);
	CHECK_EQ(cadre__wheel_advance(&w, 500, &out), 1);
	CHECK(out == &b);
	CHECK(cadre__wheel_now(&w) == 10000);
	CHECK(cadre__timer_pending(&a));
	CHECK_EQ(cadre__wheel_advance(&w, 10001, &out), 1);
	CHECK(out == &a);
}

/* Many timers crossing the top digit's wrap and the overflow boundary, the
 * wheel walked by 2^30-tick steps and then by next_deadline. */
static void
test_top_wrap(void)
{
	enum { N = 4096 };
	static struct cadre__timer t[N];
	struct cadre__wheel w;
	struct cadre__timer *out;
	uint64_t start = P2(36) - 3 * P2(30) + 12345, now = start, tick;
	size_t fired = 0;

	cadre__wheel_init(&w, start);
	for (int i = 0; i < N; i++) {
		cadre__timer_init(&t[i]);
		/* Spread over 128 top digits: half in the overflow. */
		cadre__wheel_add(&w, &t[i], start + (uint64_t)i * (P2(31) + 977));
	}
	CHECK_EQ(cadre__wheel_count(&w), N);
	while (fired < N) {
		uint64_t min = UINT64_MAX;
		for (int i = 0; i < N; i++)
			if (cadre__timer_pending(&t[i]) && t[i].deadline < min)
				min = t[i].deadline;
		CHECK(cadre__wheel_next_deadline(&w, &tick));
		CHECK(tick == min); /* no deletions: exact */
		now = (fired % 3 == 0) ? tick : now + P2(30);
		if (now > tick)
			now = tick;
		size_t n = cadre__wheel_advance(&w, now, &out);
		CHECK_EQ(list_len(out), n);
		for (; out != NULL; out = out->next)
			CHECK(out->deadline <= now);
		fired += n;
		for (int i = 0; i < N; i++)
			CHECK(cadre__timer_pending(&t[i]) == (t[i].deadline > now));
		CHECK_EQ(cadre__wheel_count(&w), N - fired);
	}
}

/* ---- random, against a model --------------------------------------------- */

enum { ARMED = 1, DELETED = 2, FIRED = 3 };

struct item {
	struct cadre__timer timer;
	uint64_t deadline;
	int state;
};

static struct item *items;

static int
cmp_deadline(const void *a, const void *b)
{
	uint64_t x = items[*(const uint32_t *)a].deadline, y = items[*(const uint32_t *)b].deadline;
	return (x > y) - (x < y);
}

static struct item *
item_of(struct cadre__timer *t)
{
	return (struct item *)(void *)((char *)t - offsetof(struct item, timer));
}

/* A deadline relative to start from one of several ranges. */
static uint64_t
random_deadline(uint64_t start)
{
	static const unsigned span_bits[] = {6, 12, 18, 24, 32, 37, 42};
	uint64_t r = rnd_below(16);
	if (r == 0)
		return start - rnd_below(start < 1000 ? start + 1 : 1000); /* past */
	if (r == 1)
		return start; /* now */
	return start + rnd_below(P2(span_bits[rnd_below(7)]));
}

struct big_stats {
	size_t advances, fired, deleted, spurious, follows;
};

/* n timers with random deadlines, a random third deleted (half before the
 * first advance, half along the way), advanced in random steps until empty.
 * `follow_only` drives it like the timer service: always advance to
 * next_deadline. */
static void
big_case(uint64_t seed, uint64_t start, uint32_t n, bool follow_only, struct big_stats *st)
{
	struct cadre__wheel *w = malloc(sizeof *w);
	uint32_t *order = malloc(n * sizeof *order);
	uint32_t *victims = malloc(n * sizeof *victims);
	size_t nvictims = 0, vnext = 0, armed = n;
	size_t p = 0; /* order[p..]: deadline > now */
	size_t q = 0; /* order[q..]: from the first armed one, when q >= p */
	bool deleted = false;
	uint64_t now = start;

	CHECK(w != NULL && order != NULL && victims != NULL);
	items = calloc(n, sizeof *items);
	CHECK(items != NULL);
	rng = seed;
	memset(st, 0, sizeof *st);

	cadre__wheel_init(w, start);
	for (uint32_t i = 0; i < n; i++) {
		items[i].deadline = random_deadline(start);
		items[i].state = ARMED;
		order[i] = i;
		cadre__wheel_add(w, &items[i].timer, items[i].deadline);
	}
	CHECK_EQ(cadre__wheel_count(w), n);
	qsort(order, n, sizeof *order, cmp_deadline);

	/* Victims: a third, in random order; the first half deleted now. */
	for (uint32_t i = 0; i < n; i++)
		if (rnd_below(3) == 0)
			victims[nvictims++] = i;
	for (size_t i = nvictims; i > 1; i--) {
		size_t j = rnd_below(i);
		uint32_t tmp = victims[i - 1];
		victims[i - 1] = victims[j];
		victims[j] = tmp;
	}
	for (; vnext < nvictims / 2; vnext++) {
		struct item *it = &items[victims[vnext]];
		cadre__wheel_del(w, &it->timer);
		it->state = DELETED;
		armed--;
		deleted = true;
	}
	CHECK_EQ(cadre__wheel_count(w), armed);

	unsigned run = 0;  /* 1-tick steps left in the current run */
	uint64_t step = 0; /* the current mode's step bound */
	while (armed > 0) {
		uint64_t tick, to;

		/* The model's earliest armed deadline: order[q]. */
		if (q < p)
			q = p;
		while (q < n && items[order[q]].state != ARMED)
			q++;
		CHECK(q < n);
		uint64_t true_min = items[order[q]].deadline;
		CHECK(cadre__wheel_next_deadline(w, &tick));
		CHECK(tick <= true_min);
		if (!deleted)
			CHECK(tick == true_min);
		if (st->advances > 0)
			CHECK(tick > now); /* nothing is due after an advance */

		/* Pick the next tick. */
		if (follow_only) {
			to = tick > now ? tick : now;
			st->follows++;
		} else {
			if (run == 0) {
				switch (rnd_below(20)) {
				case 0:
				case 1:
				case 2:
				case 3:
				case 4:
				case 5:
				case 6:
				case 7:
					run = 1 + (unsigned)rnd_below(300), step = 1;
					break;
				case 8:
				case 9:
				case 10:
				case 11:
					run = 1, step = 1000;
					break;
				case 12:
				case 13:
				case 14:
					run = 1, step = P2(20);
					break;
				case 15:
				case 16:
					run = 1, step = P2(34);
					break;
				case 17:
				case 18:
					run = 1, step = 0; /* follow next_deadline */
					break;
				default:
					run = 1,
					step = P2(36 + rnd_below(8)); /* across the range */
					break;
				}
			}
			run--;
			if (step == 0) {
				to = tick > now ? tick : now;
				st->follows++;
			} else if (step == 1) {
				to = now + 1;
			} else {
				to = now + 1 + rnd_below(step);
			}
		}

		struct cadre__timer *out;
		size_t got = cadre__wheel_advance(w, to, &out);
		now = to;
		st->advances++;
		CHECK(cadre__wheel_now(w) == now);

		/* Everything returned was armed with deadline <= now. */
		size_t walked = 0;
		for (; out != NULL; out = out->next) {
			struct item *it = item_of(out);
			CHECK(!cadre__timer_pending(out));
			CHECK_EQ(it->state, ARMED);
			CHECK(it->deadline <= now);
			CHECK(out->deadline == it->deadline);
			it->state = FIRED;
			walked++;
		}
		CHECK_EQ(walked, got);
		/* ... and exactly as many as the model has armed with deadline
		 * <= now: the returned set is exactly that set. */
		size_t expect = 0;
		for (; p < n && items[order[p]].deadline <= now; p++) {
			CHECK(items[order[p]].state != ARMED); /* none late */
			if (items[order[p]].state == FIRED)
				expect++;
		}
		CHECK_EQ(got, expect);
		if (follow_only && got == 0)
			st->spurious++;
		armed -= got;
		st->fired += got;

		/* Delete some more victims (still armed, or already fired: a
		 * no-op), now and then. */
		if (vnext < nvictims && rnd_below(4) == 0) {
			size_t k = 1 + rnd_below(nvictims / 64 + 1);
			for (; k > 0 && vnext < nvictims; k--, vnext++) {
				struct item *it = &items[victims[vnext]];
				cadre__wheel_del(w, &it->timer);
				if (it->state == ARMED) {
					it->state = DELETED;
					armed--;
					deleted = true;
					st->deleted++;
				}
				CHECK(!cadre__timer_pending(&it->timer));
			}
		}
		CHECK_EQ(cadre__wheel_count(w), armed);

		/* Now and then, every timer's pending flag against the model. */
		if (rnd_below(256) == 0)
			for (uint32_t i = 0; i < n; i++)
				CHECK(cadre__timer_pending(&items[i].timer) ==
				      (items[i].state == ARMED));
	}
	st->deleted += nvictims / 2;
	for (uint32_t i = 0; i < n; i++)
		CHECK(items[i].state != ARMED && !cadre__timer_pending(&items[i].timer));
	uint64_t tick;
	CHECK(!cadre__wheel_next_deadline(w, &tick));
	for (unsigned l = 0; l < CADRE__WHEEL_LEVELS; l++)
		CHECK(w->nonempty[l] == 0);
	free(items);
	items = NULL;
	free(victims);
	free(order);
	free(w);
}

static void
test_random_big(void)
{
	uint32_t n = (uint32_t)test_size("CADRE_WHEEL_TIMERS", 200000);
	uint64_t base = seed_from_env(0x5eed);
	static const uint64_t big_starts[] = {0, P2(36) - P2(31) + 99, 0xabcdef0123ULL,
	                                      UINT64_MAX - P2(48)};

	for (size_t s = 0; s < sizeof big_starts / sizeof big_starts[0]; s++) {
		for (int follow = 0; follow < 2; follow++) {
			struct big_stats st;
			uint64_t seed = base + s * 2 + (uint64_t)follow;

			big_case(seed, big_starts[s], n, follow != 0, &st);
			fprintf(stderr,
			        "   seed %" PRIu64 " start %" PRIu64
			        " %s: %zu advances, %zu fired, "
			        "%zu deleted, %zu follows (%zu spurious)\n",
			        seed, big_starts[s], follow ? "follow" : "mixed", st.advances,
			        st.fired, st.deleted, st.follows, st.spurious);
			CHECK_EQ(st.fired + st.deleted, n);
		}
	}
}

/* Small population, every operation at random (add, move, delete, advance),
 * the whole model checked after each. */
static void
test_churn(void)
{
	enum { N = 1500 };
	static struct item pool[N];
	struct cadre__wheel w;
	uint64_t seed = seed_from_env(0xc4a05), now = P2(36) - 5000;
	long ops = test_size("CADRE_WHEEL_CHURN_OPS", 30000);

	rng = seed;
	fprintf(stderr, "   seed %" PRIu64 "\n", seed);
	cadre__wheel_init(&w, now);
	memset(pool, 0, sizeof pool); /* zeroed timers are idle */
	for (long op = 0; op < ops; op++) {
		struct item *it = &pool[rnd_below(N)];
		uint64_t r = rnd_below(100);

		if (r < 45) { /* add, or move if armed */
			static const unsigned bits[] = {3, 6, 7, 12, 13, 20, 31, 36, 40};
			uint64_t d;
			if (rnd_below(10) == 0)
				d = now - rnd_below(100);
			else
				d = now + rnd_below(P2(bits[rnd_below(9)]));
			cadre__wheel_add(&w, &it->timer, d);
			it->deadline = d;
			it->state = ARMED;
		} else if (r < 65) {
			cadre__wheel_del(&w, &it->timer);
			it->state = it->state == ARMED ? DELETED : it->state;
		} else {
			static const unsigned sbits[] = {0, 1, 3, 6, 7, 12, 18, 30, 31, 38};
			uint64_t to = now + rnd_below(P2(sbits[rnd_below(10)]));
			struct cadre__timer *out;

			if (rnd_below(5) == 0 && cadre__wheel_next_deadline(&w, &to) && to < now)
				to = now;
			size_t got = cadre__wheel_advance(&w, to, &out), walked = 0;
			now = to;
			for (; out != NULL; out = out->next, walked++) {
				struct item *x = item_of(out);
				CHECK_EQ(x->state, ARMED);
				CHECK(x->deadline <= now);
				x->state = FIRED;
			}
			CHECK_EQ(walked, got);
		}

		/* Whole model: pending, count, nothing overdue, next_deadline. */
		size_t armed = 0;
		uint64_t min = UINT64_MAX, tick;
		for (int i = 0; i < N; i++) {
			CHECK(cadre__timer_pending(&pool[i].timer) == (pool[i].state == ARMED));
			if (pool[i].state != ARMED)
				continue;
			armed++;
			if (pool[i].deadline < min)
				min = pool[i].deadline;
			if (r >= 65) /* just advanced: nothing armed is overdue */
				CHECK(pool[i].deadline > now);
		}
		CHECK_EQ(cadre__wheel_count(&w), armed);
		CHECK(cadre__wheel_next_deadline(&w, &tick) == (armed > 0));
		if (armed > 0)
			CHECK(tick <= min);
	}
}

int
main(void)
{
	TEST_CASE(test_empty);
	TEST_CASE(test_single);
	TEST_CASE(test_single_ticks);
	TEST_CASE(test_readd);
	TEST_CASE(test_backwards);
	TEST_CASE(test_top_wrap);
	TEST_CASE(test_random_big);
	TEST_CASE(test_churn);
	printf("test_wheel: ok\n");
	return 0;
}
