/* Cadre: supervisors (the contract is in cadre/supervisor.h): the
 * behaviour, whose callbacks hand each message to its mechanism (the files
 * are listed in cadre__sup.h).
 *
 * Design notes.
 *
 * A supervisor is an ordinary actor built on core's public API: it traps
 * exits and its own stop request (so every stop but a kill stops its
 * children in order), spawns each child with CADRE_SPAWN_LINK | CADRE_SPAWN_NOTIFY_STARTED
 * (so it learns both "started" and "died"), and uses timers for shutdown
 * timeouts and restart backoff. Nothing in it blocks. (The operation queue's
 * design notes are in ops.c, the requests' in request.c.)
 *
 * Trust. Its message types are reserved (>= 0xFFFF0000): the public sends
 * refuse them, so they come from core (EXIT, STARTED) or from the library
 * (requests, timers). Even so, receive takes a payload only in the shape
 * its sender gives it: the exact size, and the sender core or the library
 * puts there (an EXIT or STARTED comes from the actor it names; a timer's
 * from nobody; a request carries its magic, and comes from nobody or from
 * an actor of the blocking pool). A
 * child's death is an EXIT through its link, from its current incarnation
 * (the ref, generation included). Anything else is ignored.
 */
#include <stdlib.h>
#include <string.h>

#include "cadre__mem.h"
#include "cadre__sup.h"

/* A spec that cadre_supervisor_check refuses fails the start: reason
 * FAILURE, code CADRE_EINVAL, detail the check's reason (cadre_fail, and
 * start returns 0: the actor stops without ever being STARTED). */
static int
sup_init(struct sup *s, const cadre_sup_spec *spec)
{
	const char *why;
	if (cadre_supervisor_check(spec, &why) != 0) {
		cadre_fail(&s->base, CADRE_EINVAL, why);
		return CADRE_EINVAL;
	}
	s->spec = spec;
	s->intensity = cadre__sup_intensity(spec);
	s->period_ms = cadre__sup_period(spec);
	s->backoff_max_ms = cadre__sup_backoff_max(spec);
	s->phase = P_INIT;
	/* The deterministic mode: from the system's seed and our slot. */
	uint64_t sim = cadre_sim_seed(sys_of(s));
	s->rng = 0x9E3779B97F4A7C15ull ^
	         (sim != 0 ? sim * 31 + cadre_self(&s->base).index : (uint64_t)(uintptr_t)s);
	cadre_trap_exits(&s->base, true);
	/* cadre_stop_ref and the system's shutdown: an exit signal `shutdown`
	 * from no actor, so an ordered stop (children in reverse) */
	cadre_trap_stop(&s->base, true);
	cadre_started_later(&s->base);
	if (spec->strategy != CADRE_SIMPLE_ONE_FOR_ONE) {
		for (size_t i = 0; i < spec->nchildren; i++) {
			struct child *c = cadre__sup_add_child(s, &spec->children[i],
			                                       spec->children[i].arg, false);
			if (c == NULL ||
			    !cadre__sup_push_op(s, (struct op){OP_START, c->serial, 0, NULL}))
				return CADRE_ENOMEM; /* nothing started yet */
		}
	}
	if (!cadre__sup_push_op(s, (struct op){OP_STARTED_SELF, 0, 0, NULL}))
		return CADRE_ENOMEM;
	cadre__sup_run_ops(s);
	return 0;
}

static int
sup_start(cadre_actor *self, void *arg)
{
	int rc = sup_init((struct sup *)self, arg);
	return rc == CADRE_EINVAL ? 0 : rc; /* EINVAL: failed by sup_init, with its reason */
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
		cadre__sup_reply(r, rc);
		s->starter = NULL;
	}
	return rc == CADRE_EINVAL ? 0 : rc; /* EINVAL: failed by sup_init, with its reason */
}

/* m's payload, copied into out, if it has exactly that size (see Trust). */
static bool
payload(const cadre_msg *m, void *out, size_t size)
{
	if (m->size != size || m->data == NULL)
		return false;
	memcpy(out, m->data, size);
	return true;
}

