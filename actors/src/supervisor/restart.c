/* Cadre: supervisors, restarts: the strategies (which children a death
 * restarts), the intensity (how many restarts within the period before the
 * supervisor gives up), the backoff between restarts, auto-shutdown. */
#include <stdlib.h>

#include "cadre__clock.h"
#include "cadre__mem.h"
#include "cadre__sup.h"

/* The restarts within the period: a ring of their times, oldest first
 * (s->restarts[s->rhead], s->nrestarts of them, s->rcap slots). Each
 * restart is added once and dropped once, when it leaves the period, so
 * recording one costs O(1) amortised; the ring grows by doubling, to at
 * most `intensity` slots (it never holds more). */
static bool
ring_grow(struct sup *s)
{
	uint32_t ncap = s->rcap == 0 ? 8 : s->rcap * 2;
	if (ncap > s->intensity || ncap < s->rcap)
		ncap = s->intensity;
	uint64_t *n = cadre__a_malloc((size_t)ncap * sizeof *n);
	if (n == NULL)
		return false;
	for (uint32_t i = 0; i < s->nrestarts; i++)
		n[i] = s->restarts[(s->rhead + i) % s->rcap];
	free(s->restarts);
	s->restarts = n;
	s->rcap = ncap;
	s->rhead = 0;
	return true;
}

/* Records a restart now; false if it would be one too many within the
 * period (or, out of memory, one that cannot be counted: the supervisor
 * then gives up as if it were). */
static bool
record_restart(struct sup *s)
{
	/* The system's clock (virtual in the deterministic mode, where it
	 * starts at 0): a restart at t counts while now < t + period. */
	uint64_t now = cadre_system_now_ms(sys_of(s));
	while (s->nrestarts > 0 && s->restarts[s->rhead] + s->period_ms <= now) {
		s->rhead = (s->rhead + 1) % s->rcap;
		s->nrestarts--;
	}
	if (s->nrestarts >= s->intensity)
		return false;
	if (s->nrestarts == s->rcap && !ring_grow(s))
		return false;
	s->restarts[(s->rhead + s->nrestarts) % s->rcap] = now;
	s->nrestarts++;
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
	for (uint32_t i = 0; i < n && d < s->backoff_max_ms; i++)
		d *= 2;
	if (d > s->backoff_max_ms)
		d = s->backoff_max_ms;
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
	cadre__sup_begin_shutdown(s, (cadre_exit){CADRE_EXIT_SHUTDOWN, 0, "auto-shutdown"});
}

static void
queue_restart(struct sup *s, struct child *c, uint32_t delay)
{
	/* A sibling still running keeps its state until its queued stop. */
	if (!alive(c))
		c->st = C_RESTARTING;
	c->restarts++; /* its next start says so (ops.c do_start) */
	cadre__sup_emit(s, CADRE_SUP_CHILD_RESTARTING, c, SUP_NO_REASON, delay, 0);
	cadre__sup_push_op(s, (struct op){OP_START, c->serial, 0, NULL});
}

/* ONE_FOR_ALL: all; REST_FOR_ONE: c and those started after it.
 * Stop the others in reverse order, then start them all in order. A
 * sibling marked in_group that dies by itself before its stop is part of
 * this restart (ops.c), not another one: OTP's terminate_children takes
 * such an EXIT as the child's stop. */
static void
restart_group(struct sup *s, struct child *c, uint32_t delay)
{
	size_t idx = 0;
	while (s->kids[idx] != c)
		idx++;
	size_t from = s->spec->strategy == CADRE_ONE_FOR_ALL ? 0 : idx;
	for (size_t i = s->nkids; i-- > from;) {
		struct child *k = s->kids[i];
		if (k != c && !k->removed && (k->st == C_RUNNING || k->st == C_STARTING)) {
			k->in_group = true;
			cadre__sup_push_op(s, (struct op){OP_STOP, k->serial, 0, NULL});
		}
	}
	if (delay != 0)
		cadre__sup_push_op(s, (struct op){OP_DELAY, 0, delay, NULL});
	for (size_t i = from; i < s->nkids; i++) {
		struct child *k = s->kids[i];
		if (k->removed)
			continue;
		if (k != c && k->spec->restart == CADRE_TEMPORARY) {
			/* stopped with the group, not restarted: it goes */
			cadre__sup_push_op(s, (struct op){OP_REMOVE, k->serial, 0, NULL});
			continue;
		}
		queue_restart(s, k, k == c ? delay : 0);
	}
}

/* Reports a restart of c, or the intensity reached, to the system's log
 * (cadre/log.h); was: the actor that ended. */
static void
log_restart(struct sup *s, cadre_log_kind kind, const struct child *c, cadre_ref was,
            cadre_exit reason)
{
	const char *name = c->spec->beh != NULL ? c->spec->beh->name : NULL;
	cadre_log_event ev = {
	        .kind = kind,
	        .level = kind == CADRE_LOG_INTENSITY ? CADRE_LOG_LEVEL_ERROR : CADRE_LOG_LEVEL_INFO,
	        .actor = was,
	        .name = name != NULL ? name : "?",
	        .reason = reason,
	        .supervisor = cadre_self(&s->base),
	        .child_id = c->spec->id,
	        .count = kind == CADRE_LOG_INTENSITY ? s->spec->intensity : s->nrestarts,
	        .window_ms = s->spec->period_ms,
	};
	(void)cadre_system_log(sys_of(s), &ev);
}

/* Child c died (its EXIT, or a failed restart): restart it (and, by the
 * strategy, its siblings), or forget it, or give up. */
void
cadre__sup_on_child_exit(struct sup *s, struct child *c, cadre_exit reason, cadre_mail *mail)
{
	cadre_system *sys = sys_of(s);
	cadre_ref was = c->ref;
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
		cadre__sup_emit(s, CADRE_SUP_INTENSITY, c, reason, 0, 0);
		log_restart(s, CADRE_LOG_INTENSITY, c, was, reason);
		cadre__sup_begin_shutdown(
		        s, (cadre_exit){CADRE_EXIT_SHUTDOWN, 0, "reached max restart intensity"});
		return;
	}
	log_restart(s, CADRE_LOG_CHILD_RESTARTED, c, was, reason);
	cadre_mail_drop(sys, c->mail);
	c->mail = mail; /* NULL unless handover_mail */
	uint32_t delay = backoff(s);
	cadre_strategy st = s->spec->strategy;
	if (st == CADRE_ONE_FOR_ONE || st == CADRE_SIMPLE_ONE_FOR_ONE) {
		if (delay != 0)
			cadre__sup_push_op(s, (struct op){OP_DELAY, 0, delay, NULL});
		queue_restart(s, c, delay);
		return;
	}
	restart_group(s, c, delay);
}
