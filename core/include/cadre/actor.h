/**
 * @file
 * Cadre: systems, actors, refs and messages.
 *
 * An actor is a C struct of the user's whose first member is a cadre_actor,
 * plus a behaviour: a table of callbacks. Cadre allocates the struct (the
 * behaviour says how big it is), runs the callbacks one message at a time on
 * a worker thread, and frees it after the actor has stopped. Only the
 * actor's own callbacks may touch its state.
 *
 * @code
 *     struct counter { cadre_actor base; long n; };
 *
 *     static int counter_receive(cadre_actor *self, const cadre_msg *m)
 *     {
 *             struct counter *c = (struct counter *)self;
 *             c->n++;
 *             return 0;
 *     }
 *     static const cadre_behaviour counter_beh = {
 *             .size = sizeof(struct counter), .receive = counter_receive,
 *     };
 * @endcode
 *
 * Lifecycle of an actor: spawn -> start(arg) runs first, on a worker ->
 * receive(msg) for each message, one at a time -> stop(reason) runs once,
 * last. After stop returns, the actor's memory may be freed at any moment:
 * do not keep pointers to it. Messages still queued, and messages that
 * arrive later, are dead letters.
 *
 * Errors: functions return 0 or a negative CADRE_E* code (cadre/error.h).
 */
#ifndef CADRE_ACTOR_H
#define CADRE_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/error.h>
#include <cadre/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- timeouts ---------------------------------------------------------- */

/** Every wait, deadline, delay and request timeout in the API has this type:
 * milliseconds. CADRE_FOREVER means no limit; CADRE_NOWAIT means do not wait
 * (for a timer's delay or a request's timeout: the next 1 ms tick). Any
 * other negative value is refused with CADRE_EINVAL. */
typedef int64_t cadre_timeout;

/** No limit (a timer with this delay or period never fires). */
#define CADRE_FOREVER ((cadre_timeout)-1)
/** Do not wait (a timer or a request's timeout: the next 1 ms tick). */
#define CADRE_NOWAIT ((cadre_timeout)0)

/* ---- refs -------------------------------------------------------------- */
/** A reference to an actor: a small value (system id, slot index, the
 * slot's generation, the node), never a pointer. Copy it freely, across
 * threads, inside messages and to other nodes. A ref to a stopped actor, a
 * forged ref or a ref of another system is refused with CADRE_ENOACTOR (of
 * a node that is down: CADRE_ENODE); it never reaches the memory of
 * another actor. The all-zero ref is CADRE_REF_NONE. */
typedef struct cadre_ref {
	uint32_t sys;   /**< the system's id */
	uint32_t index; /**< the actor's slot */
	uint32_t gen;   /**< the slot's generation (tells its lives apart) */
	uint32_t node;  /**< its node's incarnation (cadre/node.h); 0: not a node */
} cadre_ref;

/** No actor: the all-zero ref. */
#define CADRE_REF_NONE ((cadre_ref){0, 0, 0, 0})

/**
 * Whether a and b refer to the same actor.
 * @threads any thread
 * @blocks  no
 */
static inline bool
cadre_ref_is_equal(cadre_ref a, cadre_ref b)
{
	return a.sys == b.sys && a.index == b.index && a.gen == b.gen && a.node == b.node;
}

/**
 * Whether r is CADRE_REF_NONE.
 * @threads any thread
 * @blocks  no
 */
static inline bool
cadre_ref_is_none(cadre_ref r)
{
	return r.sys == 0 && r.index == 0 && r.gen == 0 && r.node == 0;
}

/* ---- the actor header, messages, behaviours ---------------------------- */

/** Embed as the first member of your actor struct. Its content is Cadre's;
 * the rest of Cadre's per-actor state lives just before it, in the same
 * allocation. */
typedef struct cadre_actor {
	uint64_t cadre__private; /**< Cadre's; do not touch */
} cadre_actor;

/** A system (opaque): workers, actors, timers. cadre_system_new,
 * cadre_system_free. */
typedef struct cadre_system cadre_system;

/** A received message, valid only during the receive callback. */
typedef struct cadre_msg {
	uint32_t type;    /**< the sender's tag; types >= 0xFFFF0000 are Cadre's (not sendable) */
	uint32_t size;    /**< payload bytes */
	const void *data; /**< the payload (NULL if size is 0) */
	cadre_ref sender; /**< CADRE_REF_NONE if sent from outside any actor */
} cadre_msg;

