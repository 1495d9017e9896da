/* The actor block: its extension (table/cadre__table.h). */
#include "cadre__table.h"

/* ---- the per-actor extension ---------------------------------------------- */
struct cadre__ext *
cadre__ext_of(struct cadre__actor *a, bool create)
{
	cadre_actor *hdr = cadre__user_of(a);
	struct cadre__ext *x = (struct cadre__ext *)(uintptr_t)hdr->cadre__private;
	if (x == NULL && create) {
		x = cadre__alloc_zero(sizeof *x);
		hdr->cadre__private = (uint64_t)(uintptr_t)x;
	}
	return x;
}

void
cadre__ext_free(struct cadre__actor *a)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	if (x == NULL)
		return;
	cadre__free(x->links, x->caplinks * sizeof *x->links);
	cadre__free(x->watchers, x->capwatchers * sizeof *x->watchers);
	cadre__free(x->monitors, x->capmonitors * sizeof *x->monitors);
	cadre__free(x->muted, x->capmuted * sizeof *x->muted);
	cadre__free(x, sizeof *x);
	cadre__user_of(a)->cadre__private = 0;
}
