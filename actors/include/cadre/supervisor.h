/**
 * @file
 * Cadre: supervisors, with Erlang/OTP's supervisor semantics in C idiom.
 *
 * A supervisor is an actor that starts, watches and restarts child actors
 * according to a spec. It is built on core's public API only (links, exit
 * trapping, timers). docs/supervision.md explains the semantics.
 *
 *   - Children start in order, one at a time: each child's start callback
 *     has returned 0 before the next one is spawned. If one fails, those
 *     already started are stopped in reverse order and the supervisor stops
 *     with reason FAILURE, whose detail is the failed child's id.
 *   - Stopping goes in reverse order, each child fully stopped before the
 *     next: CADRE_SHUTDOWN_BRUTAL (kill; unlike OTP, the child's stop
 *     callback still runs, with KILLED), a timeout (exit signal `shutdown`,
 *     then kill when the time is up) or CADRE_FOREVER (exit signal
 *     `shutdown`, and wait). The dynamic children of a SIMPLE_ONE_FOR_ONE
 *     supervisor are stopped together, under one deadline. A child that
 *     ends with a reason its mode does not expect is reported
 *     (SHUTDOWN_ERROR).
 *   - Restart types: PERMANENT (always restarted), TRANSIENT (restarted only
 *     after an abnormal reason: anything but NORMAL and SHUTDOWN),
 *     TEMPORARY (never restarted; removed when it ends).
 *   - Strategies: ONE_FOR_ONE, ONE_FOR_ALL, REST_FOR_ONE, and
 *     SIMPLE_ONE_FOR_ONE (many dynamic children of the one spec).
 *   - Intensity: at most `intensity` restarts within `period_ms`. One more,
 *     and the supervisor stops all children (reverse order) and then itself
 *     with reason SHUTDOWN, which escalates to its own supervisor. A
 *     ONE_FOR_ALL or REST_FOR_ONE restart counts once, and so do the
 *     siblings that die by themselves while it stops them. Once its system
 *     is closing, a supervisor restarts nothing.
 *   - A child's start may answer "ignore" (cadre_ignore): its spec is kept
 *     with no actor (a temporary or dynamic child is dropped), and the
 *     supervisor goes on.
 *   - Auto-shutdown (OTP 24+): with ANY_SIGNIFICANT / ALL_SIGNIFICANT, the
 *     supervisor shuts down when any / all significant children (transient
 *     or temporary) have ended without being restarted.
 *   - Beyond OTP: an optional exponential backoff between restarts with
 *     jitter (Akka's BackoffSupervisor formula: min(max, min * 2^n) * (1 +
 *     random * jitter)); and mail handover: by default the mail a dead child
 *     leaves queued is dead-lettered (and counted), as in OTP; a child spec
 *     with handover_mail hands it to the restarted child instead.
 *
 * A supervisor shuts down in order (children in reverse, then itself) on
 * every stop but a kill: cadre_supervisor_stop; cadre_stop_ref and
 * cadre_system_shutdown (it traps its stop request, cadre_trap_stop; the
 * system's shutdown stops supervision trees top-down first); its parent's
 * exit signal; a direct exit signal (cadre_send_exit) with an abnormal
 * reason from a thread that is not an actor. A direct NORMAL exit signal
 * is ignored, and so is any exit signal from an actor that is neither its
 * parent nor one of its children (as OTP's supervisor). A kill
 * (cadre_kill) stops it at once; its links then take its children down.
 *
 * Zero means OTP's default in every field of a spec (docs/supervision.md
 * has the table): intensity 1, period 5000 ms, a worker child's shutdown
 * 5000 ms and a supervisor child's CADRE_FOREVER, no backoff. "None" and
 * "brutal" have names: CADRE_NO_RESTARTS, CADRE_SHUTDOWN_BRUTAL. A spec
 * OTP would refuse is refused (CADRE_EINVAL): cadre_supervisor_check says
 * why.
 *
 * The spec, its children array and the strings in it are read, not copied:
 * they must outlive the supervisor.
 */
#ifndef CADRE_SUPERVISOR_H
#define CADRE_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>
#include <cadre/links.h>
#include <cadre/timer.h>