/** Why an actor stopped. */
typedef enum cadre_exit_kind {
	CADRE_EXIT_NORMAL = 0,   /**< it stopped itself (cadre_stop) */
	CADRE_EXIT_SHUTDOWN = 1, /**< asked to stop (cadre_stop_ref, system shutdown) */
	CADRE_EXIT_KILLED = 2,   /**< killed; cannot be trapped */
	CADRE_EXIT_FAILURE = 3,  /**< a callback failed: code says how */
	CADRE_EXIT_NOPROC = 4,   /**< (monitors) the actor did not exist */
	/** Cadre itself ended the actor: `code` is a CADRE_E* code (for
	 *  example CADRE_ENOMEM when a link or monitor could not be recorded).
	 *  Abnormal, like FAILURE: links, monitors and supervisors treat it
	 *  as a failure. */
	CADRE_EXIT_ERROR = 5,
	/** its node went down (cadre/node.h); abnormal, like FAILURE */
	CADRE_EXIT_NOCONNECTION = 6,
} cadre_exit_kind;

/** An exit reason: why an actor stopped, as its links and monitors see it. */
typedef struct cadre_exit {
	cadre_exit_kind kind; /**< the kind of stop */
	/** FAILURE: the user's own non-zero code (a callback's result or
	 *  cadre_fail's), never read as a CADRE_E*; ERROR: a CADRE_E* code. */
	int code;
	const char *detail; /**< static string or NULL */
} cadre_exit;

/**
 * Writes reason as text into buf, like snprintf: "normal", "shutdown",
 * "killed", "noproc", "noconnection", "failure(42)", "failure(42, \"detail\")",
 * "error(CADRE_ENOMEM)", "normal(ignore)" (cadre_ignore's reason),
 * "shutdown(\"detail\")" (a detail is shown when present).
 *
 * At most size bytes are written, always NUL-terminated when size > 0; the
 * text is cut short if it does not fit.
 *
 * @param reason the reason to format
 * @param buf    where to write; may be NULL when size is 0
 * @param size   bytes at buf
 * @threads any thread, including callbacks
 * @blocks  no
 * @return the length of the whole text (a count, excluding the NUL), which
 *         may be more than size - 1 if it was cut short
 * @retval CADRE_EINVAL reason NULL, or buf NULL with size > 0
 */
CADRE_API int cadre_exit_format(const cadre_exit *reason, char *buf, size_t size);

/** The callbacks. receive is required; start and stop may be NULL. A
 * behaviour must outlive every actor that uses it, until the actor's memory
 * is reclaimed after stop (static const behaviours are the usual way).
 * start and receive return 0, or non-zero to fail: the actor then stops
 * with reason CADRE_EXIT_FAILURE and that code. None of them may block the
 * worker thread. */
typedef struct cadre_behaviour {
	size_t size; /**< bytes of your struct, >= sizeof(cadre_actor) */
	/** Runs first, once, with spawn's arg; may be NULL. */
	int (*start)(cadre_actor *self, void *arg);
	/** Runs for each message, one at a time; required. */
	int (*receive)(cadre_actor *self, const cadre_msg *msg);
	/** Runs once, last, with the reason; may be NULL. */
	void (*stop)(cadre_actor *self, const cadre_exit *reason);
	const char *name; /**< for diagnostics; may be NULL */
} cadre_behaviour;

/** What a bounded mailbox does with a normal message beyond its capacity.
 * System messages (signals, stop requests) are never refused or dropped. */
typedef enum cadre_overflow {
	CADRE_OVERFLOW_FAIL = 0,        /**< the send fails with CADRE_EFULL (not counted) */
	CADRE_OVERFLOW_DROP_NEWEST = 1, /**< the new message is dropped: a dead letter */
	CADRE_OVERFLOW_DROP_OLDEST = 2, /**< the oldest queued message is dropped when the
	                                   actor gets to it: a dead letter */
} cadre_overflow;

/* Spawn flags (cadre_spawn_opts.flags), all in this one place. LINK and
 * NOTIFY_STARTED need the spawner to be an actor (the call made from one of
 * its callbacks); from elsewhere cadre_spawn fails with CADRE_EINVAL. */
/** Spawn flag: link spawner and child before the child runs (spawner: an actor). */
#define CADRE_SPAWN_LINK 0x1u
/** Spawn flag: the child traps exits from the start. */
#define CADRE_SPAWN_TRAP_EXITS 0x2u
/** Spawn flag: CADRE_MSG_STARTED to the spawner (an actor) once start returned 0. */
#define CADRE_SPAWN_NOTIFY_STARTED 0x4u
/** Spawn flag: with LINK, leftover mail goes to the parent, not dead. */
#define CADRE_SPAWN_KEEP_MAIL 0x8u
/** Spawn flag: the actor runs on the system's blocking pool
 * (cadre_config.blocking_threads), not on the per-core workers: its
 * callbacks may block (file I/O, a legacy library, sleep) without stalling
 * other actors. Any spawner. */
