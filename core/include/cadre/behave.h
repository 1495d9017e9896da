/* Cadre: the asynchronous toolkit of one actor: behaviour switching
 * (become / unbecome) and a bounded stash.
 *
 * Functions taking `self` must be called from one of self's callbacks;
 * none of them blocks. */
#ifndef CADRE_BEHAVE_H
#define CADRE_BEHAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- become / unbecome -------------------------------------------------------
 * From the next message on, self's callbacks are beh's (receive and stop;
 * start has run already). beh->size must equal the current behaviour's
 * size: the state stays the same struct. With keep_old, the current
 * behaviour is pushed on a stack that cadre_unbecome pops. Returns 0,
 * CADRE_EINVAL, CADRE_ENOMEM or CADRE_ESTATE. */
CADRE_API int cadre_become(cadre_actor *self, const cadre_behaviour *beh, bool keep_old);

/* Back to the behaviour saved by the last cadre_become(..., true). Returns 0,
 * CADRE_ENOENT (nothing saved), CADRE_EINVAL or CADRE_ESTATE. */
CADRE_API int cadre_unbecome(cadre_actor *self);

/* ---- the stash ----------------------------------------------------------------
 * Inside receive: keeps the message being received (msg must be the one
 * passed to receive) for later instead of freeing it. The stash is bounded
 * (cadre_spawn_opts.stash_capacity; 0 = 1000): a message stashed beyond it
 * is dropped and counted as a dead letter (CADRE_EFULL is returned; nothing
 * is lost silently). Signals (CADRE_MSG_EXIT, _DOWN, _STARTED) cannot be
 * stashed (CADRE_EINVAL). Returns 0, CADRE_EFULL, CADRE_EINVAL,
 * CADRE_ESTATE. */
CADRE_API int cadre_stash(cadre_actor *self, const cadre_msg *msg);

/* Puts every stashed message back, in the order stashed, ahead of the rest
 * of the mailbox. Returns the number unstashed, or CADRE_EINVAL /
 * CADRE_ESTATE. Messages still stashed when the actor stops are dead
 * letters. */
CADRE_API int cadre_unstash_all(cadre_actor *self);

/* Messages in self's stash. */
CADRE_API size_t cadre_stash_size(const cadre_actor *self);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_BEHAVE_H */