#ifdef __cplusplus
extern "C" {
#endif

/** When a child is restarted. */
typedef enum cadre_restart {
	CADRE_PERMANENT = 0, /**< always restarted */
	CADRE_TRANSIENT = 1, /**< restarted only after an abnormal reason */
	CADRE_TEMPORARY = 2, /**< never restarted; removed when it ends */
} cadre_restart;

/** What a child is (informative, counted). */
typedef enum cadre_child_type {
	CADRE_WORKER = 0,     /**< an ordinary actor */
	CADRE_SUPERVISOR = 1, /**< a supervisor */
} cadre_child_type;

/** Which children a restart takes along. */
typedef enum cadre_strategy {
	CADRE_ONE_FOR_ONE = 0,        /**< the dead child alone */
	CADRE_ONE_FOR_ALL = 1,        /**< every child */
	CADRE_REST_FOR_ONE = 2,       /**< the dead child and those started after it */
	CADRE_SIMPLE_ONE_FOR_ONE = 3, /**< many dynamic children of the one spec */
} cadre_strategy;

/** When significant children end the supervisor (OTP 24+). */
typedef enum cadre_auto_shutdown {
	CADRE_AUTO_NEVER = 0,           /**< never */
	CADRE_AUTO_ANY_SIGNIFICANT = 1, /**< when any significant child has ended */
	CADRE_AUTO_ALL_SIGNIFICANT = 2, /**< when all significant children have ended */
} cadre_auto_shutdown;

/**
 * A child spec's shutdown_ms: the supervisor kills the child at once (OTP's
 * brutal_kill; the child's stop callback still runs, with KILLED).
 */
#define CADRE_SHUTDOWN_BRUTAL ((cadre_timeout)-2)

/**
 * A supervisor spec's (or a router spec's) intensity: no restart is allowed;
 * the first child exit that calls for one shuts the supervisor down (OTP's
 * intensity 0; Cadre's 0 is OTP's default, 1).
 */
#ifndef CADRE_NO_RESTARTS
#define CADRE_NO_RESTARTS UINT32_MAX
#endif

/** One child of a supervisor. */
typedef struct cadre_child_spec {
	const char *id;             /**< unique in the supervisor */
	const cadre_behaviour *beh; /**< a child supervisor: cadre_supervisor_behaviour() */
	void *arg;             /**< to start(), at every (re)start; a child supervisor: its spec */
	cadre_restart restart; /**< when it is restarted */
	/** How the supervisor stops the child, in ms: the exit signal
	 * `shutdown`, then a kill when the time is up. 0: OTP's default, 5000 ms
	 * for a CADRE_WORKER and CADRE_FOREVER for a CADRE_SUPERVISOR;
	 * CADRE_FOREVER: `shutdown`, and wait; CADRE_SHUTDOWN_BRUTAL: a kill at
	 * once. Any other negative value: CADRE_EINVAL. */
	cadre_timeout shutdown_ms;
	cadre_child_type type; /**< WORKER or SUPERVISOR (counted; picks the default shutdown) */
	bool significant;      /**< for auto-shutdown; needs TRANSIENT or TEMPORARY and an
	                          auto_shutdown other than NEVER */
	bool handover_mail;    /**< a restart inherits the mail the dead child left */
	uint32_t mailbox_capacity; /**< the child's; 0 = unbounded */
} cadre_child_spec;

/** What a supervisor reports to its event hook. */
typedef enum cadre_sup_event_kind {
	CADRE_SUP_CHILD_STARTED = 0,    /**< a child started */
	CADRE_SUP_CHILD_EXITED = 1,     /**< ended on its own; reason says why */
	CADRE_SUP_CHILD_RESTARTING = 2, /**< delay_ms: the backoff before it */
	CADRE_SUP_CHILD_STOPPED = 3,    /**< stopped by the supervisor */
	CADRE_SUP_START_FAILED = 4,     /**< a child's start failed */
	CADRE_SUP_INTENSITY = 5,        /**< too many restarts: shutting down */
	CADRE_SUP_SHUTDOWN = 6,         /**< the supervisor itself stops (reason) */
	/** A child that the supervisor stops, or would have stopped (shutting
	 * down, or a group restart), ended with a reason its shutdown mode does
	 * not expect (OTP's shutdown_error): killed when its shutdown time was
	 * up, a crash, or NORMAL for a permanent child. Follows the child's
	 * CHILD_STOPPED or CHILD_EXITED; reason: the one it ended with. */
	CADRE_SUP_SHUTDOWN_ERROR = 7,
	CADRE_SUP_CHILD_IGNORED = 8, /**< its start answered "ignore" (cadre_ignore) */
} cadre_sup_event_kind;

/** One event, as the event hook gets it. */
typedef struct cadre_sup_event {
	cadre_sup_event_kind kind; /**< what happened */
	const char *id;            /**< the child's, or NULL */
	cadre_ref child;           /**< the child's ref, or CADRE_REF_NONE */
	cadre_exit reason;         /**< the reason, where the kind has one */
	uint32_t delay_ms;         /**< CHILD_RESTARTING: the backoff */
	uint32_t mail;             /**< CHILD_EXITED: leftover messages handed over */
} cadre_sup_event;

/** A supervisor: its strategy, limits and children. */
typedef struct cadre_sup_spec {
	cadre_strategy strategy; /**< which children a restart takes along */
	uint32_t intensity;      /**< restarts allowed within period_ms; 0: OTP's default, 1;
	                         CADRE_NO_RESTARTS: none (the first exit that calls
	                         for a restart shuts the supervisor down) */
	uint32_t period_ms;      /**< the intensity's window in ms; 0: OTP's default, 5000 */
	cadre_auto_shutdown auto_shutdown; /**< significant children's effect */
	uint32_t backoff_min_ms;           /**< the first restart's delay in ms; 0: no backoff
	                              (restart at once, as OTP) */
	uint32_t backoff_max_ms;           /**< the longest delay in ms, >= backoff_min_ms; 0: 30000
	                              (with backoff_min_ms 0: unused) */
	double backoff_jitter;            /**< 0.0 .. 1.0 (NaN or outside: CADRE_EINVAL); 0: none */
	const cadre_child_spec *children; /**< in start order */
	size_t nchildren;                 /**< SIMPLE_ONE_FOR_ONE: exactly 1, the template */
	/** Called on the supervisor's worker for each event; must not block. */
	void (*on_event)(void *ctx, const cadre_sup_event *ev);
	void *event_ctx; /**< on_event's ctx */
} cadre_sup_spec;

/* A child's start may call cadre_ignore (cadre/actor.h): the child does
 * not start, and that is not a failure. The supervisor keeps its spec with
 * no actor (TERMINATED, ref CADRE_REF_NONE; restart_child may start it
 * again), or forgets it if it is TEMPORARY or a SIMPLE_ONE_FOR_ONE child;
 * it reports CHILD_IGNORED, does not restart it, and goes on: its own
 * start, start_child and restart_child succeed (the latter two with
 * CADRE_REF_NONE as the child's ref). Elsewhere than in start, the reason
 * cadre_ignore gives is taken as a NORMAL exit. */

/**
 * Checks a supervisor spec as cadre_supervisor_start does, starting
 * nothing.
 *
 * Refused, as OTP refuses them: spec NULL; strategy or auto_shutdown out of
 * range; children NULL with nchildren > 0; SIMPLE_ONE_FOR_ONE with
 * nchildren other than 1; backoff_jitter NaN or outside [0, 1];
 * backoff_min_ms above backoff_max_ms (after defaults); a child with id
 * NULL or empty, beh NULL, restart or type out of range, shutdown_ms
 * negative but not CADRE_FOREVER or CADRE_SHUTDOWN_BRUTAL, significant and
 * PERMANENT, or significant under CADRE_AUTO_NEVER; two children with one
 * id. docs/supervision.md lists the reasons.
 *
 * @param spec  the spec to check
 * @param why   may be NULL; receives NULL (valid) or a static string saying
 *              what is wrong, such as "duplicate child id"
 * @threads any thread
 * @blocks  no
 * @retval 0 the spec is valid
 * @retval CADRE_EINVAL the spec is refused (*why says why)
 */
CADRE_API int cadre_supervisor_check(const cadre_sup_spec *spec, const char **why);

/**
 * The supervisor behaviour: spawn it with the spec as arg, as a child of
 * another supervisor or with cadre_spawn. It traps exits and defers its
 * STARTED until every child has started. A spec that cadre_supervisor_check
 * refuses fails its start: reason FAILURE, code CADRE_EINVAL, detail the
 * check's reason.
 *
 * @return the behaviour: static, never NULL
 * @threads any thread
 * @blocks  no
 */
CADRE_API const cadre_behaviour *cadre_supervisor_behaviour(void);

/**
 * Spawns a supervisor and waits until all its children have started, or it
 * failed, or timeout_ms passed.
 *
 * @param out       receives the supervisor's ref
 * @param failed_id may be NULL; else receives the id of the child whose
 *                  start failed (CADRE_ECANCELED), or NULL
 * @threads any thread that is not a worker
 * @blocks  until the children have started, or the timeout
 * @retval 0 started: *out set
 * @retval CADRE_EINVAL sys, spec or out NULL, a bad timeout, or a spec that
 *         cadre_supervisor_check refuses (nothing is spawned)
 * @retval CADRE_ENOMEM out of memory, in the supervisor or in a child's
 *         spawn: the children already started have been stopped
 * @retval CADRE_ELIMIT the actor table is full (cadre_spawn), for the
 *         supervisor or a child: the children already started have been
 *         stopped
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ETIMEDOUT not started in time
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 * @retval CADRE_ECANCELED a child failed to start (its start callback
 *         failed)
 */
CADRE_API int cadre_supervisor_start(cadre_system *sys, const cadre_sup_spec *spec, cadre_ref *out,
                                     const char **failed_id, cadre_timeout timeout_ms);

/* Dynamic operations, from a thread that is not a worker; each sends the
 * supervisor a request and waits for its answer at most timeout_ms
 * (CADRE_FOREVER: no limit). Each may also return CADRE_EINVAL (sys NULL, a
 * bad timeout), CADRE_EWOULDBLOCK (on a worker), CADRE_ENOMEM,
 * CADRE_EFULL (the supervisor's bounded mailbox is full), CADRE_ENOACTOR
 * (no such supervisor, or it stopped before answering), CADRE_ECLOSED and
 * CADRE_ETIMEDOUT. One that waits its turn in the supervisor (all but
 * which_children and count_children) returns CADRE_ECANCELED if the
 * supervisor stops first. */

/**
 * Adds and starts a child; SIMPLE_ONE_FOR_ONE takes spec NULL and uses arg
 * for the new child.
 *
 * @param child may be NULL; else receives the child's ref (CADRE_REF_NONE
 *              if its start answered "ignore")
 * @threads any thread that is not a worker
 * @blocks  until the supervisor answers, or the timeout
 * @retval 0 started
 * @retval CADRE_EEXIST id taken by a child the supervisor has (OTP's
 *         already_present / already_started)
 * @retval CADRE_ECANCELED its start failed (not added), or the supervisor
 *         stopped first
 * @retval CADRE_EINVAL sys NULL, a bad timeout, spec NULL (not
 *         SIMPLE_ONE_FOR_ONE), or a child spec that cadre_supervisor_check
 *         would refuse in this supervisor's spec: bad id, beh, restart, type
 *         or shutdown_ms, or significant when PERMANENT or under
 *         CADRE_AUTO_NEVER
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the supervisor's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such supervisor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ETIMEDOUT no answer in time
 */
CADRE_API int cadre_supervisor_start_child(cadre_system *sys, cadre_ref sup,
                                           const cadre_child_spec *spec, void *arg,
                                           cadre_ref *child, cadre_timeout timeout_ms);

/**
 * Stops a child (by id; for SIMPLE_ONE_FOR_ONE by ref); its spec stays
 * (restart_child / delete_child), except for temporary and dynamic
 * children, which go.
 *
 * @threads any thread that is not a worker
 * @blocks  until the child has stopped, or the timeout
 * @retval 0 stopped
 * @retval CADRE_ENOENT no such child
 * @retval CADRE_ECANCELED the supervisor stopped first
 * @retval CADRE_EINVAL sys NULL, a bad timeout
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the supervisor's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such supervisor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ETIMEDOUT no answer in time
 */
CADRE_API int cadre_supervisor_terminate_child(cadre_system *sys, cadre_ref sup, const char *id,
                                               cadre_ref child, cadre_timeout timeout_ms);

/**
 * Restarts a terminated child.
 *
 * @param child may be NULL; else receives the child's new ref
 * @threads any thread that is not a worker
 * @blocks  until the child has started, or the timeout
 * @retval 0 restarted
 * @retval CADRE_ENOENT no such child (or a SIMPLE_ONE_FOR_ONE supervisor)
 * @retval CADRE_EBUSY the child is running
 * @retval CADRE_ECANCELED its start failed, or the supervisor stopped first
 * @retval CADRE_EINVAL sys NULL, a bad timeout
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the supervisor's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such supervisor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ETIMEDOUT no answer in time
 */
CADRE_API int cadre_supervisor_restart_child(cadre_system *sys, cadre_ref sup, const char *id,
                                             cadre_ref *child, cadre_timeout timeout_ms);

/**
 * Forgets a terminated child.
 *
 * @threads any thread that is not a worker
 * @blocks  until the supervisor answers, or the timeout
 * @retval 0 forgotten
 * @retval CADRE_ENOENT no such child (or a SIMPLE_ONE_FOR_ONE supervisor)
 * @retval CADRE_EBUSY the child is running
 * @retval CADRE_ECANCELED the supervisor stopped first
 * @retval CADRE_EINVAL sys NULL, a bad timeout
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the supervisor's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such supervisor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ETIMEDOUT no answer in time
 */
CADRE_API int cadre_supervisor_delete_child(cadre_system *sys, cadre_ref sup, const char *id,
                                            cadre_timeout timeout_ms);

/**
 * Shuts the supervisor down in order (children in reverse); it answers
 * just before it stops.
 *
 * @threads any thread that is not a worker
 * @blocks  until the children have stopped, or the timeout
 * @retval 0 stopped
 * @retval CADRE_ECANCELED the supervisor stopped first, for another reason
 * @retval CADRE_EINVAL sys NULL, a bad timeout
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the supervisor's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such supervisor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ETIMEDOUT no answer in time
 */
CADRE_API int cadre_supervisor_stop(cadre_system *sys, cadre_ref sup, cadre_timeout timeout_ms);

/** A child's state (cadre_child_info). */
typedef enum cadre_child_state {
	CADRE_CHILD_RUNNING = 0,    /**< running */
	CADRE_CHILD_STARTING = 1,   /**< its start has not returned yet */
	CADRE_CHILD_STOPPING = 2,   /**< being stopped */
	CADRE_CHILD_RESTARTING = 3, /**< waiting for its backoff or its turn */
	CADRE_CHILD_TERMINATED = 4, /**< no actor (stopped, or ignored) */
} cadre_child_state;

/** One child, as cadre_supervisor_which_children lists it. */
typedef struct cadre_child_info {
	const char *id;          /**< its id (the spec's string) */
	cadre_ref ref;           /**< the live ref while starting, running or stopping; else NONE */
	cadre_child_state state; /**< its state */
	cadre_child_type type;   /**< WORKER or SUPERVISOR */
	cadre_restart restart;   /**< its restart type */
} cadre_child_info;

/** A supervisor's children, counted (cadre_supervisor_count_children). */
typedef struct cadre_child_counts {
	uint32_t specs;       /**< children known */
	uint32_t active;      /**< running */
	uint32_t supervisors; /**< specs of type SUPERVISOR */
	uint32_t workers;     /**< specs of type WORKER */
} cadre_child_counts;

/**
 * Lists the children in start order; *n receives how many there are (may
 * exceed max: only max are written).
 *
 * @param out may be NULL if max is 0
 * @param n   receives how many children there are (required)
 * @threads any thread that is not a worker
 * @blocks  until the supervisor answers, or the timeout
 * @retval 0 listed
 * @retval CADRE_EINVAL sys or n NULL, a bad timeout, out NULL with max > 0
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the supervisor's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such supervisor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ETIMEDOUT no answer in time
 */
CADRE_API int cadre_supervisor_which_children(cadre_system *sys, cadre_ref sup,
                                              cadre_child_info *out, size_t max, size_t *n,
                                              cadre_timeout timeout_ms);

/**
 * Counts the children.
 *
 * @threads any thread that is not a worker
 * @blocks  until the supervisor answers, or the timeout
 * @retval 0 counted
 * @retval CADRE_EINVAL sys or out NULL, a bad timeout
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the supervisor's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such supervisor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ETIMEDOUT no answer in time
 */
CADRE_API int cadre_supervisor_count_children(cadre_system *sys, cadre_ref sup,
                                              cadre_child_counts *out, cadre_timeout timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_SUPERVISOR_H */