#define CADRE_SPAWN_BLOCKING 0x10u

/** Options for one spawn; NULL means the defaults (all zero). */
typedef struct cadre_spawn_opts {
	uint32_t mailbox_capacity;       /**< 0 = unbounded */
	cadre_overflow overflow;         /**< with a capacity (ignored without one) */
	uint32_t flags;                  /**< CADRE_SPAWN_* (above) */
	uint32_t stash_capacity;         /**< 0 = 1000 (cadre/behave.h) */
	struct cadre_mail *inherit_mail; /**< queued first, in order, if the spawn succeeds (it
	                                    is then consumed); may exceed the capacity */
	/** For a supervisor that restarts a child: how many times it has
	 *  restarted that child so far, this spawn included (0: a first start).
	 *  Reported as the actor's restarts (cadre/stats.h), and each spawn
	 *  with restarts > 0 counts one in cadre_stats.restarts. */
	uint32_t restarts;
} cadre_spawn_opts;

/* ---- systems ----------------------------------------------------------- */

/** Called for every dead letter, on the thread that found it dead: a sender
 * thread, a worker, or the thread shutting the system down. Must be
 * thread-safe and must not block. `why` is the error: CADRE_ENOACTOR (the
 * actor was gone or stopped before handling it), CADRE_ECLOSED (sent during
 * or after shutdown) or CADRE_EFULL (dropped by a bounded mailbox's
 * DROP_NEWEST / DROP_OLDEST policy, or by a full stash). */
typedef void (*cadre_dead_letter_fn)(void *ctx, cadre_ref to, const cadre_msg *msg, int why);

/** A log event (cadre/log.h). */
typedef struct cadre_log_event cadre_log_event;

/**
 * The log hook (cadre_config.log): called for every log event of the
 * system (cadre/log.h), on the thread where it happens, most often a
 * worker in the middle of a run.
 *
 * @threads called on any thread of the system, concurrently: must be
 *          thread-safe
 * @blocks  must not block (it stalls the worker that calls it)
 */
typedef void (*cadre_log_fn)(void *ctx, const cadre_log_event *ev);

