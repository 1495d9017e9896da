/* Cadre: supervisors, the operation queue.
 *
 * Design notes.
 *
 * Everything OTP does "synchronously" (start in order, stop in reverse
 * order, each child done before the next) is a queue of operations run one
 * at a time: START(child) waits for CADRE_MSG_STARTED or the child's EXIT;
 * STOP(child) sends the exit signal `shutdown` (or a kill) and waits for the
 * child's EXIT, with a timer that kills it when its shutdown time is up;
 * STOP_ALL does the same for all the dynamic children of a
 * SIMPLE_ONE_FOR_ONE supervisor at once, under one timer (OTP's
 * terminate_dynamic_children); DELAY(ms) waits for a timer (restart
 * backoff); REPLY answers a request; REMOVE forgets a child; STARTED_SELF
 * and SELF_STOP end the start and the life of the supervisor.
 * Exit signals arrive on the system lane, ahead of requests, so a child's
 * death is always seen before any request that was sent after it.
 *
 * A START ends with STARTED, or with the child's EXIT: a failure, or its
 * "ignore" (cadre_ignore: reason NORMAL, code CADRE_IGNORE_CODE), which
 * leaves it terminated and is not a failure. A child that ends while it is
 * stopped with a reason its shutdown mode does not expect is reported as
 * SHUTDOWN_ERROR. A spawn or a signal that meets CADRE_ECLOSED means the
 * system is closing: nothing is restarted any more, and no EXIT will come.
 */
#include <stdlib.h>
#include <string.h>

#include "cadre__mem.h"
#include "cadre__reserved.h"
#include "cadre__sup.h"

bool
cadre__sup_push_op(struct sup *s, struct op o)
{
	if (s->otail == s->ocap) {
		if (s->ohead > 0) {
			memmove(s->ops, s->ops + s->ohead, (s->otail - s->ohead) * sizeof *s->ops);
			s->otail -= s->ohead;
			s->ohead = 0;
		} else {
			size_t ncap = s->ocap == 0 ? 16 : s->ocap * 2;
			struct op *n = cadre__a_realloc(s->ops, ncap * sizeof *n);
			if (n == NULL)
				return false;
			s->ops = n;
			s->ocap = ncap;
		}
	}
	s->ops[s->otail++] = o;
	return true;
}

void
cadre__sup_start_failed(struct sup *s, struct child *c, cadre_exit reason)
{
	cadre__sup_emit(s, CADRE_SUP_START_FAILED, c, reason, 0, 0);
	c->ref = CADRE_REF_NONE;
	c->st = C_TERMINATED;
	if (s->phase == P_INIT) {
		/* The child's own failure code, or Cadre's error (a spawn that
		 * failed, a start that ended otherwise: ECANCELED). */
		s->final_reason =
		        reason.kind == CADRE_EXIT_FAILURE
		                ? (cadre_exit){CADRE_EXIT_FAILURE, reason.code, c->spec->id}
		                : (cadre_exit){CADRE_EXIT_ERROR,
		                               reason.kind == CADRE_EXIT_ERROR ? reason.code
		                                                               : CADRE_ECANCELED,
		                               c->spec->id};
		if (s->starter != NULL)
			s->starter->failed_id = c->spec->id;
		cadre__sup_begin_shutdown(s, s->final_reason);
		return;
	}
	if (c->start_req != NULL) {
		/* start_child / restart_child: the caller learns it failed; a
		 * child that start_child was adding is not added (as OTP). */
		bool adding = c->start_req->op == R_START_CHILD;
		c->start_req->failed_id = c->spec->id;
		cadre__sup_reply(c->start_req, CADRE_ECANCELED);
		c->start_req = NULL;
		if (adding || c->dynamic || c->spec->restart == CADRE_TEMPORARY)
			c->removed = true;
		return;
	}
	if (s->phase != P_RUN)
		return;
	if (s->closing) {
		/* The system is shutting down: no more restarts (each would fail
		 * at once, and be tried again, inside this one callback). */
		cadre__sup_begin_shutdown(s, (cadre_exit){CADRE_EXIT_SHUTDOWN, 0, NULL});
		return;
	}
	cadre__sup_on_child_exit(s, c, reason, NULL); /* a failed restart: try again */
}

