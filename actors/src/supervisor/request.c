/* Cadre: supervisors (the contract is in cadre/supervisor.h).
 *
 * Design notes.
 *
 * A supervisor is an ordinary actor built on core's public API: it traps
 * exits, spawns each child with CADRE_SPAWN_LINK | CADRE_SPAWN_NOTIFY_STARTED
 * (so it learns both "started" and "died"), and uses timers for shutdown
 * timeouts and restart backoff. Nothing in it blocks.
 *
 * Everything OTP does "synchronously" (start in order, stop in reverse
 * order, each child done before the next) is a queue of operations run one
 * at a time: START(child) waits for CADRE_MSG_STARTED or the child's EXIT;
 * STOP(child) sends the exit signal `shutdown` (or a kill) and waits for the
 * child's EXIT, with a timer that kills it when its shutdown time is up;
 * DELAY(ms) waits for a timer (restart backoff); REPLY answers a request;
 * REMOVE forgets a child; STARTED_SELF and SELF_STOP end the start and the
 * life of the supervisor.
 * Exit signals arrive on the system lane, ahead of requests, so a child's
 * death is always seen before any request that was sent after it.
 *
 * Requests (start_child, terminate_child, ...) that arrive while the queue
 * is busy are stashed and handled, in order, once it is empty. Queries
 * (which_children, count_children) are answered at once.
 *
 * A request from a thread outside the system travels as a moved payload
 * (cadre_send_move) whose destructor drops the supervisor's reference: if
 * the supervisor is gone, the destructor answers CADRE_ENOACTOR, so no
 * caller waits for an answer that cannot come. The caller waits on a futex
 * word in the request, with a timeout; the request is freed by whichever
 * of the two sides lets go last (a reference count).
 */
#include <cadre/supervisor.h>

#include <stdlib.h>
#include <string.h>

#include "cadre__atomic.h"
#include "cadre__await.h"
#include "cadre__clock.h"

/* Cadre's own message types for supervisors (inside the reserved range). */
#define SUP_REQ 0xFFFF0101u   /* data: struct sup_req (moved) */
#define SUP_DELAY 0xFFFF0102u /* data: uint32_t seq */
#define SUP_KILL 0xFFFF0103u  /* data: uint64_t child serial */

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

static void
req_unref(struct sup_req *r)
{
	/* acq_rel add of -1: the last one to let go sees every write of the
	 * other side (pairs with the other side's same decrement). */
	if (cadre__faa_acqrel_u64(&r->refs, UINT64_MAX) == 1) {
		free(r->infos);
		free(r);
	}
}

static void
req_complete(struct sup_req *r, int rc)
{
	/* Relaxed load: only this side writes the word (its own earlier
	 * store); pairs with nothing. */
	if (cadre__load_rlx_u32(&r->done))
		return;
	r->rc = rc;
	/* Release store: the answer before the flag; pairs with the acquire
	 * load in cadre__await_change (req_wait). */
	cadre__store_rel_u32(&r->done, 1);
	cadre__futex_wake(&r->done, 1);
}

/* The destructor of the moved request payload: runs after the supervisor
 * handled the message, or when it was dead-lettered. */
static void
req_dtor(void *data, size_t size)
{
	struct sup_req *r = data;
	(void)size;
	if (!r->taken)
		req_complete(r, CADRE_ENOACTOR);
	req_unref(r);
}

/* Waits until answered (0) or timeout_ms (negative: never) has passed
 * (CADRE_ETIMEDOUT). */
static int
req_wait(struct sup_req *r, long timeout_ms)
{
	return cadre__await_change(&r->done, 0, cadre__deadline_ms(timeout_ms));
}

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
	struct sup_req *start_req; /* answered when its start ends */
};

enum op_kind { OP_START, OP_STOP, OP_DELAY, OP_REPLY, OP_REMOVE, OP_STARTED_SELF, OP_SELF_STOP };

struct op {
	enum op_kind k;
	uint64_t serial;
	uint32_t delay;
	struct sup_req *req;
};

enum { W_NONE, W_STARTED, W_EXIT, W_DELAY };
enum { P_INIT, P_RUN, P_DOWN };

struct sup {
	cadre_actor base;
	const cadre_sup_spec *spec;
	struct sup_req *starter; /* the blocking cadre_supervisor_start, if any */
	struct sup_req *stop_req;
	struct child **kids;
	size_t nkids, capkids;
	uint64_t next_serial;
	uint64_t *restarts; /* restart times (ms) within the period */
	uint32_t nrestarts;
	struct op *ops;
	size_t ohead, otail, ocap;
	int waiting;
	uint64_t wait_serial;
	uint32_t delay_seq;
	int phase;
	cadre_exit final_reason;
	struct sup_req **stash;
	size_t shead, stail, scap;
	uint64_t rng;
};