/** A system's configuration; NULL or all-zero fields mean the defaults. */
typedef struct cadre_config {
	unsigned workers;          /**< worker threads; 0 = one per CPU of the placement (cpus) */
	bool no_pinning;           /**< true: do not pin the workers to CPUs (see cpus) */
	unsigned batch;            /**< normal messages per actor run; 0 = 100 */
	uint32_t max_message_size; /**< largest copied payload; 0 = 1 MiB */
	unsigned spin_rounds;      /**< idle worker search rounds before parking; 0 = 64 */
	bool no_run_next;          /**< true: a woken actor waits its turn in the run queue */
	unsigned steal_after_us;   /**< a queued actor may move to an idle worker once it has
	                              waited this long (locality first); 0 = 100 */
	unsigned blocking_threads; /**< threads of the blocking pool; 0 = 2 */
	bool no_backpressure; /**< true: never mute senders (docs/architecture.md, backpressure) */
	bool no_coalesce;     /**< true: a run that sends much hands each message over at once,
	                         not in chains (docs/architecture.md, coalescing) */
	cadre_dead_letter_fn dead_letter; /**< optional */
	void *dead_letter_ctx;            /**< dead_letter's ctx */
	cadre_timeout shutdown_timeout;   /**< cadre_system_free's deadline for
	                                     cadre_system_shutdown; 0 = 5000 ms,
	                                     CADRE_FOREVER: no deadline */
	/** The CPUs to pin the workers to: worker i runs on cpus[i % ncpus]. With
	 *  ncpus 0 (cpus is then ignored), the CPUs the calling thread may run on
	 *  (sched_getaffinity at cadre_system_new: cgroup cpusets, taskset) are
	 *  used, in increasing order. workers 0 means one worker per CPU of this
	 *  list (at most 64), whichever it is. The list is copied by
	 *  cadre_system_new, which refuses it (CADRE_EINVAL) if cpus is NULL with
	 *  ncpus > 0, if a CPU is negative, if a CPU is not one the calling thread
	 *  may run on, or if no_pinning is true with ncpus > 0. */
	const int *cpus;
	unsigned ncpus; /**< entries of cpus; 0 = the allowed CPUs (see cpus) */
	/** The log hook (cadre/log.h); NULL: the default printer, one line on
	 *  stderr per unhandled actor failure, restart intensity reached and
	 *  dead-letter rate exceeded. */
	cadre_log_fn log;
	/** Passed to log. */
	void *log_ctx;
	/** True (with log NULL): the default printer prints nothing. */
	bool quiet;
	/** Dead letters per second above which a CADRE_LOG_DEAD_LETTERS event
	 *  is made (at most one a second); 0 = 1000. */
	uint32_t dead_letter_rate;
	/** True: every worker always takes work. By default a governor
	 *  measures, in 1 ms epochs, whether fewer workers handle more
	 *  messages (a chatty workload that two cores slow down) and keeps
	 *  the others dormant while they do (docs/architecture.md,
	 *  "The governor"). */
	bool no_governor;
	/** Bytes of memory each per-core worker takes from Cadre's allocator,
	 *  writes and gives back when the system starts, before
	 *  cadre_system_new returns; 0 = none. The allocator keeps what is given
	 *  back mapped (jemalloc: for about ten seconds unless reused), so the
	 *  system's first actors and messages do not fault pages in one by one:
	 *  a process's first workload then runs as fast as a later one (at a cost
	 *  of about 0.5 ms per MiB at the start; docs/performance.md, "Cold and
	 *  warm"). Best effort: if the memory cannot be had, the worker
	 *  prefaults less. */
	size_t prealloc_bytes;
	/** True: keep per-actor counters (messages handled, runs, time spent
	 *  running, and the mailbox length of unbounded mailboxes), read with
	 *  cadre/stats.h. They live in a block allocated beside each actor only
	 *  when this is on (docs/architecture.md, "Counters"). An observe_path
	 *  or a metrics_address turns it on too. */
	bool actor_stats;
	/** A Unix socket path (at most 107 bytes) where the system serves its
	 *  counters and live actors as JSON to `cadre-top` (docs/guide.md,
	 *  "Observing a running system"); NULL: none. A stale socket file there
	 *  is replaced at start and removed at shutdown. cadre_system_new fails
	 *  with CADRE_EINVAL for an empty or too long path, CADRE_EADDRINUSE if
	 *  a live socket or any other file is there, CADRE_EADDR if it cannot
	 *  be bound (no such directory), CADRE_ESYS if another socket call
	 *  fails. The endpoint is served by actors of the system (behaviours
	 *  "cadre.observe" and "cadre.observe.conn"): they count among its
	 *  actors, and cadre_system_await_stopped waits for them. */
	const char *observe_path;
	/** "HOST:PORT" (as cadre_tcp_listen takes it, e.g. "127.0.0.1:9464";
	 *  port 0: any free port) where the system serves its counters over
	 *  HTTP for Prometheus: `GET /metrics`, in the text exposition format
	 *  0.0.4 (docs/guide.md, "Metrics for Prometheus"); NULL: none.
	 *  cadre_system_new fails with CADRE_EINVAL for an empty address or
	 *  one over 255 bytes, CADRE_EADDR for one that does not parse (or
	 *  names a host other than localhost), and CADRE_EADDRINUSE or
	 *  CADRE_ESYS when it cannot listen there. */
	const char *metrics_address;
	/** Events each thread's trace ring keeps when recording starts with the
	 *  system (cadre/trace.h, rounded up to a power of two); 0 = not
	 *  recording at start (cadre_trace_start starts it later). At most
	 *  CADRE_TRACE_MAX_EVENTS: cadre_system_new refuses more
	 *  (CADRE_EINVAL). */
	unsigned trace_events;
	/** A file the trace rings are written to (cadre/trace.h) when the
	 *  process gets a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
	 *  SIGABRT), before it dies with that signal; NULL = none. Copied by
	 *  cadre_system_new (at most 4095 bytes, else CADRE_EINVAL); at most 16
	 *  systems of a process (CADRE_ELIMIT beyond). Set trace_events too: only
	 *  what is recorded can be written. */
	const char *trace_dump_path;
	/** Non-zero: the deterministic, replayable mode (cadre/sim.h). The
	 *  system starts no thread; the thread that made it drives it, one
	 *  actor at a time in an order drawn from a PRNG seeded by this, on a
	 *  virtual clock. workers, blocking_threads, cpus and the governor are
	 *  then ignored; the I/O calls (cadre/io.h) are refused, and so are
	 *  observe_path and metrics_address (cadre_system_new: CADRE_ESTATE).
	 *  0: threads. */
	uint64_t seed;
	/** Non-NULL: the system is a node (cadre/node.h; copied). */
	const struct cadre_node_config *node;
} cadre_config;

