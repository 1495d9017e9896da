/* Cadre internal: the I/O parts beside the engine (io/): signals as
 * messages (signals.c) and regular files (files.c, with two back ends:
 * files_uring.c and files_pool.c).
 * Uses: actor/ and what is below it (send/ for the events). */
#ifndef CADRE__IOAUX_H
#define CADRE__IOAUX_H

#include <signal.h>

#include <cadre/io.h>

#include "cadre__actor.h"
#include "cadre__send.h"

/* ---- the I/O thread's hook (TEMPORARY: io-core's engine provides it) ---- */
int cadre__io_hook_fd(struct cadre_system *sys, int fd, void (*fn)(struct cadre_system *sys));
void cadre__io_unhook_fd(struct cadre_system *sys, int fd);

/* ---- events ---------------------------------------------------------------- */

/* A CADRE_MSG_IO message's block: the event, then `extra` bytes (a file
 * read's data, which ev.data points to). */
struct cadre__ioaux_block {
	cadre_io_event ev;
	size_t bytes; /* the whole block's size */
	              /* extra bytes follow, aligned to 16 */
};

/* A zeroed block with room for extra bytes after the event; NULL if out of
 * memory. Its extra bytes: cadre__ioaux_extra. */
struct cadre__ioaux_block *cadre__ioaux_block_new(size_t extra);
void *cadre__ioaux_extra(struct cadre__ioaux_block *b);
void cadre__ioaux_block_free(struct cadre__ioaux_block *b);
/* Sends the block to `to` as a CADRE_MSG_IO message (consumed in every
 * case): a receiver that is gone makes a counted dead letter. */
void cadre__ioaux_deliver(struct cadre_system *sys, cadre_ref to, struct cadre__ioaux_block *b);

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
