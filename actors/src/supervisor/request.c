/* Cadre: supervisors, requests: the blocking API of the callers (threads
 * outside the system), the futex word they wait on, and the supervisor's
 * side (queries answered at once, the others queued or stashed).
 *
 * Design notes.
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
#include <stdlib.h>
#include <string.h>

#include "cadre__atomic.h"
#include "cadre__await.h"
#include "cadre__clock.h"
#include "cadre__mem.h"
#include "cadre__reserved.h"
#include "cadre__sup.h"

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

/* Answers r (unless answered already) and lets go of the supervisor's
 * reference; r may be NULL. */
void
cadre__sup_reply(struct sup_req *r, int rc)
{
	if (r == NULL)
		return;
	req_complete(r, rc);
	req_unref(r);
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
req_wait(cadre_system *sys, struct sup_req *r, cadre_timeout timeout_ms)
{
	return cadre__await_in(sys, &r->done, 0, timeout_ms);
}

/* ---- the supervisor's side --------------------------------------------------------- */
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

/* ---- queries: answered at once --------------------------------------------------- */
static void
answer_which(struct sup *s, struct sup_req *r)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nkids; i++) {
		if (s->kids[i]->removed)
			continue;
		if (n < r->max)
			fill_info(s->kids[i], &r->infos[n]);
		n++;
	}
	r->n = n;
	cadre__sup_reply(r, 0);
}

static void
answer_count(struct sup *s, struct sup_req *r)
{
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
	cadre__sup_reply(r, 0);
}

/* ---- the others: queued once the queue is empty ---------------------------------- */
/* Each returns false when it answered at once with an error, before changing
 * anything; true when run_ops is to follow (the queue or the children
 * changed). */
static bool
req_start_child(struct sup *s, struct sup_req *r)
{
	struct child *c;
	if (s->spec->strategy == CADRE_SIMPLE_ONE_FOR_ONE) {
		c = cadre__sup_add_child(s, &s->spec->children[0], r->arg, true);
	} else {
		/* as cadre_supervisor_check would in this supervisor's spec */
		if (r->child_spec == NULL ||
		    cadre__sup_check_child(s->spec, r->child_spec) != NULL) {
			cadre__sup_reply(r, CADRE_EINVAL);
			return false;
		}
		if (cadre__sup_by_id(s, r->child_spec->id) != NULL) {
			cadre__sup_reply(r, CADRE_EEXIST);
			return false;
		}
		c = cadre__sup_add_child(s, r->child_spec, r->child_spec->arg, false);
	}
	if (c == NULL) {
		cadre__sup_reply(r, CADRE_ENOMEM);
		return false;
	}
	c->start_req = r;
	r->out_ref = CADRE_REF_NONE;
	cadre__sup_push_op(s, (struct op){OP_START, c->serial, 0, NULL});
	return true;
}

static bool
req_terminate_child(struct sup *s, struct sup_req *r)
{
	bool simple = s->spec->strategy == CADRE_SIMPLE_ONE_FOR_ONE;
	if (!simple && r->id == NULL) {
		cadre__sup_reply(r, CADRE_EINVAL); /* a static child is named by its id */
		return false;
	}
	struct child *c = simple ? cadre__sup_by_ref(s, r->ref) : cadre__sup_by_id(s, r->id);
	if (c == NULL) {
		cadre__sup_reply(r, CADRE_ENOENT);
		return false;
	}
	cadre__sup_push_op(s, (struct op){OP_STOP, c->serial, 0, NULL});
	if (simple || c->spec->restart == CADRE_TEMPORARY)
		cadre__sup_push_op(s, (struct op){OP_REMOVE, c->serial, 0, NULL});
	cadre__sup_push_op(s, (struct op){OP_REPLY, 0, 0, r});
	return true;
}

/* The child named by r->id, if it is terminated; else answers r (EINVAL
 * for a NULL id, ENOENT, EBUSY) and returns NULL. SIMPLE_ONE_FOR_ONE
 * children have no id. */