/**
 * Creates a system and starts its workers. Systems are independent:
 * several may run in one process.
 *
 * @param out receives the system
 * @param cfg may be NULL (defaults)
 * @threads any thread that is not a worker of a system
 * @blocks  while it starts the threads
 * @retval 0 created and running
 * @retval CADRE_EINVAL out NULL, a field out of range (too many workers, a
 *         refused cpus list, an empty or too long observe_path or
 *         metrics_address)
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EADDRINUSE observe_path: a live socket or another file is
 *         there; metrics_address: in use
 * @retval CADRE_EADDR observe_path cannot be bound (no such directory);
 *         metrics_address does not parse, or names a host
 * @retval CADRE_ESYS a thread could not be started, the allowed CPUs
 *         could not be read (sched_getaffinity), or a socket call for
 *         observe_path or metrics_address failed
 * @retval CADRE_ELIMIT trace_dump_path set while 16 other systems of the
 *         process have one
 * @retval CADRE_ESTATE observe_path or metrics_address with a seed (the
 *         deterministic mode refuses I/O)
 */
CADRE_API int cadre_system_new(cadre_system **out, const cadre_config *cfg);

/**
 * Shuts the system down, in these phases, all under one deadline (timeout
 * from the call; CADRE_FOREVER: none; CADRE_NOWAIT: it has passed at once):
 *
 * 0. Supervision trees, while the system still runs: each root of a tree
 *    (an actor that traps its stop request, cadre/links.h, and was not
 *    spawned linked by one; a supervisor) gets its stop request and stops
 *    its tree top-down, each child with its spec's shutdown mode, in
 *    reverse start order (docs/supervision.md). Shutdown waits until the
 *    roots are gone or the deadline. Skipped with CADRE_NOWAIT.
 * 1. Closing: new spawns, sends, signals and timers are refused
 *    (CADRE_ECLOSED); pending timers are dropped.
 * 2. Every actor left (those outside any tree, and what is left of a tree)
 *    gets a stop request, no longer trappable: it stops with reason
 *    CADRE_EXIT_SHUTDOWN, its stop callback runs, its mail is
 *    dead-lettered. Shutdown waits for them until the deadline.
 * 3. At the deadline, every actor still alive is killed: it stops with
 *    reason CADRE_EXIT_KILLED (its stop callback still runs, with KILLED;
 *    its mail is dead-lettered). If the deadline has passed before phase
 *    2, the actors left are killed at once.
 * 4. The worker threads are joined; every message still queued is
 *    dead-lettered.
 *
 * A callback cannot be interrupted in C: an actor in the middle of a
 * callback (start, receive, stop; a blocking-pool actor sleeping in one)
 * stops when that callback returns, and shutdown waits for it before it
 * joins the threads. The deadline bounds everything else; a callback that
 * never returns makes shutdown never return.
 *
 * Counters stay readable afterwards. Idempotent: a later call returns 0
 * at once.
 *
 * @param sys     the system
 * @param timeout the deadline, in ms from the call; CADRE_FOREVER or
 *                CADRE_NOWAIT
 * @threads any thread but a worker or pool thread of a Cadre system
 * @blocks  yes: until the threads are joined (see above)
 * @retval 0 shut down (or it was already)
 * @retval CADRE_EINVAL sys NULL, or a negative timeout other than CADRE_FOREVER
 * @retval CADRE_EWOULDBLOCK called on a worker or pool thread of a Cadre system
 */
CADRE_API int cadre_system_shutdown(cadre_system *sys, cadre_timeout timeout);

/**
 * Shuts down if needed (with cadre_config.shutdown_timeout), then frees the
 * system. NULL is ignored. After it returns, no function may be called on
 * sys.
 *
 * @threads any thread that is not a worker
 * @blocks  while it shuts the system down
 */
CADRE_API void cadre_system_free(cadre_system *sys);

/**
 * Waits until the system has no live actors and every stopped actor has
 * been reclaimed (so its queued mail is dead-lettered and the counters are
 * settled), or until timeout passes.
 *
 * @threads any thread that is not a worker
 * @blocks  until no actor lives, or the timeout
 * @retval 0 no actor lives
 * @retval CADRE_ETIMEDOUT the timeout passed first
 * @retval CADRE_EINVAL sys NULL, a bad timeout
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 */
CADRE_API int cadre_system_await_stopped(cadre_system *sys, cadre_timeout timeout);

