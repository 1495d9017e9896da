/* Cadre: log events: crash reports and other reports a system makes.
 *
 * A system reports what an operator should hear about as structured
 * events: an actor that failed (OTP's crash report), a supervisor that
 * restarted a child or gave up (its supervisor reports), dead letters
 * coming faster than a rate. Each goes to the system's log hook
 * (cadre_config.log), or, with no hook, to a default printer that writes
 * one line on stderr for an unhandled actor failure (nobody linked to it,
 * monitoring it, or its parent: its death would otherwise go unnoticed),
 * a supervisor reaching its restart intensity, and a dead-letter rate
 * exceeded; cadre_config.quiet silences it.
 *
 * The hook runs on the thread where the event happens (most often a worker
 * thread, in the middle of an actor's run): it must be thread-safe and must
 * not block. cadre_log_format gives it the line the default printer writes.
 */
#ifndef CADRE_LOG_H
#define CADRE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>
#include <cadre/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a log event reports. */
typedef enum cadre_log_kind {
	/** An actor ended with reason FAILURE or ERROR (a kill is not
	 *  reported, as in OTP). `unhandled` says whether anyone hears of it;
	 *  `signalled` whether an exit signal ended it (the failure of a linked
	 *  actor spreading, or cadre_send_exit) rather than its own failure. */
	CADRE_LOG_ACTOR_FAILED = 0,
	/** A supervisor restarts a child that ended: `actor` is the child that
	 *  ended, `reason` why; `count` restarts within the last `window_ms`
	 *  (the supervisor's period), this one included. */
	CADRE_LOG_CHILD_RESTARTED = 1,
	/** A supervisor reached its restart intensity and shuts down: `actor`
	 *  is the child whose end was one too many, `reason` its reason;
	 *  `count` the intensity, `window_ms` the period. */
	CADRE_LOG_INTENSITY = 2,
	/** More than cadre_config.dead_letter_rate dead letters within a
	 *  second: `count` dead letters within the last `window_ms`; `actor`
	 *  is the receiver of the one that crossed the rate (`name` "?"). At
	 *  most one such event a second. */
	CADRE_LOG_DEAD_LETTERS = 3,
	/** A node refused a connection, or was refused (cadre/node.h): `name`
	 *  is the other node's name, or its address when unknown; `child_id`
	 *  says why ("unknown key", "bad handshake"); `count` the refusals so
	 *  far. At most one such event a second. */
	CADRE_LOG_NODE_REFUSED = 4,
} cadre_log_kind;

/** How serious an event is (OTP's logger levels). */
typedef enum cadre_log_level {
	CADRE_LOG_LEVEL_ERROR = 0,   /**< actor failed, intensity reached */
	CADRE_LOG_LEVEL_WARNING = 1, /**< dead-letter rate exceeded, a node refused */
	CADRE_LOG_LEVEL_INFO = 2,    /**< child restarted */
} cadre_log_level;

/** One log event. Its pointers are valid during the hook's call only. */
struct cadre_log_event {
	cadre_log_kind kind;   /**< what happened */
	cadre_log_level level; /**< how serious */
	cadre_system *system;  /**< the system it happened in */
	cadre_ref actor;       /**< the actor it is about (see cadre_log_kind) */
	const char *name;      /**< its behaviour's name; never NULL: "?" when unknown */
	cadre_exit reason;     /**< why it ended (ACTOR_FAILED, CHILD_RESTARTED, INTENSITY) */
	bool unhandled;        /**< ACTOR_FAILED: no link, no monitor, no parent heard of it */
	bool signalled;        /**< ACTOR_FAILED: an exit signal ended it, not its own failure */
	cadre_ref supervisor;  /**< CHILD_RESTARTED, INTENSITY: the supervisor */
	const char *child_id;  /**< CHILD_RESTARTED, INTENSITY: the child's id; else "" */
	uint64_t count;        /**< see cadre_log_kind */
	uint64_t window_ms;    /**< see cadre_log_kind */
};

/**
 * Reports ev as an event of sys: calls sys's log hook, or, with none, the
 * default printer (cadre/log.h). Libraries built on Cadre's public API (the
 * supervisors do) report through it. ev->system is ignored: the hook sees
 * sys; a NULL name or child_id is shown to the hook as "?" and "".
 *
 * @param sys the system
 * @param ev  the event
 * @threads any thread, including callbacks
 * @blocks  only as long as the hook, or a write on stderr
 * @retval 0 reported (or silenced by cadre_config.quiet)
 * @retval CADRE_EINVAL sys or ev NULL, or ev->kind unknown
 */
CADRE_API int cadre_system_log(cadre_system *sys, const cadre_log_event *ev);

/**
 * Writes the line the default printer writes for ev (without its newline)
 * into buf, like snprintf, e.g.
 * `cadre: actor <1.42.3> (counter) failed: failure(42, "bad input")`.
 *
 * @param ev   the event
 * @param buf  where to write; may be NULL when size is 0
 * @param size bytes at buf
 * @threads any thread, including callbacks and log hooks
 * @blocks  no
 * @return the length of the whole line (a count, excluding the NUL), which
 *         may be more than size - 1 if it was cut short
 * @retval CADRE_EINVAL ev NULL, ev->kind unknown, or buf NULL with size > 0
 */
CADRE_API int cadre_log_format(const cadre_log_event *ev, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_LOG_H */