static cadre_system *
sys_of(struct sup *s)
{
	return cadre_actor_system(&s->base);
}

static void
emit(struct sup *s, cadre_sup_event_kind kind, const struct child *c, cadre_exit reason,
     uint32_t delay, uint32_t mail)
{
	if (s->spec->on_event == NULL)
		return;
	cadre_sup_event ev = {kind,
	                      c != NULL ? c->spec->id : NULL,
	                      c != NULL ? c->ref : CADRE_REF_NONE,
	                      reason,
	                      delay,
	                      mail};
	s->spec->on_event(s->spec->event_ctx, &ev);
}

static const cadre_exit no_reason = {CADRE_EXIT_NORMAL, 0, NULL};

static bool
push_op(struct sup *s, struct op o)
{
	if (s->otail == s->ocap) {
		if (s->ohead > 0) {
			memmove(s->ops, s->ops + s->ohead, (s->otail - s->ohead) * sizeof *s->ops);
			s->otail -= s->ohead;
			s->ohead = 0;
		} else {
			size_t ncap = s->ocap == 0 ? 16 : s->ocap * 2;
			struct op *n = realloc(s->ops, ncap * sizeof *n);
			if (n == NULL)
				return false;
			s->ops = n;
			s->ocap = ncap;
		}
	}
	s->ops[s->otail++] = o;
	return true;
}

static bool
ops_empty(const struct sup *s)
{
	return s->ohead == s->otail;
}

static struct child *
by_serial(struct sup *s, uint64_t serial)
{
	for (size_t i = 0; i < s->nkids; i++)
		if (s->kids[i]->serial == serial && !s->kids[i]->removed)
			return s->kids[i];
	return NULL;
}

static struct child *
by_ref(struct sup *s, cadre_ref r)
{
	for (size_t i = 0; i < s->nkids; i++)
		if (!s->kids[i]->removed && cadre_ref_eq(s->kids[i]->ref, r))
			return s->kids[i];
	return NULL;
}

static struct child *
by_id(struct sup *s, const char *id)
{
	for (size_t i = 0; id != NULL && i < s->nkids; i++)
		if (!s->kids[i]->removed && strcmp(s->kids[i]->spec->id, id) == 0)
			return s->kids[i];
	return NULL;
}

static struct child *
add_child(struct sup *s, const cadre_child_spec *spec, void *arg, bool dynamic)
{
	if (s->nkids == s->capkids) {
		size_t ncap = s->capkids == 0 ? 8 : s->capkids * 2;
		struct child **n = realloc(s->kids, ncap * sizeof *n);
		if (n == NULL)
			return NULL;
		s->kids = n;
		s->capkids = ncap;
	}
	struct child *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->spec = spec;
	c->arg = arg;
	c->serial = ++s->next_serial;
	c->st = C_TERMINATED;
	c->dynamic = dynamic;
	s->kids[s->nkids++] = c;
	return c;
}

/* Frees removed children; only when no operation can refer to them. */
static void
compact(struct sup *s)
{
	if (!ops_empty(s) || s->waiting != W_NONE)
		return;
	size_t j = 0;
	for (size_t i = 0; i < s->nkids; i++) {
		struct child *c = s->kids[i];
		if (c->removed) {
			cadre_mail_drop(sys_of(s), c->mail);
			free(c);
		} else {
			s->kids[j++] = c;
		}
	}
	s->nkids = j;
}

static bool
alive(const struct child *c)
{
	return c->st == C_RUNNING || c->st == C_STARTING || c->st == C_STOPPING;
}

/* ---- operations ------------------------------------------------------------------ */
static void begin_shutdown(struct sup *s, cadre_exit reason);
static void on_child_exit(struct sup *s, struct child *c, cadre_exit reason, cadre_mail *mail);

static void
reply(struct sup_req *r, int rc)
{
	if (r == NULL)
		return;
	req_complete(r, rc);
	req_unref(r);
}

static void
start_failed(struct sup *s, struct child *c, cadre_exit reason)
{
	emit(s, CADRE_SUP_START_FAILED, c, reason, 0, 0);
	c->ref = CADRE_REF_NONE;
	c->st = C_TERMINATED;
	if (s->phase == P_INIT) {
		s->final_reason =
		        (cadre_exit){CADRE_EXIT_FAILURE,
		                     reason.code != 0 ? reason.code : CADRE_ECANCELED, c->spec->id};
		if (s->starter != NULL)
			s->starter->failed_id = c->spec->id;
		begin_shutdown(s, s->final_reason);
		return;
	}
	if (c->start_req != NULL) {
		/* start_child / restart_child: the caller learns it failed; a
		 * child that start_child was adding is not added (as OTP). */
		bool adding = c->start_req->op == R_START_CHILD;
		c->start_req->failed_id = c->spec->id;
		reply(c->start_req, CADRE_ECANCELED);
		c->start_req = NULL;
		if (adding || c->dynamic || c->spec->restart == CADRE_TEMPORARY)
			c->removed = true;
		return;
	}
	if (s->phase == P_RUN)
		on_child_exit(s, c, reason, NULL); /* a failed restart: try again */
}

