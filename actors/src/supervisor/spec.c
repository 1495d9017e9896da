/* Cadre: supervisors, the specs: validation (cadre_supervisor_check: the
 * reasons it gives are listed in docs/supervision.md), the child table
 * (children made from their specs, found by serial, ref or id, freed once
 * removed), and the events reported to the spec's on_event. */
#include <stdlib.h>
#include <string.h>

#include "cadre__mem.h"
#include "cadre__sup.h"

/* ---- validation ---------------------------------------------------------------------- */
/* c alone, in a supervisor whose spec is sp (its auto_shutdown): NULL if
 * valid, else why not. */
const char *
cadre__sup_check_child(const cadre_sup_spec *sp, const cadre_child_spec *c)
{
	if (c->id == NULL || c->id[0] == '\0')
		return "child id NULL or empty";
	if (c->beh == NULL)
		return "child beh NULL";
	if ((unsigned)c->restart > CADRE_TEMPORARY)
		return "child restart out of range";
	if ((unsigned)c->type > CADRE_SUPERVISOR)
		return "child type out of range";
	if (c->shutdown_ms < 0 && c->shutdown_ms != CADRE_FOREVER &&
	    c->shutdown_ms != CADRE_SHUTDOWN_BRUTAL)
		return "bad child shutdown_ms";
	if (c->significant && c->restart == CADRE_PERMANENT)
		return "significant child is PERMANENT"; /* as OTP */
	if (c->significant && sp->auto_shutdown == CADRE_AUTO_NEVER)
		return "significant child under auto_shutdown NEVER"; /* as OTP */
	return NULL;
}

static const char *
check_backoff(const cadre_sup_spec *sp)
{
	double j = sp->backoff_jitter;
	if (!(j >= 0.0 && j <= 1.0)) /* NaN compares false */
		return "backoff_jitter NaN or outside [0, 1]";
	if (sp->backoff_min_ms != 0 && sp->backoff_min_ms > cadre__sup_backoff_max(sp))
		return "backoff_min_ms above backoff_max_ms";
	return NULL;
}

static const char *
check_spec(const cadre_sup_spec *sp)
{
	if (sp == NULL)
		return "spec NULL";
	if ((unsigned)sp->strategy > CADRE_SIMPLE_ONE_FOR_ONE)
		return "strategy out of range";
	if ((unsigned)sp->auto_shutdown > CADRE_AUTO_ALL_SIGNIFICANT)
		return "auto_shutdown out of range";
	if (sp->nchildren != 0 && sp->children == NULL)
		return "children NULL with nchildren > 0";
	if (sp->strategy == CADRE_SIMPLE_ONE_FOR_ONE && sp->nchildren != 1)
		return "SIMPLE_ONE_FOR_ONE needs exactly one child spec";
	const char *why = check_backoff(sp);
	if (why != NULL)
		return why;
	for (size_t i = 0; i < sp->nchildren; i++) {
		const cadre_child_spec *c = &sp->children[i];
		if ((why = cadre__sup_check_child(sp, c)) != NULL)
			return why;
		for (size_t j = 0; j < i; j++)
			if (strcmp(sp->children[j].id, c->id) == 0)
				return "duplicate child id";
	}
	return NULL;
}

int
cadre_supervisor_check(const cadre_sup_spec *spec, const char **why)
{
	const char *w = check_spec(spec);
	if (why != NULL)
		*why = w;
	return w == NULL ? 0 : CADRE_EINVAL;
}

void
cadre__sup_emit(struct sup *s, cadre_sup_event_kind kind, const struct child *c, cadre_exit reason,
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

/* ---- the child table ------------------------------------------------------------------ */
struct child *
cadre__sup_by_serial(struct sup *s, uint64_t serial)
{
	for (size_t i = 0; i < s->nkids; i++)
		if (s->kids[i]->serial == serial && !s->kids[i]->removed)
			return s->kids[i];
	return NULL;
}

/* The child whose actor is r; never one with no actor (r NONE: an exit
 * signal from no actor is no child's). */
struct child *
cadre__sup_by_ref(struct sup *s, cadre_ref r)
{
	for (size_t i = 0; !cadre_ref_is_none(r) && i < s->nkids; i++)
		if (!s->kids[i]->removed && cadre_ref_is_equal(s->kids[i]->ref, r))
			return s->kids[i];
	return NULL;
}

struct child *
cadre__sup_by_id(struct sup *s, const char *id)
{
	for (size_t i = 0; id != NULL && i < s->nkids; i++)
		if (!s->kids[i]->removed && strcmp(s->kids[i]->spec->id, id) == 0)
			return s->kids[i];
	return NULL;
}

struct child *
cadre__sup_add_child(struct sup *s, const cadre_child_spec *spec, void *arg, bool dynamic)
{
	if (s->nkids == s->capkids) {
		size_t ncap = s->capkids == 0 ? 8 : s->capkids * 2;
		struct child **n = cadre__a_realloc(s->kids, ncap * sizeof *n);
		if (n == NULL)
			return NULL;
		s->kids = n;
		s->capkids = ncap;
	}
	struct child *c = cadre__a_calloc(1, sizeof *c);
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
void
cadre__sup_compact(struct sup *s)
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
