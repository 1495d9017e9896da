/* Cadre internal: the I/O parts beside the engine (io/): signals as
 * messages (signals.c) and regular files (files.c, with two back ends:
 * files_uring.c and files_pool.c).
 * Uses: actor/ and what is below it (send/ for the events). */
#ifndef CADRE__IOAUX_H
#define CADRE__IOAUX_H

#include <signal.h>

#include <cadre/io.h>

#include "cadre__io.h"

/* ---- events (events.c) ------------------------------------------------------ */

/* A CADRE_MSG_IO message's block: the engine's struct cadre__iomsg (the
 * event first, what = CADRE__IOM_PLAIN) and `extra` bytes after it (a file
 * read's data, which ev.data points to), zeroed but for those; NULL if out
 * of memory. The same `extra` frees it and sends it. */
struct cadre__iomsg *cadre__ioaux_msg_new(struct cadre_system *sys, size_t extra);
void cadre__ioaux_msg_free(struct cadre__iomsg *m, size_t extra);
/* Sends m to `to` as a CADRE_MSG_IO message, consumed in every case:
 * admitted beyond a bounded mailbox's capacity (an event is never refused),
 * a counted dead letter if the receiver is gone. */
void cadre__ioaux_deliver(struct cadre_system *sys, cadre_ref to, struct cadre__iomsg *m,
                          size_t extra);

/* ---- signals (signals.c) ---------------------------------------------------- */

/* An actor stopped: its subscriptions end (handlers restored when none is
 * left for a signal). Cheap when the system has none. */
void cadre__sigs_actor_gone(struct cadre_system *sys, cadre_ref who);
/* The reader's side: the system's eventfd is readable; deliver what came. */
void cadre__sigs_drain(struct cadre_system *sys);
/* Shutdown: every subscription ends, the system's slot and eventfd go. */
void cadre__sigs_stop(struct cadre_system *sys);
/* cadre_system_free: the system's state goes. */
void cadre__sigs_free(struct cadre_system *sys);

/* ---- files (files.c) ------------------------------------------------------- */

/* Shutdown: waits for the operations in flight (their completions are
 * dead letters), joins the file threads, frees the ring. */
void cadre__files_stop(struct cadre_system *sys);
/* The ring's eventfd is readable: reap completions (files_uring.c). */
void cadre__files_reap(struct cadre_system *sys);

#endif /* CADRE__IOAUX_H */