static void
do_start(struct sup *s, struct child *c)
{
	cadre_spawn_opts o = {.mailbox_capacity = c->spec->mailbox_capacity,
	                      .flags = CADRE_SPAWN_LINK | CADRE_SPAWN_NOTIFY_STARTED |
	                               (c->spec->handover_mail ? CADRE_SPAWN_KEEP_MAIL : 0u),
	                      .inherit_mail = c->mail};
	cadre_ref ref;
	int rc = cadre_spawn(sys_of(s), c->spec->beh, &o, c->arg, &ref);
	if (rc != 0) {
		start_failed(s, c, (cadre_exit){CADRE_EXIT_FAILURE, rc, "spawn failed"});
		return;
	}
	c->mail = NULL; /* consumed by the spawn */
	c->ref = ref;
	c->st = C_STARTING;
	s->waiting = W_STARTED;
	s->wait_serial = c->serial;
}

static void
do_stop(struct sup *s, struct child *c)
{
	cadre_system *sys = sys_of(s);
	c->st = C_STOPPING;
	s->waiting = W_EXIT;
	s->wait_serial = c->serial;
	uint32_t t = c->spec->shutdown_ms;
	if (t == CADRE_SHUTDOWN_BRUTAL) {
		cadre_kill(sys, c->ref);
		return;
	}
	cadre_exit shut = {CADRE_EXIT_SHUTDOWN, 0, NULL};
	cadre_send_exit(sys, c->ref, &shut);
	if (t != CADRE_SHUTDOWN_INFINITY) {
		c->kill_armed = cadre_send_after(sys, cadre_self(&s->base), SUP_KILL, &c->serial,
		                                 sizeof c->serial, t, &c->kill_timer) == 0;
	}
}

static void
run_ops(struct sup *s)
{
	while (s->waiting == W_NONE && !ops_empty(s)) {
		struct op o = s->ops[s->ohead++];
		struct child *c = by_serial(s, o.serial);
		switch (o.k) {
		case OP_START:
			if (c == NULL || alive(c))
				break; /* removed meanwhile, or already up */
			do_start(s, c);
			break;
		case OP_STOP:
			if (c == NULL || c->st != C_RUNNING)
				break; /* already down (or never came up) */
			do_stop(s, c);
			break;
		case OP_DELAY: {
			uint32_t seq = ++s->delay_seq;
			if (cadre_send_after(sys_of(s), cadre_self(&s->base), SUP_DELAY, &seq,
			                     sizeof seq, o.delay, NULL) == 0) {
				s->waiting = W_DELAY;
			}
			break;
		}
		case OP_REPLY:
			reply(o.req, 0);
			break;
		case OP_REMOVE:
			if (c != NULL)
				c->removed = true;
			break;
		case OP_STARTED_SELF:
			s->phase = P_RUN;
			cadre_started(&s->base);
			if (s->starter != NULL) {
				s->starter->out_ref = cadre_self(&s->base);
				reply(s->starter, 0);
				s->starter = NULL;
			}
			break;
		case OP_SELF_STOP:
			emit(s, CADRE_SUP_SHUTDOWN, NULL, s->final_reason, 0, 0);
			cadre_stop_with(&s->base, &s->final_reason);
			return;
		}
	}
	compact(s);
}

/* Pending operations are void; their callers learn it. */
static void
cancel_ops(struct sup *s)
{
	while (!ops_empty(s)) {
		struct op o = s->ops[s->ohead++];
		if (o.req != NULL)
			reply(o.req, CADRE_ECANCELED);
	}
	s->ohead = s->otail = 0;
}

static void
begin_shutdown(struct sup *s, cadre_exit reason)
{
	if (s->phase == P_DOWN)
		return;
	s->phase = P_DOWN;
	s->final_reason = reason;
	cancel_ops(s);
	if (s->waiting == W_DELAY)
		s->waiting = W_NONE;
	for (size_t i = s->nkids; i-- > 0;) {
		struct child *c = s->kids[i];
		if (!c->removed && (c->st == C_RUNNING || c->st == C_STARTING))
			push_op(s, (struct op){OP_STOP, c->serial, 0, NULL});
		if (c->st == C_RESTARTING)
			c->st = C_TERMINATED;
	}
	push_op(s, (struct op){OP_SELF_STOP, 0, 0, NULL});
}