static struct child *
terminated_by_id(struct sup *s, struct sup_req *r)
{
	if (r->id == NULL) {
		cadre__sup_reply(r, CADRE_EINVAL);
		return NULL;
	}
	struct child *c =
	        s->spec->strategy == CADRE_SIMPLE_ONE_FOR_ONE ? NULL : cadre__sup_by_id(s, r->id);
	if (c == NULL) {
		cadre__sup_reply(r, CADRE_ENOENT);
		return NULL;
	}
	if (c->st != C_TERMINATED) {
		cadre__sup_reply(r, CADRE_EBUSY);
		return NULL;
	}
	return c;
}

static bool
req_restart_child(struct sup *s, struct sup_req *r)
{
	struct child *c = terminated_by_id(s, r);
	if (c == NULL)
		return false;
	c->start_req = r;
	cadre__sup_push_op(s, (struct op){OP_START, c->serial, 0, NULL});
	return true;
}

static bool
req_delete_child(struct sup *s, struct sup_req *r)
{
	struct child *c = terminated_by_id(s, r);
	if (c == NULL)
		return false;
	c->removed = true;
	cadre__sup_reply(r, 0);
	return true;
}

/* Queues (or answers) a request that needs an idle queue. */
static bool
queue_req(struct sup *s, struct sup_req *r)
{
	switch (r->op) {
	case R_START_CHILD:
		return req_start_child(s, r);
	case R_TERMINATE_CHILD:
		return req_terminate_child(s, r);
	case R_RESTART_CHILD:
		return req_restart_child(s, r);
	case R_DELETE_CHILD:
		return req_delete_child(s, r);
	case R_STOP:
		s->stop_req = r;
		cadre__sup_begin_shutdown(s, (cadre_exit){CADRE_EXIT_SHUTDOWN, 0, NULL});
		return true;
	default:
		cadre__sup_reply(r, CADRE_EINVAL);
		return true;
	}
}

/* Handles one request; returns false if it has to wait for the queue. */
static bool
handle_req(struct sup *s, struct sup_req *r)
{
	if (r->op == R_WHICH) {
		answer_which(s, r);
		return true;
	}
	if (r->op == R_COUNT) {
		answer_count(s, r);
		return true;
	}
	if (busy(s))
		return false;
	if (queue_req(s, r))
		cadre__sup_run_ops(s);
	return true;
}

static bool
stash_push(struct sup *s, struct sup_req *r)
{
	if (s->stail == s->scap) {
		size_t ncap = s->scap == 0 ? 8 : s->scap * 2;
		struct sup_req **n = cadre__a_realloc(s->stash, ncap * sizeof *n);
		if (n == NULL)
			return false;
		s->stash = n;
		s->scap = ncap;
	}
	s->stash[s->stail++] = r;
	return true;
}

/* A request's message (SUP_REQ): handled now, or stashed until the
 * queue is empty. */
void
cadre__sup_on_request(struct sup *s, struct sup_req *r)
{
	r->taken = true;
	/* Relaxed add: taking a reference publishes nothing, so it pairs with
	 * nothing; the release is req_unref's acq_rel decrement. */
	cadre__faa_rlx_u64(&r->refs, 1);
	if (!handle_req(s, r) && !stash_push(s, r))
		cadre__sup_reply(r, CADRE_ENOMEM);
}

void
cadre__sup_drain_stash(struct sup *s)
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

/* ---- the callers' side: the blocking API ------------------------------------------ */
static struct sup_req *
req_new(enum req_op op)
{
	struct sup_req *r = cadre__a_calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	/* Plain initialisation: not shared yet; published to the supervisor
	 * by the send (or the spawn), a release. */
	r->magic = SUP_REQ_MAGIC;
	r->refs = 2;
	r->done = 0;
	r->op = op;
	return r;
}

/* Sends r and waits. *sent says whether the caller still holds its own
 * reference (to read the answer, then drop): false when the send failed
 * before handing r over (then r is freed here). */
