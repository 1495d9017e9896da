/**
 * @file
 * Cadre: links, monitors and exit signals, with Erlang/OTP semantics.
 *
 * Every actor stops with a reason (cadre_exit, in cadre/actor.h): NORMAL
 * (cadre_stop), SHUTDOWN (asked to stop), KILLED (an untrappable kill), or
 * FAILURE (a callback returned non-zero or called cadre_fail; `code` and
 * `detail` say what). The C idiom for failing is to return non-zero from
 * start or receive, or to call cadre_fail() and return 0.
 *
 * Links are bidirectional. When an actor stops, each linked partner gets an
 * exit signal with the same reason:
 *   - a partner that traps exits receives it as a CADRE_MSG_EXIT message;
 *   - otherwise NORMAL is ignored, and any other reason stops the partner
 *     with that same reason (so failures spread along links).
 * Unlinking before the partner's death means no signal.
 *
 * Monitors are one-way: the watcher receives a CADRE_MSG_DOWN message with
 * the reason when the target stops. Monitoring an actor that does not exist
 * (or has already stopped) gives an immediate DOWN with reason NOPROC. Two
 * monitors give two DOWNs; after cadre_demonitor none arrives.
 *
 * Exit and down signals travel on the system lane, ahead of ordinary mail.
 * They are not messages in the sense of the counters: sent/handled/dead
 * count ordinary messages only.
 *
 * All functions taking `self` must be called from one of self's callbacks.
 * None of them blocks.
 */
#ifndef CADRE_LINKS_H
#define CADRE_LINKS_H

#include <stdbool.h>
#include <stdint.h>

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Message types Cadre delivers to receive (their data is described below). */
/** Message type: a trapped exit signal; data is a cadre_exit_msg. */
#define CADRE_MSG_EXIT 0xFFFF0001u
/** Message type: a monitored actor stopped; data is a cadre_down_msg. */
#define CADRE_MSG_DOWN 0xFFFF0002u
/** Message type: a child's start succeeded; data is a cadre_started_msg. */
#define CADRE_MSG_STARTED 0xFFFF0003u

/** The ordinary mail an actor spawned with CADRE_SPAWN_KEEP_MAIL still had
 * queued when it stopped, handed to its parent with the exit signal
 * (opaque). */
typedef struct cadre_mail cadre_mail;

/** The data of a CADRE_MSG_EXIT message. */
typedef struct cadre_exit_msg {
	cadre_ref from;    /**< the actor that stopped or sent the signal (NONE: not an actor) */
	cadre_exit reason; /**< its reason */
	bool linked;       /**< true: came through a link; false: sent with cadre_send_exit */
	cadre_mail *mail;  /**< KEEP_MAIL leftovers (see cadre_mail_claim), or NULL */
} cadre_exit_msg;

/** The data of a CADRE_MSG_DOWN message. */
typedef struct cadre_down_msg {
	uint64_t monitor;  /**< as returned by cadre_monitor */
	cadre_ref actor;   /**< the monitored actor */
	cadre_exit reason; /**< why it stopped (NOPROC: it did not exist) */
} cadre_down_msg;

/** The data of a CADRE_MSG_STARTED message. */
typedef struct cadre_started_msg {
	cadre_ref actor; /**< the child whose start succeeded */
} cadre_started_msg;

/**
 * Links self and other. If other does not exist, self receives an exit
 * signal from it with reason NOPROC (trapped, or stopping self). Linking
 * twice is one link; linking to oneself does nothing. The exit signals the
 * link promises are allocated now. If other cannot record the link (out of
 * memory), it stops with reason FAILURE (code CADRE_ENOMEM) and self
 * receives that exit signal.
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 linked
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ENOMEM out of memory: nothing changed
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_link(cadre_actor *self, cadre_ref other);

/**
 * Removes the link; no exit signal from other arrives afterwards.
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 unlinked (also if there was no link)
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_unlink(cadre_actor *self, cadre_ref other);

/**
 * Turns exit trapping on or off for self.
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 done
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_trap_exits(cadre_actor *self, bool on);

/**
 * Turns trapping of self's stop request on or off. While on, the stop
 * request (cadre_stop_ref, and the first phase of cadre_system_shutdown)
 * does not stop self: it arrives as a CADRE_MSG_EXIT message from
 * CADRE_REF_NONE, reason SHUTDOWN, not linked, and self is expected to stop
 * soon, in its own order (a supervisor stops its children first). The
 * request may then be made again. Once the system is closing, a stop
 * request is never trapped. An actor spawned with CADRE_SPAWN_LINK by an
 * actor that traps its stop request is left to it by the first phase of
 * cadre_system_shutdown.
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 done
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_trap_stop(cadre_actor *self, bool on);

/**
 * Monitors target; *monitor receives an id unique in the system. The DOWN
 * is allocated now. If target cannot record the monitor (out of memory),
 * it stops with reason FAILURE (code CADRE_ENOMEM), which the DOWN carries.
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 monitoring: exactly one DOWN will come (unless demonitored)
 * @retval CADRE_EINVAL self or monitor NULL
 * @retval CADRE_ENOMEM out of memory: nothing changed (no DOWN will come)
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_monitor(cadre_actor *self, cadre_ref target, uint64_t *monitor);

/**
 * Removes a monitor; its DOWN will not be delivered, even if already on the
 * way.
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 removed
 * @retval CADRE_ENOENT unknown id
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_demonitor(cadre_actor *self, uint64_t monitor);

/**
 * Inside start: do not send CADRE_MSG_STARTED to the parent when start
 * returns; send it later with cadre_started() (an actor whose start goes on
 * asynchronously, like a supervisor starting its children).
 *
 * @threads self's start callback
 * @blocks  no
 * @retval 0 deferred
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not in self's start
 */
CADRE_API int cadre_started_later(cadre_actor *self);

/**
 * Sends the deferred CADRE_MSG_STARTED now (once; later calls do nothing).
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 sent (or sent before)
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_started(cadre_actor *self);

/**
 * The actor that spawned self with CADRE_SPAWN_LINK or
 * CADRE_SPAWN_NOTIFY_STARTED, or CADRE_REF_NONE (also outside self's
 * callbacks).
 *
 * @threads self's callbacks
 * @blocks  no
 */
CADRE_API cadre_ref cadre_parent(const cadre_actor *self);

/**
 * Inside the receive callback handling a CADRE_MSG_EXIT with mail: takes
 * ownership of the mail.
 *
 * @return the mail, or NULL (none, NULL arguments, not in self's receive)
 * @threads self's receive callback
 * @blocks  no
 * @payload the caller owns the returned bundle: pass it on
 *          (cadre_spawn_opts.inherit_mail) or drop it (cadre_mail_drop).
 *          Unclaimed mail is dead-lettered (and counted) when the callback
 *          returns.
 */
CADRE_API cadre_mail *cadre_mail_claim(cadre_actor *self, const cadre_exit_msg *msg);

/**
 * Messages in a bundle (0 for NULL).
 *
 * @threads any thread (the bundle's owner)
 * @blocks  no
 */
CADRE_API size_t cadre_mail_count(const cadre_mail *mail);

/**
 * Dead-letters every message of a claimed bundle and frees it.
 *
 * @threads any thread
 * @blocks  no
 * @payload takes the bundle: every message in it is counted dead, and the
 *          bundle is freed
 * @retval 0 dropped
 * @retval CADRE_EINVAL sys or mail NULL, or mail is a bundle of another
 *         system (the caller keeps it)
 */
CADRE_API int cadre_mail_drop(cadre_system *sys, cadre_mail *mail);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_LINKS_H */
