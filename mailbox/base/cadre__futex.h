/* Cadre internal: the futex, the one way a Cadre thread sleeps.
 *
 * A sleeper reads a 32-bit word, decides to sleep, and sleeps only while the
 * word still holds what it read; a waker changes the word and then wakes.
 * The kernel compares the word under its own lock, so a wake-up that comes
 * between the read and the sleep is never lost: the sleep returns at once.
 * Wake-ups may be spurious; every caller re-checks its condition in a loop.
 */
#ifndef CADRE__FUTEX_H
#define CADRE__FUTEX_H

#include <stdint.h>

/* Sleeps while *addr == val, for at most timeout_ns (0: no limit). */
void cadre__futex_wait(uint32_t *addr, uint32_t val, long timeout_ns);

/* Sleeps while *addr == val, until the monotonic clock reaches deadline_ns
 * (cadre__now_ns; UINT64_MAX: no deadline). Returns 0 when woken (or the
 * word changed, or a spurious wake-up), CADRE_ETIMEDOUT once the deadline
 * has passed. */
int cadre__futex_wait_until(uint32_t *addr, uint32_t val, uint64_t deadline_ns);

/* Wakes up to n sleepers of *addr without changing it (the caller changed
 * the word itself, with the ordering its protocol needs). */
void cadre__futex_wake(uint32_t *addr, int n);

/* Bumps *addr (seq_cst add) and wakes up to n of its sleepers: for a word
 * that is a pure wake-up sequence. */
void cadre__futex_bump(uint32_t *addr, int n);

#endif /* CADRE__FUTEX_H */