/* An EXIT: a child's death (through its link); from our parent, or directly
 * from no actor (an outside thread, or our trapped stop request), an order
 * to go; from any other actor, ignored (as OTP's supervisor: an EXIT that is
 * no child's is dropped). Core delivers an EXIT with its sender in `from`,
 * so one whose sender differs is forged. */
static void
on_exit_msg(struct sup *s, const cadre_msg *m)
{
	cadre_exit_msg e;
	if (!payload(m, &e, sizeof e) || !cadre_ref_is_equal(m->sender, e.from))
		return; /* not core's: forged */
	struct child *c = e.linked ? cadre__sup_by_ref(s, e.from) : NULL;
	bool outside = cadre_ref_is_none(e.from);
	if (c != NULL) {
		cadre__sup_child_exit(s, c, &e);
	} else if ((!outside && cadre_ref_is_equal(e.from, cadre_parent(&s->base))) ||
	           (outside && !e.linked && e.reason.kind != CADRE_EXIT_NORMAL)) {
		/* asked to go: in order */
		cadre__sup_begin_shutdown(s, e.reason);
	}
}

static void
on_started_msg(struct sup *s, const cadre_msg *m)
{
	cadre_started_msg st;
	if (payload(m, &st, sizeof st) && cadre_ref_is_equal(m->sender, st.actor))
		cadre__sup_child_started(s, &st);
}

/* Our own timers' messages come from no actor; a request from a thread
 * outside the system (no actor) or from an actor of the blocking pool,
 * whose callbacks may make the blocking calls (request.c). */
static void
on_internal_msg(struct sup *s, const cadre_msg *m)
{
	uint32_t seq;
	uint64_t serial;
	if (m->type == SUP_REQ && m->size == sizeof(struct sup_req) && m->data != NULL &&
	    ((const struct sup_req *)m->data)->magic == SUP_REQ_MAGIC) {
		cadre__sup_on_request(s, (struct sup_req *)(uintptr_t)m->data); /* moved to us */
		return;
	}
	if (!cadre_ref_is_none(m->sender))
		return;
	if (m->type == SUP_DELAY && payload(m, &seq, sizeof seq))
		cadre__sup_delay_done(s, seq);
	else if (m->type == SUP_KILL && payload(m, &serial, sizeof serial))
		cadre__sup_kill_due(s, serial);
}

static int
sup_receive(cadre_actor *self, const cadre_msg *m)
{
	struct sup *s = (struct sup *)self;
	switch (m->type) {
	case CADRE_MSG_STARTED:
		on_started_msg(s, m);
		break;
	case CADRE_MSG_EXIT:
		on_exit_msg(s, m);
		break;
	case SUP_DELAY:
	case SUP_KILL:
	case SUP_REQ:
		on_internal_msg(s, m);
		break;
	default:
		break; /* not ours: ignored */
	}
	cadre__sup_run_ops(s);
	cadre__sup_drain_stash(s);
	return 0;
}

static void
sup_stop(cadre_actor *self, const cadre_exit *why)
{
	struct sup *s = (struct sup *)self;
	(void)why;
	if (s->starter != NULL) {
		/* The start failed, and the children it started are stopped: a
		 * child's spawn out of memory is CADRE_ENOMEM, with the actor
		 * table full CADRE_ELIMIT, a child's failed start CADRE_ECANCELED. */
		cadre__sup_reply(s->starter, s->start_err != 0 ? s->start_err : CADRE_ECANCELED);
		s->starter = NULL;
	}
	cadre__sup_reply(s->stop_req, 0);
	cadre__sup_cancel_ops(s);
	for (size_t i = s->shead; i < s->stail; i++)
		cadre__sup_reply(s->stash[i], CADRE_ECANCELED);
	for (size_t i = 0; i < s->nkids; i++) {
		if (s->kids[i]->start_req != NULL)
			cadre__sup_reply(s->kids[i]->start_req, CADRE_ECANCELED);
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

/* The behaviour of the blocking cadre_supervisor_start (request.c). */
const cadre_behaviour *
cadre__sup_blocking_behaviour(void)
{
	return &supervisor_blocking;
}