/**
 * Waits until the system is quiescent: no actor runnable or running (run
 * queues, inject queues and the blocking pool empty, no thread in an
 * actor's callback), no mail or signal in flight (every message sent has
 * been handled or dead-lettered; exits, downs and stop requests have been
 * taken), no dead actor waiting to be reclaimed (its mail not yet
 * dead-lettered), and no timer due within the next tick (1 ms) or being
 * fired. A timer due later does not prevent quiescence: an actor waiting
 * for a timeout is idle. Unlike cadre_system_await_stopped, live actors do
 * not prevent it: a system whose actors all wait for mail is quiescent.
 *
 * Exact for the work the caller caused: everything sent, spawned or armed
 * before the call (by this thread, or by threads that synchronised with
 * it), and all it led to, is done when it returns 0. Work that other
 * threads start during the call may or may not be seen. Messages an
 * actor keeps in its stash (cadre/behave.h) are its own: they do not
 * prevent quiescence. After cadre_system_shutdown the system is quiescent
 * (0 at once).
 *
 * @param sys     the system
 * @param timeout ms to wait; CADRE_FOREVER: no limit; CADRE_NOWAIT: look once
 * @threads any thread but a worker or pool thread of a Cadre system
 * @blocks  yes, until quiescent or the timeout
 * @retval 0 quiescent (or shut down)
 * @retval CADRE_ETIMEDOUT not quiescent within timeout
 * @retval CADRE_EINVAL sys NULL, or a negative timeout other than CADRE_FOREVER
 * @retval CADRE_EWOULDBLOCK called on a worker or pool thread of a Cadre system
 */
CADRE_API int cadre_system_await_quiescent(cadre_system *sys, cadre_timeout timeout);

/**
 * True if the calling thread is a per-core worker of any Cadre system
 * (where blocking calls are refused with CADRE_EWOULDBLOCK). The threads of
 * the blocking pool are not workers in this sense: false there, so an actor
 * spawned with CADRE_SPAWN_BLOCKING may call cadre_ask_wait, the
 * cadre_supervisor_* calls and cadre_router_query. (cadre_system_shutdown
 * and cadre_system_await_stopped are still refused on every thread of a
 * system, blocking pool included: they would wait for themselves.)
 *
 * @threads any thread
 * @blocks  no
 */
CADRE_API bool cadre_is_worker_thread(void);

/**
 * Worker threads of the system (0 for NULL).
 *
 * @threads any thread
 * @blocks  no
 */
CADRE_API unsigned cadre_system_workers(const cadre_system *sys);

/**
 * The CPU a worker is pinned to.
 *
 * Decided, and applied before the worker runs any actor, by cadre_system_new:
 * worker i is pinned to cfg.cpus[i % cfg.ncpus], or to the (i % n)-th of the
 * n CPUs the creating thread was allowed to run on. The answer does not
 * change afterwards (also after cadre_system_shutdown, until
 * cadre_system_free).
 *
 * @param sys     the system
 * @param worker  a worker index, < cadre_system_workers(sys)
 * @threads any thread, including callbacks
 * @blocks  no
 * @return the CPU number (>= 0)
 * @retval CADRE_ENOENT the worker is not pinned: cfg.no_pinning, or the
 *         operating system refused the pinning (it then runs where the
 *         creating thread could)
 * @retval CADRE_EINVAL sys NULL, worker >= cadre_system_workers(sys)
 */
CADRE_API int cadre_system_worker_cpu(const cadre_system *sys, unsigned worker);

/** Counters. Per worker, and for the system (the sum over workers plus what
 * was done by non-worker threads). Snapshot values: exact once the system
 * is quiet. Invariant when quiet: sent == handled + dead_letters. */
typedef struct cadre_stats {
	uint64_t sent;         /**< messages accepted by cadre_send* (incl. later dead) */
	uint64_t handled;      /**< messages given to a receive callback */
	uint64_t dead_letters; /**< messages never handled */
	uint64_t batches;      /**< actor runs */
	uint64_t steals;       /**< successful steals (actors taken from another worker) */
	uint64_t parks;        /**< times a worker went to sleep */
	uint64_t wakeups;      /**< times a worker was woken by another thread */
	uint64_t spawned;      /**< actors spawned */
	uint64_t stopped;      /**< actors stopped */
	uint64_t actors_alive; /**< spawned - stopped (system only; 0 per worker) */
	uint64_t mutes;        /**< senders muted by backpressure */
	uint64_t unmutes;      /**< ... and woken again */
	/** Nanoseconds the per-core worker spent running actors (from finding
	 *  work to running out of it); the system: the sum over per-core
	 *  workers (the blocking pool's threads are not timed). */
	uint64_t busy_ns;
	/** Nanoseconds the per-core worker spent searching for work or parked
	 *  (busy_ns + idle_ns: its time since the system started). */
	uint64_t idle_ns;
	/** Actors in the worker's run queue now (a gauge); system: the sum. */
	uint64_t runq;
	/** Spawns with cadre_spawn_opts.restarts > 0: children restarted by
	 *  their supervisors (per worker: those spawned on that worker). */
	uint64_t restarts;
} cadre_stats;

/**
 * Fills *out with a worker's counters, or the system's.
 *
 * @param worker an index < cadre_system_workers(), or -1 for the whole system
 * @threads any thread
 * @blocks  no
 * @retval 0 filled
 * @retval CADRE_EINVAL sys or out NULL, worker out of range
 */
CADRE_API int cadre_system_stats(const cadre_system *sys, int worker, cadre_stats *out);