/* ---- restarts ------------------------------------------------------------------- */
static bool
record_restart(struct sup *s)
{
	uint64_t now = cadre__now_ms(),
	         horizon = now > s->spec->period_ms ? now - s->spec->period_ms : 0;
	uint32_t j = 0;
	for (uint32_t i = 0; i < s->nrestarts; i++)
		if (s->restarts[i] > horizon)
			s->restarts[j++] = s->restarts[i];
	s->nrestarts = j;
	if (s->nrestarts >= s->spec->intensity)
		return false;
	s->restarts[s->nrestarts++] = now;
	return true;
}

static uint32_t
backoff(struct sup *s)
{
	const cadre_sup_spec *sp = s->spec;
	if (sp->backoff_min_ms == 0)
		return 0;
	uint32_t n = s->nrestarts > 0 ? s->nrestarts - 1 : 0;
	double d = (double)sp->backoff_min_ms;
	for (uint32_t i = 0; i < n && d < sp->backoff_max_ms; i++)
		d *= 2;
	if (d > sp->backoff_max_ms)
		d = sp->backoff_max_ms;
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	double r = (double)(s->rng >> 11) / (double)(1ull << 53);
	return (uint32_t)(d * (1.0 + r * sp->backoff_jitter));
}

static void
auto_shutdown_check(struct sup *s, const struct child *gone)
{
	if (!gone->spec->significant || s->spec->auto_shutdown == CADRE_AUTO_NEVER)
		return;
	if (s->spec->auto_shutdown == CADRE_AUTO_ALL_SIGNIFICANT) {
		for (size_t i = 0; i < s->nkids; i++) {
			const struct child *c = s->kids[i];
			if (c != gone && !c->removed && c->spec->significant &&
			    (alive(c) || c->st == C_RESTARTING))
				return;
		}
	}
	begin_shutdown(s, (cadre_exit){CADRE_EXIT_SHUTDOWN, 0, "auto-shutdown"});
}

static void
queue_restart(struct sup *s, struct child *c, uint32_t delay)
{
	/* A sibling still running keeps its state until its queued stop. */
	if (!alive(c))
		c->st = C_RESTARTING;
	emit(s, CADRE_SUP_CHILD_RESTARTING, c, no_reason, delay, 0);
	push_op(s, (struct op){OP_START, c->serial, 0, NULL});
}

static void
on_child_exit(struct sup *s, struct child *c, cadre_exit reason, cadre_mail *mail)
{
	cadre_system *sys = sys_of(s);
	c->ref = CADRE_REF_NONE;
	c->st = C_TERMINATED;
	bool abnormal = reason.kind != CADRE_EXIT_NORMAL && reason.kind != CADRE_EXIT_SHUTDOWN;
	cadre_restart rt = c->spec->restart;
	if (rt == CADRE_TEMPORARY || (rt == CADRE_TRANSIENT && !abnormal)) {
		cadre_mail_drop(sys, mail);
		if (rt == CADRE_TEMPORARY || c->dynamic)
			c->removed = true;
		auto_shutdown_check(s, c);
		return;
	}
	if (!record_restart(s)) {
		cadre_mail_drop(sys, mail);
		emit(s, CADRE_SUP_INTENSITY, c, reason, 0, 0);
		begin_shutdown(
		        s, (cadre_exit){CADRE_EXIT_SHUTDOWN, 0, "reached max restart intensity"});
		return;
	}
	cadre_mail_drop(sys, c->mail);
	c->mail = mail; /* NULL unless handover_mail */
	uint32_t delay = backoff(s);
	size_t idx = 0;
	while (s->kids[idx] != c)
		idx++;
	cadre_strategy st = s->spec->strategy;
	if (st == CADRE_ONE_FOR_ONE || st == CADRE_SIMPLE_ONE_FOR_ONE) {
		if (delay != 0)
			push_op(s, (struct op){OP_DELAY, 0, delay, NULL});
		queue_restart(s, c, delay);
		return;
	}
	/* ONE_FOR_ALL: all; REST_FOR_ONE: this one and those started after it.
	 * Stop the others in reverse order, then start them all in order. */
	size_t from = st == CADRE_ONE_FOR_ALL ? 0 : idx;
	for (size_t i = s->nkids; i-- > from;) {
		struct child *k = s->kids[i];
		if (k != c && !k->removed && (k->st == C_RUNNING || k->st == C_STARTING))
			push_op(s, (struct op){OP_STOP, k->serial, 0, NULL});
	}
	if (delay != 0)
		push_op(s, (struct op){OP_DELAY, 0, delay, NULL});
	for (size_t i = from; i < s->nkids; i++) {
		struct child *k = s->kids[i];
		if (k->removed)
			continue;
		if (k != c && k->spec->restart == CADRE_TEMPORARY) {
			/* stopped with the group, not restarted: it goes */
			push_op(s, (struct op){OP_REMOVE, k->serial, 0, NULL});
			continue;
		}
		queue_restart(s, k, k == c ? delay : 0);
	}
}

