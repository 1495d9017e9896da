/* Cadre: a hierarchical timing wheel (single-threaded data structure).
 *
 * Design notes.
 *
 * Shape. Six levels of 64 slots; level l looks at digit l of a deadline,
 * bits [6l, 6l + 6). Each slot is an intrusive doubly linked list, so add
 * and del are O(1). Besides the slots there are two lists: DUE (deadline <=
 * now, added late: fire at the next advance) and OVERFLOW (too far for the
 * top level). One 64-bit bitmap per level marks its non-empty slots; every
 * list also keeps `min`, a lower bound of its deadlines (see below).
 *
 * Placement (the invariant). With now the current tick and d > now:
 *   - levels 0..4: d goes to the level of the highest digit where d and now
 *     differ, slot = that digit of d. So a level-l timer agrees with now on
 *     every digit above l, and its digit l is greater than now's.
 *   - level 5 (top): d differs from now above digit 4 and
 *     D - N <= 63, where D = d >> 30 and N = now >> 30; slot = D mod 64. The
 *     top level is circular: its 63 usable slots follow N's slot.
 *   - OVERFLOW: D - N >= 64. The wheel therefore holds every deadline less
 *     than 63 * 2^30 ticks ahead (about 2^36: 2.1 years of 1 ms ticks),
 *     whatever now is.
 * Consequences: every level-l timer is earlier than every level-(l+1)
 * timer, and within a level the slots are in deadline order (ascending from
 * now's digit + 1; for the top level circularly from N + 1). A level-0 slot
 * holds a single deadline.
 *
 * Source: Varghese & Lauck's hierarchical wheels (scheme 7, SOSP 1987); the
 * level from (d XOR now) and the per-level bitmaps of slots to collect are
 * those of the later forks of W. Ahern's timeout.c (his original chose the
 * level from d - now). The circular top level, the overflow list and the
 * per-list lower bounds are ours.
 *
 * Advance from cur to new (new > cur). A level-l slot must be emptied
 * ("collected") when new has reached its digit: for levels 0..4, the slots
 * with digit in (cur's digit, new's digit] if cur and new agree above digit
 * l, else all slots (all of them are then < new). For the top level, the
 * slots of (N_cur, N_new] taken mod 64, or all when that spans 64 or more.
 * If cur and new agree from digit l up, no level >= l changes: stop there.
 * Collected timers with d <= new expire; the others are re-inserted relative
 * to new, which puts them at a strictly lower level (they agree with new on
 * digit l and above), i.e. in a level already processed: levels are
 * processed from 0 upwards so nothing is seen twice. Every timer whose
 * deadline is <= new sits in a collected slot (its digit is in the crossed
 * range), so none is left behind, and none expires early (d <= new is
 * tested one by one). Uncollected timers still satisfy the invariant for
 * new. Each cascade lowers a timer's level, so a timer in the wheel
 * cascades at most 5 times (plus its overflow scans, below); the bitmaps
 * skip empty slots (ctz), so a long jump costs O(levels + timers touched).
 *
 * Overflow. Re-examined (scanned whole: deadlines that now fit move into the
 * wheel) only when N changes and the top level's window (N, N + 63] has
 * reached the overflow's `min`: at most once per 2^30 ticks, and a scan
 * whose `min` is exact moves at least one timer (a scan makes it exact).
 * Deadlines that far out are rare for an actor runtime (years), so the
 * list is not sorted.
 *
 * Lower bounds (next_deadline). A list's `min` is the smallest deadline
 * added since the list was last empty. Collection empties a slot whole, so
 * `min` is exact unless a del removed the list's earliest timer; then it is
 * smaller than the true minimum, never larger. next_deadline returns the
 * `min` of the first list in deadline order (DUE, level 0 .. top slots in
 * slot order, OVERFLOW): a lower bound that is exact without such dels.
 *
 * Expired list order: unspecified. It is built in collection order (DUE,
 * then slots from level 0 up, each list newest first), which is not
 * deadline order for jumps of more than one tick.
 */
#include "cadre__wheel.h"

