/**
 * @file
 * Cadre: the asynchronous toolkit of one actor: behaviour switching
 * (become / unbecome) and a bounded stash.
 *
 * Functions taking `self` must be called from one of self's callbacks;
 * none of them blocks.
 */
#ifndef CADRE_BEHAVE_H
#define CADRE_BEHAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- become / unbecome ------------------------------------------------------- */

/**
 * From the next message on, self's callbacks are beh's (receive and stop;
 * start has run already). beh->size must equal the current behaviour's
 * size: the state stays the same struct. With keep_old, the current
 * behaviour is pushed on a stack that cadre_unbecome pops.
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 switched
 * @retval CADRE_EINVAL self or beh NULL, no receive, another size
 * @retval CADRE_ENOMEM out of memory (keep_old): nothing changed
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_become(cadre_actor *self, const cadre_behaviour *beh, bool keep_old);

/**
 * Back to the behaviour saved by the last cadre_become(..., true).
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 switched back
 * @retval CADRE_ENOENT nothing saved
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_unbecome(cadre_actor *self);

/* ---- the stash ---------------------------------------------------------------- */

/**
 * Inside receive: keeps the message being received (msg must be the one
 * passed to receive) for later instead of freeing it. The stash is bounded
 * (cadre_spawn_opts.stash_capacity; 0 = 1000).
 *
 * @threads self's receive callback
 * @blocks  no
 * @payload on success the stash keeps the message (payload included) until
 *          cadre_unstash_all puts it back, or the actor stops (then it is a
 *          dead letter)
 * @retval 0 stashed
 * @retval CADRE_EFULL the stash is full: the message is dropped and counted
 *         as a dead letter (nothing is lost silently)
 * @retval CADRE_EINVAL self or msg NULL, msg not the message being
 *         received, a signal (CADRE_MSG_EXIT, _DOWN, _STARTED)
 * @retval CADRE_ENOMEM out of memory (the actor's stash record)
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_stash(cadre_actor *self, const cadre_msg *msg);

/**
 * Puts every stashed message back, in the order stashed, ahead of the rest
 * of the mailbox. Messages still stashed when the actor stops are dead
 * letters.
 *
 * @return a count: the messages unstashed (>= 0), or a negative code
 * @threads self's callbacks
 * @blocks  no
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_unstash_all(cadre_actor *self);

/**
 * Messages in self's stash (0 outside self's callbacks).
 *
 * @threads self's callbacks
 * @blocks  no
 */
CADRE_API size_t cadre_stash_size(const cadre_actor *self);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_BEHAVE_H */