static void
do_start(struct sup *s, struct child *c)
{
	cadre_spawn_opts o = {.mailbox_capacity = c->spec->mailbox_capacity,
	                      .flags = CADRE_SPAWN_LINK | CADRE_SPAWN_NOTIFY_STARTED |
	                               (c->spec->handover_mail ? CADRE_SPAWN_KEEP_MAIL : 0u),
	                      .inherit_mail = c->mail,
	                      .restarts = c->restarts};
	cadre_ref ref;
	int rc = cadre_spawn(sys_of(s), c->spec->beh, &o, c->arg, &ref);
	if (rc == CADRE_ECLOSED)
		s->closing = true;
	if (rc != 0) {
		if ((rc == CADRE_ENOMEM || rc == CADRE_ELIMIT) && s->phase == P_INIT)
			s->start_err = rc; /* supervisor.c */
		cadre__sup_start_failed(s, c, (cadre_exit){CADRE_EXIT_ERROR, rc, "spawn failed"});
		return;
	}
	c->mail = NULL; /* consumed by the spawn */
	c->ref = ref;
	c->st = C_STARTING;
	s->waiting = W_STARTED;
	s->wait_serial = c->serial;
}

/* Tells c to stop, by its shutdown mode; false if no EXIT will come: the
 * system is shutting down, and stops the child itself. */
static bool
tell_stop(struct sup *s, struct child *c)
{
	cadre_exit shut = {CADRE_EXIT_SHUTDOWN, 0, NULL};
	int rc = cadre__sup_shutdown(c->spec) == CADRE_SHUTDOWN_BRUTAL
	                 ? cadre_kill(sys_of(s), c->ref)
	                 : cadre_send_exit(sys_of(s), c->ref, &shut);
	if (rc == CADRE_ECLOSED) {
		s->closing = true;
		c->ref = CADRE_REF_NONE;
		c->st = C_TERMINATED;
		return false;
	}
	c->st = C_STOPPING;
	return true;
}

/* A kill timer for child spec c's shutdown time (none for BRUTAL and
 * FOREVER). */
static bool
arm_kill(struct sup *s, const cadre_child_spec *c, const uint64_t *serial, cadre_timer *timer)
{
	cadre_timeout t = cadre__sup_shutdown(c);
	return t > 0 && cadre__send_after_reserved(sys_of(s), cadre_self(&s->base), SUP_KILL,
	                                           serial, sizeof *serial, (uint64_t)t, timer) == 0;
}

static void
do_stop(struct sup *s, struct child *c)
{
	if (!tell_stop(s, c))
		return;
	s->waiting = W_EXIT;
	s->wait_serial = c->serial;
	c->kill_armed = arm_kill(s, c->spec, &c->serial, &c->kill_timer);
}

/* The dynamic children of a SIMPLE_ONE_FOR_ONE supervisor that shuts down
 * stop together (OTP's terminate_dynamic_children): all are told at once,
 * and waited for under one deadline, whose kill timer carries serial 0
 * (no child has it). */
static void
do_stop_all(struct sup *s)
{
	static const uint64_t all = 0;
	uint32_t n = 0;
	for (size_t i = 0; i < s->nkids; i++) {
		struct child *k = s->kids[i];
		if (!k->removed && k->st == C_RUNNING && tell_stop(s, k))
			n++;
	}
	if (n == 0)
		return;
	s->nstopping = n;
	s->waiting = W_EXITS;
	s->all_armed = arm_kill(s, &s->spec->children[0], &all, &s->all_timer);
}

void
cadre__sup_run_ops(struct sup *s)
{
	while (s->waiting == W_NONE && !ops_empty(s)) {
		struct op o = s->ops[s->ohead++];
		struct child *c = cadre__sup_by_serial(s, o.serial);
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
		case OP_STOP_ALL:
			do_stop_all(s);
			break;
		case OP_DELAY: {
			uint32_t seq = ++s->delay_seq;
			if (cadre__send_after_reserved(sys_of(s), cadre_self(&s->base), SUP_DELAY,
			                               &seq, sizeof seq, o.delay, NULL) == 0) {
				s->waiting = W_DELAY;
			}
			break;
		}
		case OP_REPLY:
			cadre__sup_reply(o.req, 0);
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
				cadre__sup_reply(s->starter, 0);
				s->starter = NULL;
			}
			break;
		case OP_SELF_STOP:
			cadre__sup_emit(s, CADRE_SUP_SHUTDOWN, NULL, s->final_reason, 0, 0);
			cadre_stop_with(&s->base, &s->final_reason);
			return;
		}
	}
	cadre__sup_compact(s);
}