/* ---- requests ----------------------------------------------------------------- */
static bool
busy(const struct sup *s)
{
	return s->phase != P_RUN || s->waiting != W_NONE || !ops_empty(s);
}

static void
fill_info(const struct child *c, cadre_child_info *i)
{
	static const cadre_child_state map[] = {
	        [C_RUNNING] = CADRE_CHILD_RUNNING,       [C_STARTING] = CADRE_CHILD_STARTING,
	        [C_STOPPING] = CADRE_CHILD_STOPPING,     [C_RESTARTING] = CADRE_CHILD_RESTARTING,
	        [C_TERMINATED] = CADRE_CHILD_TERMINATED,
	};
	*i = (cadre_child_info){c->spec->id, c->ref, map[c->st], c->spec->type, c->spec->restart};
}

/* Handles one request; returns false if it has to wait for the queue. */
static bool
handle_req(struct sup *s, struct sup_req *r)
{
	bool simple = s->spec->strategy == CADRE_SIMPLE_ONE_FOR_ONE;
	struct child *c;
	switch (r->op) {
	case R_WHICH: {
		size_t n = 0;
		for (size_t i = 0; i < s->nkids; i++) {
			if (s->kids[i]->removed)
				continue;
			if (n < r->max)
				fill_info(s->kids[i], &r->infos[n]);
			n++;
		}
		r->n = n;
		reply(r, 0);
		return true;
	}
	case R_COUNT: {
		cadre_child_counts k = {0};
		for (size_t i = 0; i < s->nkids; i++) {
			const struct child *x = s->kids[i];
			if (x->removed)
				continue;
			k.specs++;
			k.active += x->st == C_RUNNING;
			k.supervisors += x->spec->type == CADRE_SUPERVISOR;
			k.workers += x->spec->type == CADRE_WORKER;
		}
		r->counts = k;
		reply(r, 0);
		return true;
	}
	default:
		break;
	}
	if (busy(s))
		return false;
	switch (r->op) {
	case R_START_CHILD:
		if (simple) {
			c = add_child(s, &s->spec->children[0], r->arg, true);
		} else {
			if (r->child_spec == NULL || r->child_spec->beh == NULL ||
			    r->child_spec->id == NULL ||
			    (r->child_spec->significant &&
			     r->child_spec->restart == CADRE_PERMANENT)) {
				reply(r, CADRE_EINVAL);
				return true;
			}
			if (by_id(s, r->child_spec->id) != NULL) {
				reply(r, CADRE_EEXIST);
				return true;
			}
			c = add_child(s, r->child_spec, r->child_spec->arg, false);
		}
		if (c == NULL) {
			reply(r, CADRE_ENOMEM);
			return true;
		}
		c->start_req = r;
		r->out_ref = CADRE_REF_NONE;
		push_op(s, (struct op){OP_START, c->serial, 0, NULL});
		break;
	case R_TERMINATE_CHILD:
		c = simple ? by_ref(s, r->ref) : by_id(s, r->id);
		if (c == NULL) {
			reply(r, CADRE_ENOENT);
			return true;
		}
		push_op(s, (struct op){OP_STOP, c->serial, 0, NULL});
		if (simple || c->spec->restart == CADRE_TEMPORARY)
			push_op(s, (struct op){OP_REMOVE, c->serial, 0, NULL});
		push_op(s, (struct op){OP_REPLY, 0, 0, r});
		break;
	case R_RESTART_CHILD:
		c = simple ? NULL : by_id(s, r->id);
		if (c == NULL) {
			reply(r, CADRE_ENOENT);
			return true;
		}
		if (c->st != C_TERMINATED) {
			reply(r, CADRE_EBUSY);
			return true;
		}
		c->start_req = r;
		push_op(s, (struct op){OP_START, c->serial, 0, NULL});
		break;
	case R_DELETE_CHILD:
		c = simple ? NULL : by_id(s, r->id);
		if (c == NULL) {
			reply(r, CADRE_ENOENT);
			return true;
		}
		if (c->st != C_TERMINATED) {
			reply(r, CADRE_EBUSY);
			return true;
		}
		c->removed = true;
		reply(r, 0);
		break;
	case R_STOP:
		s->stop_req = r;
		begin_shutdown(s, (cadre_exit){CADRE_EXIT_SHUTDOWN, 0, NULL});
		break;
	default:
		reply(r, CADRE_EINVAL);
		break;
	}
	run_ops(s);
	return true;
}

static bool
stash_push(struct sup *s, struct sup_req *r)
{
	if (s->stail == s->scap) {
		size_t ncap = s->scap == 0 ? 8 : s->scap * 2;
		struct sup_req **n = realloc(s->stash, ncap * sizeof *n);
		if (n == NULL)
			return false;
		s->stash = n;
		s->scap = ncap;
	}
	s->stash[s->stail++] = r;
	return true;
}