#define BITS CADRE__WHEEL_BITS
#define SLOTS CADRE__WHEEL_SLOTS
#define MASK ((uint64_t)CADRE__WHEEL_SLOTS - 1)
#define TOP (CADRE__WHEEL_LEVELS - 1)
#define TOP_SHIFT (TOP * BITS)
#define DUE CADRE__WHEEL_DUE
#define OVERFLOW CADRE__WHEEL_OVERFLOW

_Static_assert(CADRE__WHEEL_SLOTS == 64, "one 64-bit bitmap word per level");
_Static_assert(TOP_SHIFT + BITS < 64, "the top level's digit range fits a tick");

/* The list index of slot s of level l. */
static inline uint32_t
slot_index(unsigned level, unsigned slot)
{
	return 1u + level * SLOTS + slot;
}

/* Bits 0..k of a word (k in 0..63). */
static inline uint64_t
bits_upto(unsigned k)
{
	return ~(uint64_t)0 >> (63 - k);
}

/* The list that holds deadline d when the current tick is now. */
static inline uint32_t
placement(uint64_t now, uint64_t d)
{
	if (d <= now)
		return DUE;
	unsigned level = (unsigned)(63 - __builtin_clzll(d ^ now)) / BITS;
	if (level < TOP)
		return slot_index(level, (unsigned)((d >> (level * BITS)) & MASK));
	if ((d >> TOP_SHIFT) - (now >> TOP_SHIFT) <= MASK)
		return slot_index(TOP, (unsigned)((d >> TOP_SHIFT) & MASK));
	return OVERFLOW;
}

/* Links t at the head of the list for its deadline, relative to w->now. */
static inline void
insert(struct cadre__wheel *w, struct cadre__timer *t)
{
	uint32_t i = placement(w->now, t->deadline);
	struct cadre__timer_list *l = &w->list[i];

	t->prev = NULL;
	t->next = l->head;
	if (l->head != NULL)
		l->head->prev = t;
	l->head = t;
	if (t->deadline < l->min)
		l->min = t->deadline;
	t->level_slot = i;
	if (i < DUE)
		w->nonempty[(i - 1) / SLOTS] |= (uint64_t)1 << ((i - 1) % SLOTS);
}

/* Detaches list i whole and returns its first timer. */
static inline struct cadre__timer *
take(struct cadre__wheel *w, uint32_t i)
{
	struct cadre__timer *t = w->list[i].head;

	w->list[i].head = NULL;
	w->list[i].min = UINT64_MAX;
	if (i < DUE)
		w->nonempty[(i - 1) / SLOTS] &= ~((uint64_t)1 << ((i - 1) % SLOTS));
	return t;
}

/* The expired timers of one advance, in collection order. */
struct expiry {
	struct cadre__timer *first;
	struct cadre__timer **tail;
	size_t n;
};

/* Walks a detached chain: timers due at w->now go on the expired list, the
 * others back into the wheel (at a lower level, or the top, for overflow). */
static void
sort_out(struct cadre__wheel *w, struct cadre__timer *t, struct expiry *x)
{
	while (t != NULL) {
		struct cadre__timer *next = t->next;

		if (t->deadline <= w->now) {
			t->prev = NULL;
			t->level_slot = 0;
			*x->tail = t;
			x->tail = &t->next;
			x->n++;
		} else {
			insert(w, t);
		}
		t = next;
	}
}

/* Collects the slots of `mask` at one level. */
static void
collect(struct cadre__wheel *w, unsigned level, uint64_t mask, struct expiry *x)
{
	mask &= w->nonempty[level];
	while (mask != 0) {
		unsigned s = (unsigned)__builtin_ctzll(mask);

		mask &= mask - 1;
		sort_out(w, take(w, slot_index(level, s)), x);
	}
}

void
cadre__wheel_init(struct cadre__wheel *w, uint64_t now_tick)
{
	w->now = now_tick;
	w->count = 0;
	for (unsigned l = 0; l < CADRE__WHEEL_LEVELS; l++)
		w->nonempty[l] = 0;
	for (unsigned i = 0; i < CADRE__WHEEL_LISTS; i++) {
		w->list[i].head = NULL;
		w->list[i].min = UINT64_MAX;
	}
}

