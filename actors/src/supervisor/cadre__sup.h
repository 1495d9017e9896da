/* Cadre internal (actors/): what the supervisor's sources share.
 *
 * The supervisor, by mechanism (the design notes are with the code they
 * describe):
 *   supervisor.c  the behaviour: start, receive (dispatch), stop
 *   spec.c        validation, the child table, events
 *   ops.c         the operation queue (START, STOP, STOP_ALL, DELAY, ...)
 *                 and the messages that end its waits; ignore and
 *                 shutdown errors
 *   restart.c     restart strategies, intensity, backoff, auto-shutdown
 *   request.c     requests: the callers' blocking API, the reply futex,
 *                 and the supervisor's handling (queries, the stash)
 */
#ifndef CADRE__SUP_H
#define CADRE__SUP_H

#include <cadre.h>
#include <cadre/supervisor.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Cadre's own message types for supervisors (inside the reserved range). */
#define SUP_REQ 0xFFFF0101u       /* data: struct sup_req (moved) */
#define SUP_DELAY 0xFFFF0102u     /* data: uint32_t seq */
#define SUP_KILL 0xFFFF0103u      /* data: uint64_t child serial */
#define SUP_REQ_MAGIC 0x53555052u /* "SUPR": struct sup_req's first word */

/* ---- requests ---------------------------------------------------------------------- */
enum req_op {
	R_START_SUP, /* the blocking cadre_supervisor_start */
	R_START_CHILD,
	R_TERMINATE_CHILD,
	R_RESTART_CHILD,
	R_DELETE_CHILD,
	R_WHICH,
	R_COUNT,
	R_STOP,
};

struct sup_req {
	uint32_t magic; /* SUP_REQ_MAGIC */
	/* 64 bits: the supervisor's extra reference is a relaxed add, which
	 * cadre__atomic.h has for uint64_t only. */
	uint64_t refs;
	uint32_t done; /* futex word: 0 until answered */
	bool taken;    /* the supervisor owns the answer (stashed or pending) */
	enum req_op op;
	/* in */
	const cadre_sup_spec *spec;
	const cadre_child_spec *child_spec;
	void *arg;
	const char *id;
	cadre_ref ref;
	cadre_child_info *infos;
	size_t max;
	/* out */
	int rc;
	cadre_ref out_ref;
	size_t n;
	cadre_child_counts counts;
	const char *failed_id;
};

/* ---- the supervisor's state ------------------------------------------------------ */
enum child_st { C_RUNNING, C_STARTING, C_STOPPING, C_RESTARTING, C_TERMINATED };

struct child {
	const cadre_child_spec *spec;
	void *arg;
	uint64_t serial;
	cadre_ref ref;
	enum child_st st;
	cadre_mail *mail; /* handed over to the next start */
	cadre_timer kill_timer;
	bool kill_armed;
	bool removed;
	bool dynamic;              /* a SIMPLE_ONE_FOR_ONE child */
	bool in_group;             /* a group restart is to stop it (restart.c) */
	struct sup_req *start_req; /* answered when its start ends */
	uint32_t restarts;         /* times restarted (cadre_spawn_opts.restarts, cadre/stats.h) */
};

enum op_kind {
	OP_START,
	OP_STOP,
	OP_STOP_ALL, /* all dynamic children at once (SIMPLE_ONE_FOR_ONE's shutdown) */
	OP_DELAY,
	OP_REPLY,
	OP_REMOVE,
	OP_STARTED_SELF,
	OP_SELF_STOP
};

struct op {
	enum op_kind k;
	uint64_t serial;
	uint32_t delay;
	struct sup_req *req;
};

enum { W_NONE, W_STARTED, W_EXIT, W_EXITS, W_DELAY }; /* W_EXITS: OP_STOP_ALL's */
enum { P_INIT, P_RUN, P_DOWN };

struct sup {
	cadre_actor base;
	const cadre_sup_spec *spec;
	struct sup_req *starter; /* the blocking cadre_supervisor_start, if any */
	struct sup_req *stop_req;
	struct child **kids;
	size_t nkids, capkids;
	uint64_t next_serial;
	/* The spec's intensity, period and backoff_max_ms after defaults
	 * (sup_limits below): zero means OTP's default. */
	uint32_t intensity, period_ms, backoff_max_ms;
	uint64_t *restarts; /* restart times (ms) within the period: a ring (restart.c) */
	uint32_t rhead, nrestarts, rcap;
	bool closing; /* a spawn met CADRE_ECLOSED: the system is shutting down */
	struct op *ops;
	size_t ohead, otail, ocap;
	int waiting;
	uint64_t wait_serial;
	uint32_t nstopping; /* W_EXITS: children still to stop */
	cadre_timer all_timer;
	bool all_armed;
	uint32_t delay_seq;
	int phase;
	int start_err; /* P_INIT: a child's spawn failed with ENOMEM or ELIMIT */
	cadre_exit final_reason;
	struct sup_req **stash;
	size_t shead, stail, scap;
	uint64_t rng;
};

