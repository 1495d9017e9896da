/* Cadre: distribution, the links and monitors across each peer.
 *
 * Design notes.
 *
 * A link or monitor between one of our actors and one of a peer's is kept
 * by both actors as usual (signal/), but when the peer goes down nobody on
 * the other side will ever send the EXIT or DOWN it promised. So dist keeps,
 * per peer, what it saw cross (dist thread only: no locks):
 *   LINK (local, remote, block): our actor linked to theirs, the LINK block
 *     from post kept as the promise (an EXIT for our actor), or no block
 *     when the link was made from their side (an inbound LINK, a linked
 *     remote spawn): then the EXIT is allocated when it is due;
 *   MONITOR (watcher, target, id, block): our actor watches theirs, the
 *     MONITOR block kept as the DOWN it will be owed.
 * An entry ends when the link or monitor ends by the ordinary way (UNLINK,
 * EXIT, DEMONITOR, DOWN crossing either way); when the peer goes down,
 * every entry left fires noconnection. An EXIT to an actor that has
 * unlinked meanwhile is ignored by signal/ (no signal after unlink), so an
 * entry that outlives its link by a race costs nothing but a dropped
 * signal. Monitors the other way (their actor watches ours) need nothing:
 * our actor's DOWN to a node that is down is dropped.
 */
#include <string.h>

#include "cadre__node.h"

static const cadre_exit noconnection = {CADRE_EXIT_NOCONNECTION, 0, NULL};

int
cadre__dist_links_add(struct cadre__dpeer *p, uint8_t kind, cadre_ref local, cadre_ref remote,
                      uint64_t monitor, struct cadre__msg *sig)
{
	for (uint32_t i = 0; kind == CADRE__L_LINK && i < p->nlinks; i++) {
		struct cadre__dlink *l = &p->links[i];
		if (l->kind == kind && cadre_ref_is_equal(l->local, local) &&
		    cadre_ref_is_equal(l->remote, remote)) {
			if (l->sig == NULL) { /* one link: keep a block if we have one */
				l->sig = sig;
			} else if (sig != NULL) {
				cadre__msg_release(sig);
			}
			return 0;
		}
	}
	if (!cadre__grow((void **)&p->links, p->nlinks, &p->caplinks, sizeof *p->links))
		return CADRE_ENOMEM;
	p->links[p->nlinks++] = (struct cadre__dlink){kind, local, remote, monitor, sig};
	return 0;
}

void
cadre__dist_links_end(struct cadre__dpeer *p, uint8_t kind, cadre_ref local, cadre_ref remote,
                      uint64_t monitor)
{
	for (uint32_t i = 0; i < p->nlinks; i++) {
		struct cadre__dlink *l = &p->links[i];
		if (l->kind != kind || !cadre_ref_is_equal(l->local, local) ||
		    !cadre_ref_is_equal(l->remote, remote) ||
		    (kind == CADRE__L_MONITOR && l->monitor != monitor))
			continue;
		if (l->sig != NULL)
			cadre__msg_release(l->sig); /* the promise is not due */
		*l = p->links[--p->nlinks];
		return;
	}
}

void
cadre__dist_links_out(struct cadre__dist *d, struct cadre__dpeer *p, struct cadre__dout *o)
{
	struct cadre__frame f;
	if (cadre__wire_decode(o->frame, o->len, &f) != 0)
		return;
	switch (f.kind) {
	case CADRE__W_LINK:
	case CADRE__W_MONITOR: {
		uint8_t kind = f.kind == CADRE__W_LINK ? CADRE__L_LINK : CADRE__L_MONITOR;
		if (cadre__dist_links_add(p, kind, f.from, f.to, f.id, o->m) != 0)
			cadre__dist_promise_fail(d->sys, o->to, o->m); /* cannot keep it */
		o->m = NULL;
		break;
	}
	case CADRE__W_UNLINK:
		cadre__dist_links_end(p, CADRE__L_LINK, f.from, f.to, 0);
		break;
	case CADRE__W_EXIT:
		if (f.linked) /* our actor died (or answers noproc): its link ends */
			cadre__dist_links_end(p, CADRE__L_LINK, f.from, f.to, 0);
		break;
	case CADRE__W_DEMONITOR:
		cadre__dist_links_end(p, CADRE__L_MONITOR, f.from, f.to, f.id);
		break;
	default:
		break;
	}
}

void
cadre__dist_links_down(struct cadre__dist *d, struct cadre__dpeer *p)
{
	for (uint32_t i = 0; i < p->nlinks; i++) {
		struct cadre__dlink *l = &p->links[i];
		if (l->sig != NULL) {
			cadre__dist_promise_fail(d->sys, l->remote, l->sig);
		} else if (l->kind == CADRE__L_LINK) {
			struct cadre__sig_exit e = {l->remote, noconnection, true, NULL};
			(void)cadre__signal_from_remote(d->sys, l->local, CADRE__SIG_EXIT, &e,
			                                sizeof e);
		} else {
			cadre_down_msg dn = {l->monitor, l->remote, noconnection};
			(void)cadre__signal_from_remote(d->sys, l->local, CADRE__SIG_DOWN, &dn,
			                                sizeof dn);
		}
	}
	p->nlinks = 0;
}

void
cadre__dist_links_free(struct cadre__dpeer *p)
{
	for (uint32_t i = 0; i < p->nlinks; i++)
		if (p->links[i].sig != NULL)
			cadre__msg_release(p->links[i].sig);
	if (p->links != NULL)
		cadre__free(p->links, p->caplinks * sizeof *p->links);
	p->links = NULL;
	p->nlinks = p->caplinks = 0;
}