static void
drain_stash(struct sup *s)
{
	while (s->shead < s->stail && !busy(s)) {
		struct sup_req *r = s->stash[s->shead++];
		if (!handle_req(s, r)) {
			s->stash[--s->shead] = r;
			break;
		}
	}
	if (s->shead == s->stail)
		s->shead = s->stail = 0;
}

/* ---- callbacks -------------------------------------------------------------------- */
static int
validate(const cadre_sup_spec *sp)
{
	if (sp == NULL || sp->period_ms == 0 || (sp->nchildren != 0 && sp->children == NULL))
		return CADRE_EINVAL;
	if (sp->strategy == CADRE_SIMPLE_ONE_FOR_ONE && sp->nchildren != 1)
		return CADRE_EINVAL;
	if (sp->backoff_min_ms > sp->backoff_max_ms && sp->backoff_max_ms != 0)
		return CADRE_EINVAL;
	for (size_t i = 0; i < sp->nchildren; i++) {
		const cadre_child_spec *c = &sp->children[i];
		if (c->id == NULL || c->beh == NULL)
			return CADRE_EINVAL;
		if (c->significant && c->restart == CADRE_PERMANENT)
			return CADRE_EINVAL; /* as OTP: significant children are not permanent */
		for (size_t j = 0; j < i; j++)
			if (strcmp(sp->children[j].id, c->id) == 0)
				return CADRE_EINVAL;
	}
	return 0;
}

static int
sup_init(struct sup *s, const cadre_sup_spec *spec)
{
	int rc = validate(spec);
	if (rc != 0)
		return rc;
	s->spec = spec;
	s->phase = P_INIT;
	s->rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)s;
	s->restarts = calloc(spec->intensity + 1u, sizeof *s->restarts);
	if (s->restarts == NULL)
		return CADRE_ENOMEM;
	cadre_trap_exits(&s->base, true);
	cadre_started_later(&s->base);
	if (spec->strategy != CADRE_SIMPLE_ONE_FOR_ONE) {
		for (size_t i = 0; i < spec->nchildren; i++) {
			struct child *c =
			        add_child(s, &spec->children[i], spec->children[i].arg, false);
			if (c == NULL)
				return CADRE_ENOMEM;
			push_op(s, (struct op){OP_START, c->serial, 0, NULL});
		}
	}
	push_op(s, (struct op){OP_STARTED_SELF, 0, 0, NULL});
	run_ops(s);
	return 0;
}

static int
sup_start(cadre_actor *self, void *arg)
{
	return sup_init((struct sup *)self, arg);
}

static int
sup_start_blocking(cadre_actor *self, void *arg)
{
	struct sup *s = (struct sup *)self;
	struct sup_req *r = arg;
	r->taken = true;
	s->starter = r;
	int rc = sup_init(s, r->spec);
	if (rc != 0) {
		reply(r, rc);
		s->starter = NULL;
	}
	return rc;
}

static int
sup_receive(cadre_actor *self, const cadre_msg *m)
{
	struct sup *s = (struct sup *)self;
	switch (m->type) {
	case CADRE_MSG_STARTED: {
		const cadre_started_msg *st = m->data;
		struct child *c = by_ref(s, st->actor);
		if (c == NULL || c->st != C_STARTING)
			break;
		c->st = C_RUNNING;
		emit(s, CADRE_SUP_CHILD_STARTED, c, no_reason, 0, 0);
		if (c->start_req != NULL) {
			c->start_req->out_ref = c->ref;
			reply(c->start_req, 0);
			c->start_req = NULL;
		}
		/* (If it came up while we are shutting down, its stop is queued.) */
		if (s->waiting == W_STARTED && s->wait_serial == c->serial)
			s->waiting = W_NONE;
		break;
	}
	case CADRE_MSG_EXIT: {
		const cadre_exit_msg *e = m->data;
		struct child *c = by_ref(s, e->from);
		if (c != NULL) {
			cadre_mail *mail =
			        c->spec->handover_mail ? cadre_mail_claim(self, e) : NULL;
			if (c->st == C_STOPPING) {
				if (c->kill_armed)
					cadre_timer_cancel(sys_of(s), c->kill_timer);
				c->kill_armed = false;
				emit(s, CADRE_SUP_CHILD_STOPPED, c, e->reason, 0, 0);
				c->ref = CADRE_REF_NONE;
				c->st = C_TERMINATED;
				cadre_mail_drop(sys_of(s), c->mail);
				c->mail = mail;
				if (s->waiting == W_EXIT && s->wait_serial == c->serial)
					s->waiting = W_NONE;
			} else if (c->st == C_STARTING) {
				cadre_mail_drop(sys_of(s), mail);
				if (s->waiting == W_STARTED && s->wait_serial == c->serial)
					s->waiting = W_NONE;
				start_failed(s, c, e->reason);
			} else {
				emit(s, CADRE_SUP_CHILD_EXITED, c, e->reason, 0,
				     (uint32_t)cadre_mail_count(mail));
				if (s->phase == P_DOWN) {
					c->ref = CADRE_REF_NONE;
					c->st = C_TERMINATED;
					cadre_mail_drop(sys_of(s), mail);
				} else {
					on_child_exit(s, c, e->reason, mail);
				}
			}
		} else if (cadre_ref_eq(e->from, cadre_parent(self)) ||
		           (!e->linked && e->reason.kind != CADRE_EXIT_NORMAL)) {
			/* our parent (or anyone, directly) asks us to go: in order */
			begin_shutdown(s, e->reason);
		}
		break;
	}
	case SUP_DELAY:
		if (s->waiting == W_DELAY && *(const uint32_t *)m->data == s->delay_seq)
			s->waiting = W_NONE;
		break;
	case SUP_KILL: {
		struct child *c = by_serial(s, *(const uint64_t *)m->data);
		if (c != NULL && c->st == C_STOPPING) {
			c->kill_armed = false;
			cadre_kill(sys_of(s), c->ref);
		}
		break;
	}
	case SUP_REQ: {
		struct sup_req *r = (struct sup_req *)(uintptr_t)m->data;
		r->taken = true;
		/* Relaxed add: taking a reference publishes nothing, so it
		 * pairs with nothing; the release is req_unref's acq_rel
		 * decrement. */
		cadre__faa_rlx_u64(&r->refs, 1);
		if (!handle_req(s, r) && !stash_push(s, r))
			reply(r, CADRE_ENOMEM);
		break;
	}
	default:
		break; /* not ours: ignored */
	}
	run_ops(s);
	drain_stash(s);
	return 0;
}

