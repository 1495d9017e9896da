/**
 * @file
 * Cadre: timers. A timer is a message sent later: once (send-after) or
 * every period (interval). When a timer fires, Cadre sends its message as
 * cadre_send would (counted as sent, then handled or dead). A timer whose
 * target has stopped is cancelled instead: its message is never sent and
 * never counted. No user code runs on the timer thread.
 *
 * Resolution: 1 ms ticks; a timer fires at the first tick at or after its
 * deadline, never before. Cost: arming and cancelling are O(1) and take no
 * lock; the timer service keeps pending timers in a hierarchical timing
 * wheel, so the cost does not grow with the number of timers. A cancelled
 * timer's memory is reclaimed when its deadline comes (a far one's, below:
 * when the system is freed).
 *
 * Cancelling is exact: cadre_timer_cancel returns 0 if and only if the
 * timer's message will not be sent (for an interval timer: no message
 * after the one possibly being sent at that moment).
 *
 * A fired timer's message is never lost: it is handled, or counted as a
 * dead letter. A bounded mailbox never refuses it: whatever its overflow
 * policy, a full one admits the message beyond its capacity (a timer is a
 * message its receiver asked for; a request's timeout, cadre/ask.h, must
 * arrive). So a bounded mailbox may hold more than its capacity, by one
 * message per timer fired into it while it was full; ordinary sends are
 * refused until it is back under. Under CADRE_OVERFLOW_DROP_OLDEST a
 * timer's message is never the one dropped: the actor drops the oldest
 * ordinary messages instead (dead letters, CADRE_EFULL), so it may see
 * more than `capacity` messages, the extra ones timers'. If the message cannot be allocated when the timer
 * fires, the timer tries again at the next tick.
 *
 * Far deadlines saturate: a deadline (arm time + delay, or the previous
 * deadline + period) beyond 2^64 - 1 ms after the system started is taken
 * as that tick, which never comes (over 500 million years); a delay or
 * period of CADRE_FOREVER means "never", and such a timer stays pending
 * until cancelled. Far timers cost the timer thread one wake-up an hour.
 */
#ifndef CADRE_TIMER_H
#define CADRE_TIMER_H

#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A timer handle: a value (slot and generation), safe to keep after the
 * timer fired; a stale handle is answered with CADRE_ENOENT. */
typedef struct cadre_timer {
	uint32_t index; /**< the timer's slot */
	uint32_t gen;   /**< the slot's generation */
} cadre_timer;

/**
 * Sends a copy of data to `to` after delay_ms (CADRE_NOWAIT: at the next
 * tick; CADRE_FOREVER: never; far ones saturate, above). The payload is
 * limited like cadre_send's, and its type too (a reserved type,
 * >= 0xFFFF0000, is refused).
 *
 * @param out may be NULL; else receives the handle
 * @threads any thread, including callbacks
 * @blocks  no
 * @payload copied before the call returns; data may be reused at once.
 *          The copy is freed when the message is handled or dead, or when
 *          a cancelled timer is reclaimed.
 * @retval 0 armed
 * @retval CADRE_EINVAL sys NULL, data NULL with size > 0, a reserved type,
 *         a negative delay other than CADRE_FOREVER
 * @retval CADRE_ETOOBIG size > max_message_size
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_send_after(cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                               size_t size, cadre_timeout delay_ms, cadre_timer *out);

/**
 * As cadre_send_after, then again every period_ms (>= 1, or CADRE_FOREVER)
 * until cancelled or until the target stops.
 *
 * @param out may be NULL; else receives the handle
 * @threads any thread, including callbacks
 * @blocks  no
 * @payload copied once before the call returns (data may be reused at
 *          once); each message sends a copy of that copy
 * @retval 0 armed
 * @retval CADRE_EINVAL sys NULL, data NULL with size > 0, a reserved type,
 *         a period of 0 or negative other than CADRE_FOREVER
 * @retval CADRE_ETOOBIG size > max_message_size
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_send_interval(cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                                  size_t size, cadre_timeout period_ms, cadre_timer *out);

/**
 * Cancels a timer.
 *
 * @threads any thread, including callbacks
 * @blocks  no
 * @payload a cancelled timer's copy is freed when the timer is reclaimed
 * @retval 0 its (next) message will not be sent
 * @retval CADRE_ENOENT it already fired (a one-shot timer), was cancelled,
 *         or the handle is unknown
 * @retval CADRE_EINVAL sys NULL
 */
CADRE_API int cadre_timer_cancel(cadre_system *sys, cadre_timer t);

/**
 * Timers armed and not yet fired or reclaimed (a snapshot; 0 for NULL).
 *
 * @threads any thread
 * @blocks  no
 */
CADRE_API uint64_t cadre_timers_pending(const cadre_system *sys);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_TIMER_H */
