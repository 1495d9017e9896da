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
int cadre__send_copy(struct cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                     size_t size, bool quiet);
/* Pushes a's embedded stop request (at most once in its life). The caller
 * holds sys (cadre__hold). */
int cadre__request_stop(struct cadre_system *sys, struct cadre__actor *a);
/* The outbox: the linking of every chain (before a signal, and at the end
 * of every run). */
void cadre__outbox_flush(struct cadre_system *sys, struct cadre__worker *w);

#endif /* CADRE__SEND_H */