static void
sup_stop(cadre_actor *self, const cadre_exit *why)
{
	struct sup *s = (struct sup *)self;
	(void)why;
	if (s->starter != NULL) {
		reply(s->starter, CADRE_ECANCELED);
		s->starter = NULL;
	}
	reply(s->stop_req, 0);
	cancel_ops(s);
	for (size_t i = s->shead; i < s->stail; i++)
		reply(s->stash[i], CADRE_ECANCELED);
	for (size_t i = 0; i < s->nkids; i++) {
		if (s->kids[i]->start_req != NULL)
			reply(s->kids[i]->start_req, CADRE_ECANCELED);
		cadre_mail_drop(sys_of(s), s->kids[i]->mail);
		free(s->kids[i]);
	}
	free(s->kids);
	free(s->ops);
	free(s->stash);
	free(s->restarts);
}

static const cadre_behaviour supervisor = {.size = sizeof(struct sup),
                                           .start = sup_start,
                                           .receive = sup_receive,
                                           .stop = sup_stop,
                                           .name = "supervisor"};

static const cadre_behaviour supervisor_blocking = {.size = sizeof(struct sup),
                                                    .start = sup_start_blocking,
                                                    .receive = sup_receive,
                                                    .stop = sup_stop,
                                                    .name = "supervisor"};

const cadre_behaviour *
cadre_supervisor_behaviour(void)
{
	return &supervisor;
}

/* ---- the blocking API ------------------------------------------------------------ */
static struct sup_req *
req_new(enum req_op op)
{
	struct sup_req *r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	/* Plain initialisation: not shared yet; published to the supervisor
	 * by the send (or the spawn), a release. */
	r->refs = 2;
	r->done = 0;
	r->op = op;
	return r;
}

/* Sends r and waits. *sent says whether the caller still holds its own
 * reference (to read the answer, then drop): false when the send failed
 * before handing r over (then r is freed here). */
static int
call(cadre_system *sys, cadre_ref sup, struct sup_req *r, long timeout_ms, bool *sent)
{
	int rc = cadre_send_move(sys, sup, SUP_REQ, r, sizeof *r, req_dtor);
	*sent = !(rc == CADRE_EINVAL || rc == CADRE_ENOMEM || rc == CADRE_EFULL);
	if (!*sent) {
		/* not handed over: both references are ours */
		req_unref(r);
		req_unref(r);
		return rc;
	}
	if (rc == 0)
		rc = req_wait(r, timeout_ms);
	if (rc == 0)
		rc = r->rc; /* the supervisor's answer (may be EINVAL, ENOMEM, ...) */
	/* ENOACTOR / ECLOSED: the destructor answered and let go already. */
	return rc;
}

static int
prelude(cadre_system *sys)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	if (cadre_on_worker())
		return CADRE_EWOULDBLOCK;
	return 0;
}