#define SUP_NO_REASON ((cadre_exit){CADRE_EXIT_NORMAL, 0, NULL})

static inline cadre_system *
sys_of(struct sup *s)
{
	return cadre_actor_system(&s->base);
}

static inline bool
ops_empty(const struct sup *s)
{
	return s->ohead == s->otail;
}

static inline bool
alive(const struct child *c)
{
	return c->st == C_RUNNING || c->st == C_STARTING || c->st == C_STOPPING;
}

/* ---- defaults: zero means OTP's ----------------------------------------------------- */
#define SUP_DEFAULT_INTENSITY 1u          /* OTP's */
#define SUP_DEFAULT_PERIOD_MS 5000u       /* OTP's */
#define SUP_DEFAULT_SHUTDOWN_MS 5000      /* OTP's, for a worker; a supervisor: infinity */
#define SUP_DEFAULT_BACKOFF_MAX_MS 30000u /* with backoff_min_ms set */

static inline uint32_t
cadre__sup_intensity(const cadre_sup_spec *sp)
{
	if (sp->intensity == 0)
		return SUP_DEFAULT_INTENSITY;
	return sp->intensity == CADRE_NO_RESTARTS ? 0 : sp->intensity;
}

static inline uint32_t
cadre__sup_period(const cadre_sup_spec *sp)
{
	return sp->period_ms != 0 ? sp->period_ms : SUP_DEFAULT_PERIOD_MS;
}

static inline uint32_t
cadre__sup_backoff_max(const cadre_sup_spec *sp)
{
	return sp->backoff_max_ms != 0 ? sp->backoff_max_ms : SUP_DEFAULT_BACKOFF_MAX_MS;
}

/* A (valid) child spec's shutdown after defaults: CADRE_SHUTDOWN_BRUTAL,
 * CADRE_FOREVER, or a time in ms > 0. */
static inline cadre_timeout
cadre__sup_shutdown(const cadre_child_spec *c)
{
	if (c->shutdown_ms != 0)
		return c->shutdown_ms;
	return c->type == CADRE_SUPERVISOR ? CADRE_FOREVER : SUP_DEFAULT_SHUTDOWN_MS;
}

/* ---- spec.c: validation, the child table, events ------------------------------------- */
const char *cadre__sup_check_child(const cadre_sup_spec *sp, const cadre_child_spec *c);
void cadre__sup_emit(struct sup *s, cadre_sup_event_kind kind, const struct child *c,
                     cadre_exit reason, uint32_t delay, uint32_t mail);
struct child *cadre__sup_add_child(struct sup *s, const cadre_child_spec *spec, void *arg,
                                   bool dynamic);
struct child *cadre__sup_by_serial(struct sup *s, uint64_t serial);
struct child *cadre__sup_by_ref(struct sup *s, cadre_ref r);
struct child *cadre__sup_by_id(struct sup *s, const char *id);
void cadre__sup_compact(struct sup *s);

/* ---- ops.c: the operation queue ------------------------------------------------------ */
bool cadre__sup_push_op(struct sup *s, struct op o);
void cadre__sup_run_ops(struct sup *s);
void cadre__sup_cancel_ops(struct sup *s);
void cadre__sup_begin_shutdown(struct sup *s, cadre_exit reason);
void cadre__sup_start_failed(struct sup *s, struct child *c, cadre_exit reason);
void cadre__sup_child_started(struct sup *s, const cadre_started_msg *st);
void cadre__sup_child_exit(struct sup *s, struct child *c, const cadre_exit_msg *e);
void cadre__sup_delay_done(struct sup *s, uint32_t seq);
void cadre__sup_kill_due(struct sup *s, uint64_t serial);

/* ---- restart.c: strategies, intensity, backoff ------------------------------------- */
void cadre__sup_on_child_exit(struct sup *s, struct child *c, cadre_exit reason, cadre_mail *mail);

/* ---- request.c: requests ------------------------------------------------------------- */
void cadre__sup_reply(struct sup_req *r, int rc);
void cadre__sup_on_request(struct sup *s, struct sup_req *r);
void cadre__sup_drain_stash(struct sup *s);

/* ---- supervisor.c: the behaviour ----------------------------------------------------- */
const cadre_behaviour *cadre__sup_blocking_behaviour(void);

#endif /* CADRE__SUP_H */
