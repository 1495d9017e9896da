/* Cadre internal: sending (send/). A message's way from a send to a
 * mailbox: the block, the hold on the receiver, the push or the outbox, the
 * wake-up of an idle receiver, and the accounting. Also the stop request,
 * which travels the same way on the system lane.
 * Uses: sched/ and what is below it. */
#ifndef CADRE__SEND_H
#define CADRE__SEND_H

#include "cadre__reserved.h"
#include "cadre__sched.h"

/* cadre_send without its argument checks. quiet (a timer's message): a
 * dead target frees the message uncounted (a timer whose target is gone is
 * not a dead letter), and a full bounded mailbox admits it beyond its
 * capacity whatever its policy, so it never fails with CADRE_EFULL. */
/* From another node (dist/), on the dist thread. cadre__msg_for_remote: a
 * message block from `sender` (an actor of that node): a copy of the
 * payload (dtor NULL), or data handed over (dtor called exactly once, when
 * handled or dead); NULL when out of memory (data still the caller's).
 * cadre__deliver_remote: pushes m to the local actor `to` (never routed on
 * to another node), counted sent here; 0, or the actor is gone, the system
 * closing or its bounded mailbox full: m counted sent and dead-lettered
 * here (CADRE_ENOACTOR, CADRE_ECLOSED, CADRE_EFULL). */
struct cadre__msg *cadre__msg_for_remote(struct cadre_system *sys, cadre_ref sender, uint32_t type,
                                         void *data, size_t size,
                                         void (*dtor)(void *data, size_t size));
int cadre__deliver_remote(struct cadre_system *sys, cadre_ref to, struct cadre__msg *m);
int cadre__send_copy(struct cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                     size_t size, bool quiet);
/* An I/O event (io/): cadre_send_move of a reserved type, for the I/O
 * engine. force: a full bounded mailbox admits it beyond its capacity,
 * whatever its policy. Returns 0 (queued), 1 (queued, and the receiver is
 * overloaded: its bounded mailbox is full or it mutes its senders; a hint
 * for read backpressure), CADRE_EFULL or CADRE_ENOMEM (not sent: the
 * caller keeps data, the dtor did not run), CADRE_ENOACTOR or CADRE_ECLOSED
 * (counted sent and dead-lettered: the dtor ran). */
int cadre__send_move_io(struct cadre_system *sys, cadre_ref to, uint32_t type, void *data,
                        size_t size, void (*dtor)(void *data, size_t size), bool force);
/* Pushes a's embedded stop request (at most once in its life). The caller
 * holds sys (cadre__hold). */
int cadre__request_stop(struct cadre_system *sys, struct cadre__actor *a);
/* The outbox: the linking of every chain (before a signal, and at the end
 * of every run). */
void cadre__outbox_flush(struct cadre_system *sys, struct cadre__worker *w);

#endif /* CADRE__SEND_H */