/* Pending operations are void; their callers learn it. */
void
cadre__sup_cancel_ops(struct sup *s)
{
	while (!ops_empty(s)) {
		struct op o = s->ops[s->ohead++];
		if (o.req != NULL)
			cadre__sup_reply(o.req, CADRE_ECANCELED);
	}
	s->ohead = s->otail = 0;
}

void
cadre__sup_begin_shutdown(struct sup *s, cadre_exit reason)
{
	if (s->phase == P_DOWN)
		return;
	s->phase = P_DOWN;
	s->final_reason = reason;
	cadre__sup_cancel_ops(s);
	if (s->waiting == W_DELAY)
		s->waiting = W_NONE;
	bool together = s->spec->strategy == CADRE_SIMPLE_ONE_FOR_ONE;
	for (size_t i = s->nkids; i-- > 0;) {
		struct child *c = s->kids[i];
		if (!together && !c->removed && (c->st == C_RUNNING || c->st == C_STARTING))
			cadre__sup_push_op(s, (struct op){OP_STOP, c->serial, 0, NULL});
		if (c->st == C_RESTARTING)
			c->st = C_TERMINATED;
	}
	if (together)
		cadre__sup_push_op(s, (struct op){OP_STOP_ALL, 0, 0, NULL});
	cadre__sup_push_op(s, (struct op){OP_SELF_STOP, 0, 0, NULL});
}

/* ---- the messages that end a wait ------------------------------------------------- */
void
cadre__sup_child_started(struct sup *s, const cadre_started_msg *st)
{
	struct child *c = cadre__sup_by_ref(s, st->actor);
	if (c == NULL || c->st != C_STARTING)
		return;
	c->st = C_RUNNING;
	cadre__sup_emit(s, CADRE_SUP_CHILD_STARTED, c, SUP_NO_REASON, 0, 0);
	if (c->start_req != NULL) {
		c->start_req->out_ref = c->ref;
		cadre__sup_reply(c->start_req, 0);
		c->start_req = NULL;
	}
	/* (If it came up while we are shutting down, its stop is queued.) */
	if (s->waiting == W_STARTED && s->wait_serial == c->serial)
		s->waiting = W_NONE;
}

/* Reports c's end while it is stopped (or was about to be) if its
 * shutdown mode did not expect that reason: OTP's shutdown_error. Expected:
 * SHUTDOWN (KILLED for a brutal kill), and also NORMAL or SHUTDOWN for a
 * child that is not permanent. */
static void
check_shutdown_reason(struct sup *s, const struct child *c, cadre_exit reason)
{
	bool brutal = cadre__sup_shutdown(c->spec) == CADRE_SHUTDOWN_BRUTAL;
	if (reason.kind == (brutal ? CADRE_EXIT_KILLED : CADRE_EXIT_SHUTDOWN))
		return;
	if (c->spec->restart != CADRE_PERMANENT &&
	    (reason.kind == CADRE_EXIT_NORMAL || reason.kind == CADRE_EXIT_SHUTDOWN))
		return;
	cadre__sup_emit(s, CADRE_SUP_SHUTDOWN_ERROR, c, reason, 0, 0);
}

/* The end of a STOP: c is down, its mail kept for its next start. */
static void
child_stopped(struct sup *s, struct child *c, cadre_exit reason, cadre_mail *mail)
{
	if (c->kill_armed)
		cadre_timer_cancel(sys_of(s), c->kill_timer);
	c->kill_armed = false;
	c->in_group = false;
	cadre__sup_emit(s, CADRE_SUP_CHILD_STOPPED, c, reason, 0, 0);
	check_shutdown_reason(s, c, reason);
	c->ref = CADRE_REF_NONE;
	c->st = C_TERMINATED;
	cadre_mail_drop(sys_of(s), c->mail);
	c->mail = mail;
	if (s->waiting == W_EXIT && s->wait_serial == c->serial)
		s->waiting = W_NONE;
	if (s->waiting == W_EXITS && --s->nstopping == 0) {
		if (s->all_armed)
			cadre_timer_cancel(sys_of(s), s->all_timer);
		s->all_armed = false;
		s->waiting = W_NONE;
	}
}

