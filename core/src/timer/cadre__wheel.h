/* Cadre internal: a hierarchical timing wheel for one timer-service thread.
 *
 * Single-threaded: no function here may run concurrently with another on the
 * same wheel (the timer service owns it). Nothing allocates: timers are
 * intrusive nodes embedded by the caller, the wheel is a fixed-size struct
 * (about 6.3 KB). See wheel.c's design notes for the algorithm.
 *
 * Ticks are unsigned 64-bit counts of an abstract unit (Cadre uses 1 ms).
 * Time only moves forward, by cadre__wheel_advance.
 *
 * Lifecycle of a timer:
 *   idle --add--> pending --del--> idle
 *                 pending --advance (deadline <= now)--> idle, on the list
 * A timer is idle when zero-initialised or after cadre__timer_init. Its
 * memory may be freed or reused whenever it is idle and not on a list still
 * being walked by the caller.
 */
#ifndef CADRE__WHEEL_H
#define CADRE__WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CADRE__WHEEL_BITS 6                          /* bits of the tick per level */
#define CADRE__WHEEL_SLOTS (1u << CADRE__WHEEL_BITS) /* 64 slots per level */
#define CADRE__WHEEL_LEVELS 6                        /* levels 0..5, 5 is the top */
/* List indices besides the slots: deadline <= now, and beyond the top level. */
#define CADRE__WHEEL_DUE (1u + CADRE__WHEEL_LEVELS * CADRE__WHEEL_SLOTS)
#define CADRE__WHEEL_OVERFLOW (CADRE__WHEEL_DUE + 1u)
#define CADRE__WHEEL_LISTS (CADRE__WHEEL_OVERFLOW + 1u)

/* A timer, embedded in the caller's object. The caller sets nothing but may
 * read `deadline`; the other fields belong to the wheel while the timer is
 * pending. On the list returned by cadre__wheel_advance, `next` links the
 * expired timers (NULL ends it). */
struct cadre__timer {
	struct cadre__timer *next, *prev;
	uint64_t deadline; /* in ticks */
	/* The list holding it: 0 = idle, 1 + level * 64 + slot, DUE, OVERFLOW. */
	uint32_t level_slot;
};

_Static_assert(sizeof(struct cadre__timer) <= 32, "timers stay small");

/* One list of the wheel: a doubly linked list (head->prev == NULL), and a
 * lower bound of its deadlines (UINT64_MAX when empty). */
struct cadre__timer_list {
	struct cadre__timer *head;
	uint64_t min;
};

struct cadre__wheel {
	uint64_t now;                           /* the current tick */
	size_t count;                           /* pending timers */
	uint64_t nonempty[CADRE__WHEEL_LEVELS]; /* bit s of [l]: slot s of level l has timers */
	/* [0] unused (idle), [1 + level * 64 + slot], [DUE], [OVERFLOW]. */
	struct cadre__timer_list list[CADRE__WHEEL_LISTS];
};

/* Makes the wheel empty with the current tick now_tick. */
void cadre__wheel_init(struct cadre__wheel *w, uint64_t now_tick);

/* Makes a timer idle. Needed once before its first add unless the timer is
 * zero-initialised; never needed again (the wheel leaves it idle after del
 * and after it expires). */
void cadre__timer_init(struct cadre__timer *t);

/* Arms t to expire at deadline_tick. O(1). A deadline <= the current tick
 * expires at the next advance. If t is already pending in w it is moved (as
 * by del then add). t must be idle or pending in w, not in another wheel. */
void cadre__wheel_add(struct cadre__wheel *w, struct cadre__timer *t, uint64_t deadline_tick);

/* Disarms t. O(1). t should be pending in w; an idle timer is left alone (it
 * has already expired, or was never armed). A timer on a list that advance
 * returned is idle: deleting it does not stop the caller from firing it. */
void cadre__wheel_del(struct cadre__wheel *w, struct cadre__timer *t);

/* True while t is in a wheel (armed and not yet returned by advance). */
static inline bool
cadre__timer_pending(const struct cadre__timer *t)
{
	return t->level_slot != 0;
}

/* Moves the current tick forward to now_tick (a now_tick below the current
 * tick is taken as the current tick: time never goes back) and returns the
 * number of expired timers. *expired_list receives them (NULL if none),
 * linked through ->next: exactly the timers pending with deadline <=
 * now_tick, each once, removed from the wheel and idle. No timer expires
 * before its deadline, or later than the first advance whose now_tick
 * reaches its deadline.
 *
 * Order: unspecified (not sorted by deadline). Read t->next before re-adding
 * t: add overwrites it.
 *
 * Cost: O(levels + expired + cascaded + overflow re-examined); empty slots
 * are skipped through the bitmaps, so a jump of any length is as cheap as
 * one tick when there is nothing to do. Each timer cascades at most
 * CADRE__WHEEL_LEVELS - 1 times in its life. */
size_t cadre__wheel_advance(struct cadre__wheel *w, uint64_t now_tick,
                            struct cadre__timer **expired_list);

/* False when no timer is pending. Otherwise *tick receives a lower bound of
 * the earliest pending deadline: never later than it, and equal to it unless
 * a deleted timer was the earliest of the list (slot) that now holds the
 * earliest deadline; then it is earlier, and advancing to it returns nothing
 * and tightens the bound. A *tick <= the current tick means "advance now"
 * (a timer added with a past deadline is waiting). O(levels). */
bool cadre__wheel_next_deadline(const struct cadre__wheel *w, uint64_t *tick);

/* The number of pending timers. O(1). */
static inline size_t
cadre__wheel_count(const struct cadre__wheel *w)
{
	return w->count;
}

/* The current tick: the last now_tick advanced to (or given to init). */
static inline uint64_t
cadre__wheel_now(const struct cadre__wheel *w)
{
	return w->now;
}

#endif /* CADRE__WHEEL_H */