/* ---- actors ------------------------------------------------------------ */

/**
 * Spawns an actor. Its start callback runs first, on a worker, with arg
 * (which must stay valid until then).
 * @param opts may be NULL (defaults)
 * @param out  receives the actor's ref
 * @threads any thread, including inside a callback
 * @blocks  no
 * @retval 0 spawned
 * @retval CADRE_EINVAL NULL, no receive, size < sizeof(cadre_actor), LINK
 *         or NOTIFY_STARTED from outside an actor
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ELIMIT the actor table is full (268,435,455 live actors):
 *         nothing was changed, and spawns succeed again once actors stop
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_spawn(cadre_system *sys, const cadre_behaviour *beh,
                          const cadre_spawn_opts *opts, void *arg, cadre_ref *out);

/**
 * Sends a copy of size bytes at data to `to`.
 *
 * Small payloads (<= CADRE_INLINE_PAYLOAD) travel inside the message;
 * larger ones are copied once into the same allocation. Inside a callback
 * the sender is the running actor; elsewhere it is none. FIFO per
 * sender-receiver pair. Types from 0xFFFF0000 up are reserved for Cadre's
 * own messages (CADRE_MSG_EXIT, CADRE_MSG_DOWN, ...): refused.
 * @threads any thread, including callbacks
 * @blocks  no; never takes a lock
 * @payload copied before the call returns; data may be reused at once
 * @retval 0 sent
 * @retval CADRE_EINVAL sys NULL, data NULL with size > 0, a reserved type
 * @retval CADRE_ETOOBIG size > max_message_size
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL bounded mailbox full, or the queue to the actor's
 *         node (cadre/node.h): not sent, not counted
 * @retval CADRE_ENOACTOR no such actor: counted as a dead letter
 * @retval CADRE_ENODE the actor's node is down (cadre/node.h): a dead letter
 * @retval CADRE_ECLOSED the system is shut down: counted as a dead letter
 */
CADRE_API int cadre_send(cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                         size_t size);

/**
 * Zero-copy send: hands over data and its destructor (no size limit but
 * UINT32_MAX: nothing is copied).
 * @param dtor may be NULL (nothing to free)
 * @threads any thread, including callbacks
 * @blocks  no
 * @payload on success Cadre owns data and calls dtor(data, size) exactly
 *          once after the message is handled or dead. On CADRE_EINVAL,
 *          CADRE_ENOMEM and CADRE_EFULL the caller still owns data; on
 *          CADRE_ENOACTOR and CADRE_ECLOSED Cadre has already called dtor.
 * @retval 0 sent
 * @retval CADRE_EINVAL sys NULL, data NULL with size > 0, size >
 *         UINT32_MAX, a reserved type (>= 0xFFFF0000)
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL bounded mailbox full, or the queue to the actor's
 *         node: not sent, not counted
 * @retval CADRE_ESERIAL to another node, and no serializer for the type
 *         (cadre_node_serializer): not sent; the caller keeps data
 * @retval CADRE_ENOACTOR no such actor: counted as a dead letter
 * @retval CADRE_ENODE the actor's node is down: a dead letter
 * @retval CADRE_ECLOSED the system is shut down: counted as a dead letter
 */
CADRE_API int cadre_send_move(cadre_system *sys, cadre_ref to, uint32_t type, void *data,
                              size_t size, void (*dtor)(void *data, size_t size));

/**
 * Inside a callback of self: replies to msg, sending a copy of size bytes
 * at data, with this type, to msg->sender.
 *
 * A reply never fails the replier because of the requester: when the
 * sender is CADRE_REF_NONE (msg came from a thread outside any actor), has
 * stopped or is gone, its bounded mailbox is full, or the system is
 * closing, the reply is counted as a dead letter instead (the dead-letter
 * hook sees it with why CADRE_ENOACTOR, CADRE_EFULL or CADRE_ECLOSED;
 * cadre_stats counts it in sent and in dead_letters) and 0 is returned.
 * This is the reply idiom: `return cadre_respond(self, msg, PONG, ...);`
 * (`return cadre_send(sys, msg->sender, ...)` would fail the replier when
 * the requester is not there).
 * @param self  the replying actor (the one whose callback is running)
 * @param msg   the message replied to (its sender gets the reply)
 * @param type  the reply's type (not a reserved type, >= 0xFFFF0000)
 * @param data  the payload (may be NULL if size is 0)
 * @param size  payload bytes
 * @threads only in one of self's callbacks, on its thread
 * @blocks  no
 * @payload copied before the call returns; data may be reused at once
 * @retval 0 replied, or counted as a dead letter (requester not there)
 * @retval CADRE_EINVAL self or msg NULL, data NULL with size > 0, a reserved type
 * @retval CADRE_ESTATE not called from one of self's callbacks
 * @retval CADRE_ETOOBIG size > max_message_size
 * @retval CADRE_ENOMEM out of memory (nothing sent)
 */