/* A sibling that a group restart was about to stop died by itself: it is
 * down, as its stop would have left it; its queued stop finds nothing to
 * do and its queued start (or removal) follows. Not another restart. */
static void
group_member_died(struct sup *s, struct child *c, cadre_exit reason, cadre_mail *mail)
{
	cadre__sup_emit(s, CADRE_SUP_CHILD_EXITED, c, reason, 0, (uint32_t)cadre_mail_count(mail));
	check_shutdown_reason(s, c, reason);
	c->in_group = false;
	c->ref = CADRE_REF_NONE;
	c->st = c->spec->restart == CADRE_TEMPORARY ? C_TERMINATED : C_RESTARTING;
	cadre_mail_drop(sys_of(s), c->mail);
	c->mail = mail;
}

/* Child c's start answered "ignore" (cadre_ignore): not a failure. Its
 * spec stays with no actor (a temporary or dynamic child goes), it is not
 * restarted, and its START ends: the supervisor goes on (OTP's `ignore`). */
static void
child_ignored(struct sup *s, struct child *c, cadre_exit reason, cadre_mail *mail)
{
	cadre__sup_emit(s, CADRE_SUP_CHILD_IGNORED, c, reason, 0, 0);
	if (s->waiting == W_STARTED && s->wait_serial == c->serial)
		s->waiting = W_NONE;
	c->ref = CADRE_REF_NONE;
	c->st = C_TERMINATED;
	cadre_mail_drop(sys_of(s), c->mail);
	c->mail = mail; /* for its next start, as after a stop */
	if (c->dynamic || c->spec->restart == CADRE_TEMPORARY)
		c->removed = true;
	if (c->start_req != NULL) {
		c->start_req->out_ref = CADRE_REF_NONE;
		cadre__sup_reply(c->start_req, 0);
		c->start_req = NULL;
	}
}

static bool
is_ignore(cadre_exit r)
{
	return r.kind == CADRE_EXIT_NORMAL && r.code == CADRE_IGNORE_CODE;
}

/* The EXIT of child c: the end of its STOP, the failure of its START (or
 * its "ignore"), or a death (restarted, unless the supervisor is going
 * down). */
void
cadre__sup_child_exit(struct sup *s, struct child *c, const cadre_exit_msg *e)
{
	cadre_mail *mail = c->spec->handover_mail ? cadre_mail_claim(&s->base, e) : NULL;
	if (c->st == C_STOPPING) {
		child_stopped(s, c, e->reason, mail);
	} else if (c->st == C_STARTING && is_ignore(e->reason)) {
		child_ignored(s, c, e->reason, mail);
	} else if (c->st == C_STARTING) {
		cadre_mail_drop(sys_of(s), mail);
		if (s->waiting == W_STARTED && s->wait_serial == c->serial)
			s->waiting = W_NONE;
		cadre__sup_start_failed(s, c, e->reason);
	} else if (c->in_group && s->phase == P_RUN) {
		group_member_died(s, c, e->reason, mail);
	} else {
		cadre__sup_emit(s, CADRE_SUP_CHILD_EXITED, c, e->reason, 0,
		                (uint32_t)cadre_mail_count(mail));
		if (s->phase == P_DOWN) {
			check_shutdown_reason(s, c, e->reason); /* before its turn */
			c->ref = CADRE_REF_NONE;
			c->st = C_TERMINATED;
			cadre_mail_drop(sys_of(s), mail);
		} else {
			cadre__sup_on_child_exit(s, c, e->reason, mail);
		}
	}
}

/* SUP_DELAY: the timer of a DELAY (an older one's is ignored). */
void
cadre__sup_delay_done(struct sup *s, uint32_t seq)
{
	if (s->waiting == W_DELAY && seq == s->delay_seq)
		s->waiting = W_NONE;
}

/* SUP_KILL: a STOP's shutdown time is up (serial 0: the dynamic
 * children's, all those still stopping). */
void
cadre__sup_kill_due(struct sup *s, uint64_t serial)
{
	if (serial == 0) {
		s->all_armed = false;
		for (size_t i = 0; i < s->nkids; i++)
			if (s->kids[i]->st == C_STOPPING)
				cadre_kill(sys_of(s), s->kids[i]->ref);
		return;
	}
	struct child *c = cadre__sup_by_serial(s, serial);
	if (c != NULL && c->st == C_STOPPING) {
		c->kill_armed = false;
		cadre_kill(sys_of(s), c->ref);
	}
}