void
cadre__timer_init(struct cadre__timer *t)
{
	t->next = NULL;
	t->prev = NULL;
	t->deadline = 0;
	t->level_slot = 0;
}

void
cadre__wheel_add(struct cadre__wheel *w, struct cadre__timer *t, uint64_t deadline_tick)
{
	if (t->level_slot != 0)
		cadre__wheel_del(w, t);
	t->deadline = deadline_tick;
	insert(w, t);
	w->count++;
}

void
cadre__wheel_del(struct cadre__wheel *w, struct cadre__timer *t)
{
	uint32_t i = t->level_slot;

	if (i == 0)
		return;
	struct cadre__timer_list *l = &w->list[i];
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		l->head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	if (l->head == NULL)
		(void)take(w, i); /* resets min and the bitmap bit */
	t->next = NULL;
	t->prev = NULL;
	t->level_slot = 0;
	w->count--;
}

size_t
cadre__wheel_advance(struct cadre__wheel *w, uint64_t now_tick, struct cadre__timer **expired_list)
{
	struct expiry x = {.first = NULL, .tail = &x.first, .n = 0};
	uint64_t cur = w->now;

	if (w->list[DUE].head != NULL)
		sort_out(w, take(w, DUE), &x); /* all due: deadline <= cur */

	if (now_tick > cur) {
		w->now = now_tick;
		unsigned level = 0;
		for (; level < TOP; level++) {
			unsigned shift = level * BITS;
			uint64_t c = cur >> shift, n = now_tick >> shift;

			if (c == n)
				break; /* this level and those above keep their slots */
			uint64_t mask = ~(uint64_t)0;
			if (c >> BITS == n >> BITS)
				mask = bits_upto((unsigned)(n & MASK)) &
				       ~bits_upto((unsigned)(c & MASK));
			collect(w, level, mask, &x);
		}
		if (level == TOP) {
			uint64_t c = cur >> TOP_SHIFT, n = now_tick >> TOP_SHIFT;

			if (c != n) {
				unsigned cd = (unsigned)(c & MASK), nd = (unsigned)(n & MASK);
				uint64_t mask = ~(uint64_t)0;
				if (n - c <= MASK)
					mask = nd > cd ? bits_upto(nd) & ~bits_upto(cd)
					               : ~bits_upto(cd) | bits_upto(nd);
				collect(w, TOP, mask, &x);
				/* Overflow deadlines with D <= n + 63 now fit. */
				if (w->list[OVERFLOW].head != NULL &&
				    w->list[OVERFLOW].min >> TOP_SHIFT <= n + MASK)
					sort_out(w, take(w, OVERFLOW), &x);
			}
		}
	}

	*x.tail = NULL;
	*expired_list = x.first;
	w->count -= x.n;
	return x.n;
}

bool
cadre__wheel_next_deadline(const struct cadre__wheel *w, uint64_t *tick)
{
	if (w->count == 0)
		return false;
	if (w->list[DUE].head != NULL) {
		*tick = w->list[DUE].min;
		return true;
	}
	for (unsigned l = 0; l < TOP; l++) {
		if (w->nonempty[l] != 0) {
			/* Occupied digits are all above now's: the lowest is first. */
			unsigned s = (unsigned)__builtin_ctzll(w->nonempty[l]);
			*tick = w->list[slot_index(l, s)].min;
			return true;
		}
	}
	uint64_t top = w->nonempty[TOP];
	if (top != 0) {
		/* Circular: the first occupied slot from now's top digit + 1. */
		unsigned start = (unsigned)(((w->now >> TOP_SHIFT) + 1) & MASK);
		uint64_t rot = start == 0 ? top : (top >> start) | (top << (SLOTS - start));
		unsigned s = (start + (unsigned)__builtin_ctzll(rot)) & (unsigned)MASK;
		*tick = w->list[slot_index(TOP, s)].min;
		return true;
	}
	*tick = w->list[OVERFLOW].min; /* count != 0: the overflow has them */
	return true;
}