CADRE_API int cadre_respond(cadre_actor *self, const cadre_msg *msg, uint32_t type,
                            const void *data, size_t size);

/** Payloads up to this many bytes travel inside the message itself. */
#define CADRE_INLINE_PAYLOAD 64

/* ---- stopping and failing ----------------------------------------------
 * Every way to stop or fail an actor, in one place. Each ends the actor
 * with a reason (cadre_exit, above) that its links and monitors see
 * (cadre/links.h). */

/**
 * Asks an actor to stop (reason CADRE_EXIT_SHUTDOWN). The request travels as
 * a system message, ahead of ordinary mail; messages queued behind it become
 * dead letters.
 * @threads any thread
 * @blocks  no
 * @retval 0 asked (also if it is already stopping)
 * @retval CADRE_EINVAL sys NULL
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ENODE an actor of another node that is down (cadre/node.h)
 * @retval CADRE_ENOMEM out of memory (an actor of another node)
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_stop_ref(cadre_system *sys, cadre_ref target);

/**
 * Stops self after the current callback returns, with reason
 * CADRE_EXIT_NORMAL. Messages still queued become dead letters.
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 self stops when the callback returns
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_stop(cadre_actor *self);

/**
 * Sends target an exit signal with reason, as erlang:exit/2 does:
 *   - KILLED is a kill: it cannot be trapped and stops target with KILLED;
 *   - a target that traps exits receives a CADRE_MSG_EXIT message;
 *   - otherwise NORMAL is ignored and any other reason stops the target.
 *
 * reason->detail must be a static string or NULL.
 * @threads any thread
 * @blocks  no
 * @retval 0 sent
 * @retval CADRE_EINVAL sys or reason NULL, a kind out of range
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ENOMEM out of memory
 */
CADRE_API int cadre_send_exit(cadre_system *sys, cadre_ref target, const cadre_exit *reason);

/**
 * cadre_send_exit with reason KILLED.
 * @threads any thread
 * @blocks  no
 * @retval 0 sent
 * @retval CADRE_EINVAL sys NULL
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ENOMEM out of memory
 */
CADRE_API int cadre_kill(cadre_system *sys, cadre_ref target);

/**
 * Stops self after the current callback returns, with reason FAILURE, code
 * (non-zero) and detail (static string or NULL).
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 self fails when the callback returns
 * @retval CADRE_EINVAL self NULL, code 0
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_fail(cadre_actor *self, int code, const char *detail);

/**
 * Stops self after the current callback returns, with this reason
 * (cadre_stop and cadre_fail are the common cases). reason->detail must be
 * a static string or outlive everyone who may read the reason.
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 self stops when the callback returns
 * @retval CADRE_EINVAL self or reason NULL, a kind out of range
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_stop_with(cadre_actor *self, const cadre_exit *reason);

/**
 * Inside a child's start callback: the actor does not start, and that is
 * not a failure (OTP's `ignore`). It stops once start returns, with reason
 * NORMAL, code CADRE_IGNORE_CODE, detail "ignore" (start should then
 * return 0). A supervisor keeps the child's spec with no actor, or forgets
 * it if it is TEMPORARY or a SIMPLE_ONE_FOR_ONE child, and goes on
 * (cadre/supervisor.h). Called elsewhere than in start, it stops self with
 * that reason like cadre_stop_with.
 *
 * @threads self's callbacks (normally start)
 * @blocks  no
 * @retval 0 self stops, ignored, once the callback returns
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not called from one of self's callbacks
 */
CADRE_API int cadre_ignore(cadre_actor *self);

/** The code of cadre_ignore's reason ("IGN"). */
#define CADRE_IGNORE_CODE 0x49474E

/* ---- inside a callback ---------------------------------------------------- */

/**
 * Self's ref; CADRE_REF_NONE outside self's callbacks.
 *
 * @threads self's callbacks
 * @blocks  no
 */
CADRE_API cadre_ref cadre_self(const cadre_actor *self);

/**
 * Self's system; NULL outside self's callbacks.
 *
 * @threads self's callbacks
 * @blocks  no
 */
CADRE_API cadre_system *cadre_actor_system(const cadre_actor *self);

/**
 * The behaviour self runs with (cadre_become may change it later); NULL
 * outside self's callbacks.
 *
 * @threads self's callbacks
 * @blocks  no
 */
CADRE_API const cadre_behaviour *cadre_actor_behaviour(const cadre_actor *self);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_ACTOR_H */
