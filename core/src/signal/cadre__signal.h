/* Cadre internal: signals (signal/): links, monitors, exit signals, the
 * STARTED notice, mail bundles and backpressure (muting), all carried as
 * messages on the system lane. Where a signal must run a callback or end
 * the actor, it calls actor/ through the system's hooks.
 * Uses: send/ and what is below it. See signal.c's Design notes. */
#ifndef CADRE__SIGNAL_H
#define CADRE__SIGNAL_H

#include "cadre__send.h"

/* Signals: messages on the system lane (signal/). Their payloads: */
enum {
	CADRE__SIG_EXIT = 0xFFFFFF01u,      /* struct cadre__sig_exit */
	CADRE__SIG_LINK = 0xFFFFFF02u,      /* struct cadre__sig_ref */
	CADRE__SIG_UNLINK = 0xFFFFFF03u,    /* struct cadre__sig_ref */
	CADRE__SIG_MONITOR = 0xFFFFFF04u,   /* struct cadre__sig_ref */
	CADRE__SIG_DEMONITOR = 0xFFFFFF05u, /* struct cadre__sig_ref */
	CADRE__SIG_DOWN = 0xFFFFFF06u,      /* cadre_down_msg */
	CADRE__SIG_STARTED = 0xFFFFFF07u,   /* cadre_started_msg */
	CADRE__SIG_MUTE = 0xFFFFFF08u,      /* struct cadre__sig_ref: the sender muted itself */
	/* cadre_stop_ref of an actor of another node: only ever handed to
	 * the hook (dist/ sends a STOP frame), never pushed into a mailbox. */
	CADRE__SIG_STOP = 0xFFFFFF09u, /* struct cadre__sig_ref */
};
struct cadre__sig_exit {
	cadre_ref from;
	cadre_exit reason;
	uint32_t linked;
	struct cadre_mail *mail; /* KEEP_MAIL leftovers, to the parent only */
};
struct cadre__sig_ref {
	cadre_ref from;
	uint64_t monitor;
};

/* Sends a signal (payload copied) to `to` from the running actor, if any;
 * the caller's outbox is flushed first, so a signal follows the mail sent
 * before it. */
int cadre__signal(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, uint32_t type,
                  const void *payload, size_t size);
/* At spawn: the links and notices the flags ask for. */
int cadre__links_at_spawn(struct cadre__worker *w, struct cadre__actor *child, uint32_t flags);
/* At spawn, before child can run: links it to partner, an actor of another
 * node (its side only: the partner's node records its own); the partner is
 * its parent. 0 or CADRE_ENOMEM (nothing kept). */
int cadre__link_at_spawn_remote(struct cadre__actor *child, cadre_ref partner);
/* cadre_stop_ref for `to`, an actor of another node (cadre__ref_remote): a
 * STOP through the hook. 0, CADRE_ENODE, CADRE_ECLOSED, CADRE_ENOMEM. */
int cadre__signal_stop_remote(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to);
/* From another node (dist/), on any thread.
 * cadre__signal_post_block: pushes the signal block m to the local actor
 * `to` (sender NONE): 0, or CADRE_ENOACTOR / CADRE_ECLOSED with m still the
 * caller's (dist refills a kept LINK or MONITOR block as EXIT or DOWN).
 * cadre__signal_from_remote: a new block of `type` with payload, with room
 * for any signal, posted so: 0, CADRE_ENOACTOR, CADRE_ECLOSED, CADRE_ENOMEM,
 * CADRE_EINVAL (too big). */
int cadre__signal_post_block(struct cadre_system *sys, cadre_ref to, struct cadre__msg *m);
int cadre__signal_from_remote(struct cadre_system *sys, cadre_ref to, uint32_t type,
                              const void *payload, size_t size);
void cadre__notify_started(struct cadre__worker *w, struct cadre__actor *a);
/* Handles a signal taken from a's system lane; returns a run result:
 * CADRE__RUN_AGAIN to go on, CADRE__RUN_DEAD if it stopped the actor. */
int cadre__signal_handle(struct cadre__worker *w, struct cadre__actor *a, struct cadre__msg *m);
/* After a's stop callback: EXIT to its links, DOWN to its watchers,
 * DEMONITOR to what it watched. */
void cadre__signals_on_death(struct cadre__worker *w, struct cadre__actor *a,
                             const cadre_exit *why);
/* A signal found in a dead actor's mailbox at reclamation (answered as
 * Erlang does: LINK with EXIT noproc, MONITOR with DOWN noproc). */
void cadre__signal_to_dead(struct cadre_system *sys, struct cadre__worker *w,
                           struct cadre__actor *a, struct cadre__msg *m);
/* Mail bundles (mail.c): dead-letters every message of one. */
void cadre__mail_drop(struct cadre_system *sys, struct cadre__worker *w, struct cadre_mail *mail);
/* Backpressure (mute.c): at the end of a run that leaves mail, mutes a if
 * it sent to an overloaded actor (true: it is muted, do not requeue); and
 * wakes everyone muted on a once it copes. */
bool cadre__mute(struct cadre__worker *w, struct cadre__actor *a);
void cadre__unmute_all(struct cadre__worker *w, struct cadre__actor *a);
void cadre__unmute(struct cadre__worker *w, cadre_ref who);
/* The growable arrays of the extension block: room for one more. */
bool cadre__grow(void **arr, uint32_t n, uint32_t *cap, size_t sz);

#endif /* CADRE__SIGNAL_H */