int
cadre_supervisor_start(cadre_system *sys, const cadre_sup_spec *spec, cadre_ref *out,
                       const char **failed_id, long timeout_ms)
{
	int rc = prelude(sys);
	if (rc != 0)
		return rc;
	if (spec == NULL || out == NULL)
		return CADRE_EINVAL;
	struct sup_req *r = req_new(R_START_SUP);
	if (r == NULL)
		return CADRE_ENOMEM;
	r->spec = spec;
	cadre_ref ref;
	rc = cadre_spawn(sys, &supervisor_blocking, NULL, r, &ref);
	if (rc != 0) {
		free(r);
		return rc;
	}
	rc = req_wait(r, timeout_ms);
	if (rc == 0)
		rc = r->rc;
	if (rc == 0)
		*out = r->out_ref;
	if (failed_id != NULL)
		*failed_id = rc == CADRE_ECANCELED ? r->failed_id : NULL;
	req_unref(r);
	return rc;
}

/* A request whose only result beyond rc is a ref (*out, if out is not
 * NULL). The inputs an op does not use are NULL / CADRE_REF_NONE. */
static int
simple_call(cadre_system *sys, cadre_ref sup, enum req_op op, const cadre_child_spec *spec,
            void *arg, const char *id, cadre_ref ref, cadre_ref *out, long timeout_ms)
{
	int rc = prelude(sys);
	if (rc != 0)
		return rc;
	struct sup_req *r = req_new(op);
	if (r == NULL)
		return CADRE_ENOMEM;
	r->child_spec = spec;
	r->arg = arg;
	r->id = id;
	r->ref = ref;
	bool sent;
	rc = call(sys, sup, r, timeout_ms, &sent);
	if (rc == 0 && out != NULL)
		*out = r->out_ref;
	if (sent)
		req_unref(r);
	return rc;
}

int
cadre_supervisor_start_child(cadre_system *sys, cadre_ref sup, const cadre_child_spec *spec,
                             void *arg, cadre_ref *child, long timeout_ms)
{
	return simple_call(sys, sup, R_START_CHILD, spec, arg, NULL, CADRE_REF_NONE, child,
	                   timeout_ms);
}

int
cadre_supervisor_terminate_child(cadre_system *sys, cadre_ref sup, const char *id, cadre_ref child,
                                 long timeout_ms)
{
	return simple_call(sys, sup, R_TERMINATE_CHILD, NULL, NULL, id, child, NULL, timeout_ms);
}

int
cadre_supervisor_restart_child(cadre_system *sys, cadre_ref sup, const char *id, cadre_ref *child,
                               long timeout_ms)
{
	return simple_call(sys, sup, R_RESTART_CHILD, NULL, NULL, id, CADRE_REF_NONE, child,
	                   timeout_ms);
}

int
cadre_supervisor_delete_child(cadre_system *sys, cadre_ref sup, const char *id, long timeout_ms)
{
	return simple_call(sys, sup, R_DELETE_CHILD, NULL, NULL, id, CADRE_REF_NONE, NULL,
	                   timeout_ms);
}

int
cadre_supervisor_stop(cadre_system *sys, cadre_ref sup, long timeout_ms)
{
	return simple_call(sys, sup, R_STOP, NULL, NULL, NULL, CADRE_REF_NONE, NULL, timeout_ms);
}

int
cadre_supervisor_which_children(cadre_system *sys, cadre_ref sup, cadre_child_info *out, size_t max,
                                size_t *n, long timeout_ms)
{
	int rc = prelude(sys);
	if (rc != 0)
		return rc;
	if ((out == NULL && max != 0) || n == NULL)
		return CADRE_EINVAL;
	struct sup_req *r = req_new(R_WHICH);
	if (r == NULL)
		return CADRE_ENOMEM;
	/* The supervisor writes into a copy owned by the request, so that a
	 * caller that timed out is never written to. */
	r->infos = max != 0 ? calloc(max, sizeof *r->infos) : NULL;
	if (max != 0 && r->infos == NULL) {
		free(r);
		return CADRE_ENOMEM;
	}
	r->max = max;
	bool sent;
	rc = call(sys, sup, r, timeout_ms, &sent);
	if (rc == 0) {
		*n = r->n;
		if (max != 0)
			memcpy(out, r->infos, (r->n < max ? r->n : max) * sizeof *out);
	}
	if (sent)
		req_unref(r); /* the buffer goes with the last reference */
	return rc;
}

int
cadre_supervisor_count_children(cadre_system *sys, cadre_ref sup, cadre_child_counts *out,
                                long timeout_ms)
{
	int rc = prelude(sys);
	if (rc != 0)
		return rc;
	if (out == NULL)
		return CADRE_EINVAL;
	struct sup_req *r = req_new(R_COUNT);
	if (r == NULL)
		return CADRE_ENOMEM;
	bool sent;
	rc = call(sys, sup, r, timeout_ms, &sent);
	if (rc == 0)
		*out = r->counts;
	if (sent)
		req_unref(r);
	return rc;
}
