/* Cadre: become / unbecome and the stash (the contract is in
 * cadre/behave.h). All of it is owner-only state in the actor's extension
 * block: no atomics. The run loop (run.c) takes unstashed messages
 * (ext->replay) before the mailbox, and asks cur_disp what to do with the
 * message receive just handled. */
#include "cadre__actor.h"

#define STASH_DEFAULT 1000u

int
cadre_become(cadre_actor *self, const cadre_behaviour *beh, bool keep_old)
{
	if (self == NULL || beh == NULL || beh->receive == NULL)
		return CADRE_EINVAL;
	struct cadre__actor *a = cadre__running(self);
	if (a == NULL)
		return CADRE_ESTATE;
	if (beh->size != a->beh->size)
		return CADRE_EINVAL; /* the state is one struct of one size */
	if (keep_old) {
		struct cadre__ext *x = cadre__ext_of(a, true);
		if (x == NULL)
			return CADRE_ENOMEM;
		if (x->nbehs == x->capbehs) {
			uint32_t ncap = x->capbehs == 0 ? 4 : x->capbehs * 2;
			const cadre_behaviour **n = cadre__alloc(ncap * sizeof *n);
			if (n == NULL)
				return CADRE_ENOMEM;
			for (uint32_t i = 0; i < x->nbehs; i++)
				n[i] = x->behs[i];
			cadre__free((void *)x->behs, x->capbehs * sizeof *x->behs);
			x->behs = n;
			x->capbehs = ncap;
		}
		x->behs[x->nbehs++] = a->beh;
	}
	cadre__actor_set_beh(a, beh); /* walks read it (cadre/stats.h) */
	return 0;
}

int
cadre_unbecome(cadre_actor *self)
{
	struct cadre__actor *a;
	int err = cadre__self_check(self, &a);
	if (err != 0)
		return err;
	struct cadre__ext *x = cadre__ext_of(a, false);
	if (x == NULL || x->nbehs == 0)
		return CADRE_ENOENT;
	cadre__actor_set_beh(a, x->behs[--x->nbehs]); /* as in cadre_become */
	return 0;
}

int
cadre_stash(cadre_actor *self, const cadre_msg *msg)
{
	if (self == NULL || msg == NULL)
		return CADRE_EINVAL;
	struct cadre__actor *a = cadre__running(self);
	if (a == NULL)
		return CADRE_ESTATE;
	struct cadre__worker *w = cadre__tls_worker;
	if (msg != w->cur_view)
		return CADRE_EINVAL; /* not the ordinary message being received */
	struct cadre__ext *x = cadre__ext_of(a, true);
	if (x == NULL)
		return CADRE_ENOMEM;
	uint32_t cap = x->stash_cap != 0 ? x->stash_cap : STASH_DEFAULT;
	if (x->nstash >= cap) {
		w->cur_disp = CADRE__DISP_DEAD; /* dropped, counted */
		return CADRE_EFULL;
	}
	w->cur_disp = CADRE__DISP_STASH;
	return 0;
}

int
cadre_unstash_all(cadre_actor *self)
{
	struct cadre__actor *a;
	int err = cadre__self_check(self, &a);
	if (err != 0)
		return err;
	struct cadre__ext *x = cadre__ext_of(a, false);
	if (x == NULL || x->nstash == 0)
		return 0;
	int n = (int)x->nstash;
	/* stash ++ replay: the stashed ones go first, in stash order */
	x->stash_last->next = x->replay_first;
	if (x->replay_first == NULL)
		x->replay_last = x->stash_last;
	x->replay_first = x->stash_first;
	x->stash_first = x->stash_last = NULL;
	x->nstash = 0;
	a->flags |= CADRE__F_REPLAY;
	return n;
}

size_t
cadre_stash_size(const cadre_actor *self)
{
	struct cadre__actor *a = cadre__running(self);
	struct cadre__ext *x = a == NULL ? NULL : cadre__ext_of(a, false);
	return x == NULL ? 0 : x->nstash;
}

/* At death: what is stashed or waiting for replay is dead. */
void
cadre__stash_drop_all(struct cadre__worker *w, struct cadre__actor *a)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	if (x == NULL)
		return;
	cadre_ref me = cadre__ref_of(w->sys, a);
	cadre_mb_node *lists[2] = {x->replay_first, x->stash_first};
	for (int k = 0; k < 2; k++) {
		for (cadre_mb_node *n = lists[k]; n != NULL;) {
			cadre_mb_node *next = n->next;
			cadre__dead_letter(w->sys, w, me, (struct cadre__msg *)n, CADRE_ENOACTOR);
			n = next;
		}
	}
	x->replay_first = x->replay_last = x->stash_first = x->stash_last = NULL;
	x->nstash = 0;
	cadre__free((void *)x->behs, x->capbehs * sizeof *x->behs);
	x->behs = NULL;
	x->nbehs = x->capbehs = 0;
}