static int
call(cadre_system *sys, cadre_ref sup, struct sup_req *r, cadre_timeout timeout_ms, bool *sent)
{
	int rc = cadre__send_move_reserved(sys, sup, SUP_REQ, r, sizeof *r, req_dtor);
	*sent = !(rc == CADRE_EINVAL || rc == CADRE_ENOMEM || rc == CADRE_EFULL);
	if (!*sent) {
		/* not handed over: both references are ours */
		req_unref(r);
		req_unref(r);
		return rc;
	}
	if (rc == 0)
		rc = req_wait(sys, r, timeout_ms);
	if (rc == 0)
		rc = r->rc; /* the supervisor's answer (may be EINVAL, ENOMEM, ...) */
	/* ENOACTOR / ECLOSED: the destructor answered and let go already. */
	return rc;
}

static int
prelude(cadre_system *sys, cadre_timeout timeout_ms)
{
	if (sys == NULL || timeout_ms < CADRE_FOREVER)
		return CADRE_EINVAL;
	if (cadre_is_worker_thread())
		return CADRE_EWOULDBLOCK;
	return 0;
}

int
cadre_supervisor_start(cadre_system *sys, const cadre_sup_spec *spec, cadre_ref *out,
                       const char **failed_id, cadre_timeout timeout_ms)
{
	int rc = prelude(sys, timeout_ms);
	if (rc != 0)
		return rc;
	if (spec == NULL || out == NULL || cadre_supervisor_check(spec, NULL) != 0)
		return CADRE_EINVAL; /* refused before anything is spawned */
	struct sup_req *r = req_new(R_START_SUP);
	if (r == NULL)
		return CADRE_ENOMEM;
	r->spec = spec;
	cadre_ref ref;
	rc = cadre_spawn(sys, cadre__sup_blocking_behaviour(), NULL, r, &ref);
	if (rc != 0) {
		free(r);
		return rc;
	}
	rc = req_wait(sys, r, timeout_ms);
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
            void *arg, const char *id, cadre_ref ref, cadre_ref *out, cadre_timeout timeout_ms)
{
	int rc = prelude(sys, timeout_ms);
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
                             void *arg, cadre_ref *child, cadre_timeout timeout_ms)
{
	return simple_call(sys, sup, R_START_CHILD, spec, arg, NULL, CADRE_REF_NONE, child,
	                   timeout_ms);
}

int
cadre_supervisor_terminate_child(cadre_system *sys, cadre_ref sup, const char *id, cadre_ref child,
                                 cadre_timeout timeout_ms)
{
	return simple_call(sys, sup, R_TERMINATE_CHILD, NULL, NULL, id, child, NULL, timeout_ms);
}

int
cadre_supervisor_restart_child(cadre_system *sys, cadre_ref sup, const char *id, cadre_ref *child,
                               cadre_timeout timeout_ms)
{
	return simple_call(sys, sup, R_RESTART_CHILD, NULL, NULL, id, CADRE_REF_NONE, child,
	                   timeout_ms);
}

int
cadre_supervisor_delete_child(cadre_system *sys, cadre_ref sup, const char *id,
                              cadre_timeout timeout_ms)
{
	return simple_call(sys, sup, R_DELETE_CHILD, NULL, NULL, id, CADRE_REF_NONE, NULL,
	                   timeout_ms);
}

int
cadre_supervisor_stop(cadre_system *sys, cadre_ref sup, cadre_timeout timeout_ms)
{
	return simple_call(sys, sup, R_STOP, NULL, NULL, NULL, CADRE_REF_NONE, NULL, timeout_ms);
}

int
cadre_supervisor_which_children(cadre_system *sys, cadre_ref sup, cadre_child_info *out, size_t max,
                                size_t *n, cadre_timeout timeout_ms)
{
	int rc = prelude(sys, timeout_ms);
	if (rc != 0)
		return rc;
	if ((out == NULL && max != 0) || n == NULL)
		return CADRE_EINVAL;
	struct sup_req *r = req_new(R_WHICH);
	if (r == NULL)
		return CADRE_ENOMEM;
	/* The supervisor writes into a copy owned by the request, so that a
	 * caller that timed out is never written to. */
	r->infos = max != 0 ? cadre__a_calloc(max, sizeof *r->infos) : NULL;
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
                                cadre_timeout timeout_ms)
{
	int rc = prelude(sys, timeout_ms);
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
