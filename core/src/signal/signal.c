/* Cadre: links, monitors and exit signals (Erlang/OTP semantics; the
 * contract is in cadre/links.h).
 *
 * Design notes.
 *
 * An actor's links and monitors are its own state: only its owner (the
 * worker running it) reads or changes them, so they need no atomics. Every
 * change another actor wants goes to it as a signal, a message on its
 * system lane, handled before its ordinary mail:
 *   LINK / UNLINK (from)         add / remove a link
 *   MONITOR / DEMONITOR (from,m) add / remove a watcher
 *   EXIT (from, reason, linked)  an exit signal
 *   DOWN (m, actor, reason)      a monitored actor stopped
 *   STARTED (actor)              a child's start succeeded
 *   MUTE (from)                  a sender muted on this overloaded actor
 *                                (mute.c)
 * When an actor stops (actor/: cadre__finish), after its stop callback: every linked
 * actor gets EXIT(linked) with the same reason, every watcher gets DOWN, and
 * every actor it monitors gets DEMONITOR. A signal that reaches an actor
 * that is already dead (it waits in the dead mailbox until reclamation)
 * is answered as Erlang does: LINK with EXIT(noproc), MONITOR with
 * DOWN(noproc); MUTE wakes the muted sender (always, during shutdown
 * too: see mute.c); the rest are dropped.
 *
 * Races. unlink removes the link at once on the caller's side, so an EXIT
 * that was already on its way from the old partner finds no link and is
 * ignored: no signal after unlink. demonitor removes the monitor on the
 * caller's side the same way, so a DOWN already on its way is dropped.
 * A monitor of an actor that is already gone is answered by the caller
 * itself (DOWN noproc to self), or by the reclaimer if the target died
 * after the lookup.
 *
 * Signals are not ordinary messages: they are not counted in sent /
 * handled / dead_letters, and during shutdown (closing) new ones are
 * refused (CADRE_ECLOSED); one already queued is still handled, or
 * answered at reclamation as above.
 *
 * Promises are paid for up front. A link promises an EXIT to each side when
 * the other stops, a monitor a DOWN, NOTIFY_STARTED a STARTED; a signal that
 * could not be allocated when it is due would be lost without a trace. So
 * the block of every promised signal is allocated when the promise is made,
 * and the call that makes it fails with CADRE_ENOMEM, having changed
 * nothing, if it cannot be (a block has room for any signal's payload):
 *   cadre_link     two blocks: ours, kept with our link (our EXIT to the
 *                  partner at our death, or the UNLINK), and the partner's,
 *                  carried by the LINK itself: the partner keeps it with its
 *                  link (its EXIT to us at its death); if it cannot record
 *                  the link it sends it back at once as the EXIT of its own
 *                  failure (reason FAILURE, CADRE_ENOMEM) and stops; if it
 *                  is gone, the block comes back as EXIT noproc (from the
 *                  caller at once, or from the reclaimer of its mailbox);
 *   cadre_monitor  one block, carried by the MONITOR: the watcher's DOWN,
 *                  kept by the target with its watcher entry, or sent back
 *                  at once in the same three cases;
 *   spawn          LINK: both sides' blocks; NOTIFY_STARTED: the STARTED.
 * At death every block is sent or, if its receiver is gone, released.
 * Unlink sends the UNLINK in our link's block; only DEMONITOR (at demonitor
 * and at death) is allocated when sent: if it is lost, the target keeps a
 * stale watcher whose DOWN finds the watcher gone, or finds no monitor.
 */
#include <string.h>

#include "cadre__signal.h"

/* Grows *arr (n used of *cap elements of size sz) by one slot; false on OOM. */
bool
cadre__grow(void **arr, uint32_t n, uint32_t *cap, size_t sz)
{
	if (n < *cap)
		return true;
	uint32_t ncap = *cap == 0 ? 4 : *cap * 2;
	void *p = cadre__alloc(ncap * sz);
	if (p == NULL)
		return false;
	if (*arr != NULL) {
		memcpy(p, *arr, n * sz);
		cadre__free(*arr, *cap * sz);
	}
	*arr = p;
	*cap = ncap;
	return true;
}

/* ---- signal blocks ------------------------------------------------------------------ */
/* Room for any signal's payload: a block carries a LINK, then the EXIT it
 * promised; a MONITOR, then the DOWN. */
union sig_payload {
	struct cadre__sig_exit exit;
	struct cadre__sig_ref ref;
	cadre_down_msg down;
	cadre_started_msg started;
};

static struct cadre__msg *
sig_block(void)
{
	struct cadre__msg *m =
	        cadre__msg_alloc(sizeof(struct cadre__msg) + sizeof(union sig_payload));
	if (m != NULL) {
		m->kind = CADRE__MSG_INLINE;
		m->flags = 0;
		m->dtor = NULL;
		m->data = (char *)m + sizeof(struct cadre__msg);
	}
	return m;
}

static void
sig_release(struct cadre__msg *m)
{
	if (m != NULL)
		cadre__msg_release(m);
}

static void
sig_fill(struct cadre__msg *m, uint32_t type, const void *payload, size_t size)
{
	m->type = type;
	m->size = (uint32_t)size;
	memcpy(m->data, payload, size);
}

static void
exit_fill(struct cadre__msg *m, cadre_ref from, const cadre_exit *reason, bool linked,
          struct cadre_mail *mail)
{
	struct cadre__sig_exit e = {from, *reason, linked, mail};
	sig_fill(m, CADRE__SIG_EXIT, &e, sizeof e);
}

static void
down_fill(struct cadre__msg *m, uint64_t monitor, cadre_ref actor, const cadre_exit *reason)
{
	cadre_down_msg d = {monitor, actor, *reason};
	sig_fill(m, CADRE__SIG_DOWN, &d, sizeof d);
}

/* Pushes the signal m into the lane of the local actor `to`: 0, or
 * CADRE_ENOACTOR / CADRE_ECLOSED with m still the caller's. */
static int
push_signal(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, struct cadre__msg *m)
{
	struct cadre__actor *a;
	int rc = cadre__hold(sys, w, to, &a);
	if (rc != 0)
		return rc;
	if (cadre__mb_push_system(&a->mb, &m->node) == 1)
		cadre__schedule(sys, a, CADRE__SCHED_WOKEN);
	cadre__leave(sys, w);
	return 0;
}

/* Pushes the signal m to `to`, from the running actor if any, after the
 * mail it sent before. 0, or CADRE_ENOACTOR / CADRE_ECLOSED: m is still the
 * caller's. */
static int
sig_post(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, struct cadre__msg *m)
{
	struct cadre__actor *self = w != NULL ? cadre__tls_actor : NULL;
	m->sender = self != NULL ? cadre__ref_of(sys, self) : CADRE_REF_NONE;
	if (w != NULL)
		cadre__outbox_flush(sys, w); /* mail sent before the signal goes first */
	int rc = push_signal(sys, w, to, m);
	if (rc == CADRE_ENOACTOR && cadre__ref_remote(sys, to))
		return sys->remote->post(sys, w, to, m, true); /* another node's: dist */
	return rc;
}

/* ---- from another node (dist/) -------------------------------------------------- */
int
cadre__signal_post_block(struct cadre_system *sys, cadre_ref to, struct cadre__msg *m)
{
	m->sender = CADRE_REF_NONE;
	return push_signal(sys, cadre__my_worker(sys), to, m);
}

int
cadre__signal_from_remote(struct cadre_system *sys, cadre_ref to, uint32_t type,
                          const void *payload, size_t size)
{
	if (size > sizeof(union sig_payload))
		return CADRE_EINVAL;
	struct cadre__msg *m = sig_block();
	if (m == NULL)
		return CADRE_ENOMEM;
	sig_fill(m, type, payload, size);
	int rc = cadre__signal_post_block(sys, to, m);
	if (rc != 0)
		cadre__msg_release(m);
	return rc;
}

int
cadre__signal_stop_remote(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to)
{
	struct cadre__actor *self = w != NULL ? cadre__tls_actor : NULL;
	struct cadre__sig_ref s = {self != NULL ? cadre__ref_of(sys, self) : CADRE_REF_NONE, 0};
	return cadre__signal(sys, w, to, CADRE__SIG_STOP, &s, sizeof s);
}

/* Posts m, or releases it when nobody is there to take it. */
static void
sig_post_or_release(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to,
                    struct cadre__msg *m)
{
	if (sig_post(sys, w, to, m) != 0)
		cadre__msg_release(m);
}

int
cadre__signal(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, uint32_t type,
              const void *payload, size_t size)
{
	struct cadre__msg *m = cadre__msg_alloc(sizeof(struct cadre__msg) + size);
	if (m == NULL)
		return CADRE_ENOMEM;
	m->kind = CADRE__MSG_INLINE;
	m->flags = 0;
	m->dtor = NULL;
	m->data = (char *)m + sizeof(struct cadre__msg);
	sig_fill(m, type, payload, size);
	int rc = sig_post(sys, w, to, m);
	if (rc != 0)
		cadre__msg_release(m);
	return rc;
}

/* ---- links and watchers --------------------------------------------------------------- */
static int
find_link(const struct cadre__ext *x, cadre_ref r)
{
	for (uint32_t i = 0; x != NULL && i < x->nlinks; i++)
		if (cadre_ref_is_equal(x->links[i].ref, r))
			return (int)i;
	return -1;
}

/* Links a to r, keeping sig (the signal a owes r). 1: added; 0: linked
 * already (sig not taken); CADRE_ENOMEM. */
static int
add_link(struct cadre__actor *a, cadre_ref r, struct cadre__msg *sig)
{
	struct cadre__ext *x = cadre__ext_of(a, true);
	if (x == NULL)
		return CADRE_ENOMEM;
	if (find_link(x, r) >= 0)
		return 0;
	if (!cadre__grow((void **)&x->links, x->nlinks, &x->caplinks, sizeof *x->links))
		return CADRE_ENOMEM;
	x->links[x->nlinks++] = (struct cadre__link){r, sig};
	return 1;
}

/* Unlinks a from r; the link's block, or NULL if there was no link. */
static struct cadre__msg *
take_link(struct cadre__actor *a, cadre_ref r)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	int i = find_link(x, r);
	if (i < 0)
		return NULL;
	struct cadre__msg *sig = x->links[i].sig;
	x->links[i] = x->links[--x->nlinks];
	return sig;
}

static int
find_watch(const struct cadre__watch *v, uint32_t n, uint64_t monitor)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i].monitor == monitor)
			return (int)i;
	return -1;
}

/* At death: the ordinary mail visible now, as a bundle (NULL if none). */
static struct cadre_mail *
take_leftovers(struct cadre_system *sys, struct cadre__actor *a)
{
	struct cadre_mail *mail = NULL;
	cadre_mb_node *n;
	while ((n = cadre__mb_pop_normal(&a->mb)) != NULL) {
		if (mail == NULL) {
			mail = cadre__alloc(sizeof *mail);
			if (mail == NULL) {
				/* cannot bundle: this one (and the rest, at reclaim)
				 * become dead letters */
				cadre__dead_letter(sys, cadre__tls_worker, cadre__ref_of(sys, a),
				                   (struct cadre__msg *)n, CADRE_ENOACTOR);
				return NULL;
			}
			*mail = (struct cadre_mail){n, n, 0, cadre__ref_of(sys, a)};
		} else {
			mail->last->next = n;
			mail->last = n;
		}
		n->next = NULL;
		mail->count++;
	}
	return mail;
}

static const cadre_exit noproc = {CADRE_EXIT_NOPROC, 0, "no such actor"};

/* ---- the public API -------------------------------------------------------------- */
int
cadre_link(cadre_actor *self, cadre_ref other)
{
	struct cadre__actor *a;
	int err = cadre__self_check(self, &a);
	if (err != 0)
		return err;
	struct cadre__worker *w = cadre__tls_worker;
	cadre_ref me = cadre__ref_of(w->sys, a);
	if (cadre_ref_is_equal(me, other))
		return 0; /* linking to oneself is a no-op, as in Erlang */
	/* The partner's block (the LINK carries it), and ours, unless we are
	 * linked already (then the LINK only makes sure the partner is). */
	bool linked = find_link(cadre__ext_of(a, false), other) >= 0;
	struct cadre__msg *theirs = sig_block(), *mine = linked ? NULL : sig_block();
	if (theirs == NULL || (!linked && (mine == NULL || add_link(a, other, mine) < 0))) {
		sig_release(theirs);
		sig_release(mine);
		return CADRE_ENOMEM; /* nothing changed */
	}
	struct cadre__sig_ref l = {me, 0};
	sig_fill(theirs, CADRE__SIG_LINK, &l, sizeof l);
	int rc = sig_post(w->sys, w, other, theirs);
	if (rc == CADRE_ENOACTOR) { /* it is gone: noproc, in its block */
		exit_fill(theirs, other, &noproc, true, NULL);
		rc = sig_post(w->sys, w, me, theirs);
	}
	if (rc != 0)
		cadre__msg_release(theirs); /* closing: signals are dropped */
	return 0;
}

int
cadre_unlink(cadre_actor *self, cadre_ref other)
{
	struct cadre__actor *a;
	int err = cadre__self_check(self, &a);
	if (err != 0)
		return err;
	struct cadre__worker *w = cadre__tls_worker;
	struct cadre__msg *sig = take_link(a, other);
	if (sig != NULL) { /* the UNLINK, in the block we kept for this link */
		struct cadre__sig_ref l = {cadre__ref_of(w->sys, a), 0};
		sig_fill(sig, CADRE__SIG_UNLINK, &l, sizeof l);
		sig_post_or_release(w->sys, w, other, sig);
	}
	return 0;
}

int
cadre_trap_exits(cadre_actor *self, bool on)
{
	struct cadre__actor *a;
	int err = cadre__self_check(self, &a);
	if (err != 0)
		return err;
	if (on)
		a->flags |= CADRE__F_TRAP_EXITS;
	else
		a->flags &= (uint8_t)~CADRE__F_TRAP_EXITS;
	return 0;
}

int
cadre_monitor(cadre_actor *self, cadre_ref target, uint64_t *monitor)
{
	if (self == NULL || monitor == NULL)
		return CADRE_EINVAL;
	struct cadre__actor *a = cadre__running(self);
	if (a == NULL)
		return CADRE_ESTATE;
	struct cadre__worker *w = cadre__tls_worker;
	struct cadre__ext *x = cadre__ext_of(a, true);
	if (x == NULL ||
	    !cadre__grow((void **)&x->monitors, x->nmonitors, &x->capmonitors, sizeof *x->monitors))
		return CADRE_ENOMEM;
	struct cadre__msg *sig = sig_block(); /* the DOWN's block: the MONITOR carries it */
	if (sig == NULL)
		return CADRE_ENOMEM; /* nothing changed */
	/* Unique in the system for its lifetime: this thread's own sequence
	 * (55 bits: it does not wrap) above its index (< CADRE__MAX_THREADS,
	 * which fits in CADRE__MONITOR_INDEX_BITS: static assert). Only a
	 * thread running self gets here (cadre__running), so w is a worker or
	 * pool thread of self's system; an outside thread got CADRE_ESTATE. */
	uint64_t id = (++w->monitor_seq << CADRE__MONITOR_INDEX_BITS) | w->index;
	x->monitors[x->nmonitors++] = (struct cadre__watch){id, target, NULL};
	*monitor = id;
	cadre_ref me = cadre__ref_of(w->sys, a);
	struct cadre__sig_ref m = {me, id};
	sig_fill(sig, CADRE__SIG_MONITOR, &m, sizeof m);
	int rc = sig_post(w->sys, w, target, sig);
	if (rc == CADRE_ENOACTOR) { /* it is gone: DOWN noproc, in its block */
		down_fill(sig, id, target, &noproc);
		rc = sig_post(w->sys, w, me, sig);
	}
	if (rc != 0)
		cadre__msg_release(sig); /* closing: signals are dropped */
	return 0;
}

int
cadre_demonitor(cadre_actor *self, uint64_t monitor)
{
	struct cadre__actor *a;
	int err = cadre__self_check(self, &a);
	if (err != 0)
		return err;
	struct cadre__worker *w = cadre__tls_worker;
	struct cadre__ext *x = cadre__ext_of(a, false);
	int i = x == NULL ? -1 : find_watch(x->monitors, x->nmonitors, monitor);
	if (i < 0)
		return CADRE_ENOENT;
	cadre_ref target = x->monitors[i].ref;
	x->monitors[i] = x->monitors[--x->nmonitors];
	struct cadre__sig_ref m = {cadre__ref_of(w->sys, a), monitor};
	(void)cadre__signal(w->sys, w, target, CADRE__SIG_DEMONITOR, &m, sizeof m);
	return 0;
}

int
cadre_send_exit(cadre_system *sys, cadre_ref target, const cadre_exit *reason)
{
	if (sys == NULL || reason == NULL)
		return CADRE_EINVAL;
	if (reason->kind > CADRE_EXIT_NOCONNECTION)
		return CADRE_EINVAL;
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__actor *self = w != NULL ? cadre__tls_actor : NULL;
	struct cadre__sig_exit e = {self != NULL ? cadre__ref_of(sys, self) : CADRE_REF_NONE,
	                            *reason, false, NULL};
	return cadre__signal(sys, w, target, CADRE__SIG_EXIT, &e, sizeof e);
}

int
cadre_kill(cadre_system *sys, cadre_ref target)
{
	cadre_exit k = {CADRE_EXIT_KILLED, 0, "killed"};
	return cadre_send_exit(sys, target, &k);
}

/* ---- at spawn, start and death ----------------------------------------------------- */
int
cadre__links_at_spawn(struct cadre__worker *w, struct cadre__actor *child, uint32_t flags)
{
	if (flags & CADRE_SPAWN_TRAP_EXITS)
		child->flags |= CADRE__F_TRAP_EXITS;
	if (flags & CADRE_SPAWN_KEEP_MAIL)
		child->flags |= CADRE__F_KEEP_MAIL;
	if ((flags & (CADRE_SPAWN_LINK | CADRE_SPAWN_NOTIFY_STARTED)) == 0)
		return 0;
	struct cadre__actor *parent = cadre__tls_actor;
	cadre_ref pref = cadre__ref_of(w->sys, parent);
	struct cadre__ext *x = cadre__ext_of(child, true);
	if (x == NULL)
		return CADRE_ENOMEM;
	x->parent = pref;
	if (flags & CADRE_SPAWN_NOTIFY_STARTED) {
		if ((x->started = sig_block()) == NULL)
			return CADRE_ENOMEM;
		x->notify_started = pref;
	}
	if ((flags & CADRE_SPAWN_LINK) == 0)
		return 0;
	/* Both sides, each with the EXIT it owes the other, before the child
	 * can run: no signal can be missed. */
	struct cadre__msg *up = sig_block(), *down = sig_block();
	if (up != NULL && down != NULL && add_link(child, pref, up) == 1) {
		if (add_link(parent, cadre__ref_of(w->sys, child), down) == 1)
			return 0;
		(void)take_link(child, pref); /* up, released below */
	}
	sig_release(up);
	sig_release(down);
	sig_release(x->started); /* the rest of x goes with the failed spawn */
	x->started = NULL;
	return CADRE_ENOMEM;
}

int
cadre__link_at_spawn_remote(struct cadre__actor *child, cadre_ref partner)
{
	struct cadre__ext *x = cadre__ext_of(child, true);
	struct cadre__msg *up = x != NULL ? sig_block() : NULL;
	if (up == NULL || add_link(child, partner, up) != 1) {
		sig_release(up);
		return CADRE_ENOMEM;
	}
	x->parent = partner;
	return 0;
}

void
cadre__notify_started(struct cadre__worker *w, struct cadre__actor *a)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	if (x == NULL || x->started == NULL || (a->flags & CADRE__F_STARTED_LATER))
		return;
	cadre_started_msg s = {cadre__ref_of(w->sys, a)};
	sig_fill(x->started, CADRE__SIG_STARTED, &s, sizeof s);
	sig_post_or_release(w->sys, w, x->notify_started, x->started);
	x->started = NULL;
	x->notify_started = CADRE_REF_NONE;
}

void
cadre__signals_on_death(struct cadre__worker *w, struct cadre__actor *a, const cadre_exit *why)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	if (x == NULL)
		return;
	struct cadre_system *sys = w->sys;
	cadre_ref me = cadre__ref_of(sys, a);
	struct cadre_mail *mail = NULL;
	if ((a->flags & CADRE__F_KEEP_MAIL) && find_link(x, x->parent) >= 0)
		mail = take_leftovers(sys, a);
	for (uint32_t i = 0; i < x->nlinks; i++) { /* the EXITs, in their blocks */
		struct cadre__link *l = &x->links[i];
		struct cadre_mail *m = cadre_ref_is_equal(l->ref, x->parent) ? mail : NULL;
		exit_fill(l->sig, me, why, true, m);
		if (sig_post(sys, w, l->ref, l->sig) != 0) {
			cadre__msg_release(l->sig);
			cadre__mail_drop(sys, w, m); /* nobody to hand it to */
		}
	}
	for (uint32_t i = 0; i < x->nwatchers; i++) { /* the DOWNs, in theirs */
		struct cadre__watch *v = &x->watchers[i];
		down_fill(v->sig, v->monitor, me, why);
		sig_post_or_release(sys, w, v->ref, v->sig);
	}
	x->nlinks = x->nwatchers = 0;
	sig_release(x->started); /* it never started */
	x->started = NULL;
	cadre__unmute_all(w, a);
	for (uint32_t i = 0; i < x->nmonitors; i++) {
		struct cadre__sig_ref m = {me, x->monitors[i].monitor};
		(void)cadre__signal(sys, w, x->monitors[i].ref, CADRE__SIG_DEMONITOR, &m, sizeof m);
	}
	cadre__ext_free(a);
}

/* A signal found in a dead actor's mailbox at reclamation. */
void
cadre__signal_to_dead(struct cadre_system *sys, struct cadre__worker *w, struct cadre__actor *a,
                      struct cadre__msg *m)
{
	cadre_ref me = cadre__ref_of(sys, a);
	if (m->type == CADRE__SIG_LINK || m->type == CADRE__SIG_MONITOR) {
		/* the block it carries comes back: EXIT / DOWN noproc */
		struct cadre__sig_ref r = *(const struct cadre__sig_ref *)m->data;
		if (m->type == CADRE__SIG_LINK)
			exit_fill(m, me, &noproc, true, NULL);
		else
			down_fill(m, r.monitor, me, &noproc);
		sig_post_or_release(sys, w, r.from, m);
		return;
	}
	if (m->type == CADRE__SIG_EXIT) {
		const struct cadre__sig_exit *e = m->data;
		cadre__mail_drop(sys, w, e->mail);
	} else if (m->type == CADRE__SIG_MUTE && w != NULL) {
		/* We are dead: the sender must not wait for us, closing or not
		 * (mute.c: a muted sender that is never woken never runs its
		 * stop request, and shutdown would wait for it forever). */
		const struct cadre__sig_ref *mu = m->data;
		cadre__unmute(w, mu->from);
	}
	cadre__msg_free(m);
}

/* ---- receiving signals ------------------------------------------------------------- */
static int
deliver_as(struct cadre__worker *w, struct cadre__actor *a, uint32_t type, const void *data,
           size_t size, cadre_ref sender)
{
	cadre_msg view = {type, (uint32_t)size, data, sender};
	return w->sys->hooks.deliver(w, a, &view);
}

/* An exit signal: kills, is ignored (unlinked meanwhile, or normal and not
 * trapped), or is delivered as a CADRE_MSG_EXIT message. */
static int
handle_exit(struct cadre__worker *w, struct cadre__actor *a, const struct cadre__sig_exit *e)
{
	struct cadre_mail *mail = e->mail;
	if (!e->linked && e->reason.kind == CADRE_EXIT_KILLED) {
		cadre__mail_drop(w->sys, w, mail);
		w->exit_signalled = true; /* for the crash report (actor/) */
		/* a kill cannot be trapped */
		return w->sys->hooks.finish(w, a, e->reason);
	}
	if (e->linked) {
		struct cadre__msg *mine = take_link(a, e->from); /* it is gone: ours is not due */
		if (mine == NULL) {
			cadre__mail_drop(w->sys, w, mail);
			return CADRE__RUN_AGAIN; /* unlinked meanwhile: no signal after unlink */
		}
		cadre__msg_release(mine);
	}
	if (!(a->flags & CADRE__F_TRAP_EXITS)) {
		cadre__mail_drop(w->sys, w, mail);
		if (e->reason.kind != CADRE_EXIT_NORMAL) { /* the same reason spreads */
			w->exit_signalled = true;          /* for the crash report (actor/) */
			return w->sys->hooks.finish(w, a, e->reason);
		}
		return CADRE__RUN_AGAIN;
	}
	cadre_exit_msg em = {e->from, e->reason, e->linked != 0, mail};
	w->pending_mail = mail;
	int r = deliver_as(w, a, CADRE_MSG_EXIT, &em, sizeof em, e->from);
	cadre__mail_drop(w->sys, w, w->pending_mail); /* unclaimed: dead */
	w->pending_mail = NULL;
	return r;
}

/* LINK (m carries the block of the EXIT we will owe its sender): kept
 * with the new link, or, if we cannot record it, sent back at once as the
 * EXIT of our failure (Erlang's system_limit) before we stop. Takes m. */
static int
handle_link(struct cadre__worker *w, struct cadre__actor *a, struct cadre__msg *m)
{
	cadre_ref from = ((const struct cadre__sig_ref *)m->data)->from;
	int rc = add_link(a, from, m);
	if (rc >= 0) {
		if (rc == 0)
			cadre__msg_release(m); /* linked already: one link */
		return CADRE__RUN_AGAIN;
	}
	cadre_exit why = {CADRE_EXIT_ERROR, CADRE_ENOMEM, "link: out of memory"};
	exit_fill(m, cadre__ref_of(w->sys, a), &why, true, NULL);
	sig_post_or_release(w->sys, w, from, m);
	return w->sys->hooks.finish(w, a, why);
}

/* MONITOR (m carries the block of the DOWN we will owe its sender): kept
 * with the new watcher, or, if we cannot record it, sent back at once as
 * the DOWN of our failure before we stop. Takes m. */
static int
handle_monitor(struct cadre__worker *w, struct cadre__actor *a, struct cadre__msg *m)
{
	struct cadre__sig_ref mo = *(const struct cadre__sig_ref *)m->data;
	struct cadre__ext *x = cadre__ext_of(a, true);
	if (x != NULL && cadre__grow((void **)&x->watchers, x->nwatchers, &x->capwatchers,
	                             sizeof *x->watchers)) {
		x->watchers[x->nwatchers++] = (struct cadre__watch){mo.monitor, mo.from, m};
		return CADRE__RUN_AGAIN;
	}
	cadre_exit why = {CADRE_EXIT_ERROR, CADRE_ENOMEM, "monitor: out of memory"};
	down_fill(m, mo.monitor, cadre__ref_of(w->sys, a), &why);
	sig_post_or_release(w->sys, w, mo.from, m);
	return w->sys->hooks.finish(w, a, why);
}

static void
handle_demonitor(struct cadre__actor *a, const struct cadre__sig_ref *mo)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	int i = x == NULL ? -1 : find_watch(x->watchers, x->nwatchers, mo->monitor);
	if (i >= 0) {
		cadre__msg_release(x->watchers[i].sig); /* its DOWN is not due */
		x->watchers[i] = x->watchers[--x->nwatchers];
	}
}

static int
handle_down(struct cadre__worker *w, struct cadre__actor *a, const cadre_down_msg *d)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	int i = x == NULL ? -1 : find_watch(x->monitors, x->nmonitors, d->monitor);
	if (i < 0)
		return CADRE__RUN_AGAIN; /* demonitored meanwhile */
	x->monitors[i] = x->monitors[--x->nmonitors];
	return deliver_as(w, a, CADRE_MSG_DOWN, d, sizeof *d, d->actor);
}

static void
handle_mute(struct cadre__worker *w, struct cadre__actor *a, const struct cadre__sig_ref *mu)
{
	/* Relaxed: our own bit, as in cadre__mute. */
	if (cadre__load_rlx_u32(&a->sig) & CADRE__SIG_F_OVERLOADED) {
		struct cadre__ext *x = cadre__ext_of(a, true);
		if (x != NULL &&
		    cadre__grow((void **)&x->muted, x->nmuted, &x->capmuted, sizeof *x->muted)) {
			x->muted[x->nmuted++] = mu->from;
			return;
		}
	}
	cadre__unmute(w, mu->from); /* we cope already (or cannot keep it): wake it now */
}

int
cadre__signal_handle(struct cadre__worker *w, struct cadre__actor *a, struct cadre__msg *m)
{
	if (m->type == CADRE__SIG_LINK)
		return handle_link(w, a, m); /* m becomes a block of ours */
	if (m->type == CADRE__SIG_MONITOR)
		return handle_monitor(w, a, m);
	int r = CADRE__RUN_AGAIN;
	const struct cadre__sig_ref *ref = m->data;
	switch (m->type) {
	case CADRE__SIG_EXIT:
		r = handle_exit(w, a, m->data);
		break;
	case CADRE__SIG_UNLINK:
		sig_release(take_link(a, ref->from)); /* the EXIT we owed it is not due */
		break;
	case CADRE__SIG_DEMONITOR:
		handle_demonitor(a, ref);
		break;
	case CADRE__SIG_DOWN:
		r = handle_down(w, a, m->data);
		break;
	case CADRE__SIG_MUTE:
		handle_mute(w, a, ref);
		break;
	case CADRE__SIG_STARTED: {
		const cadre_started_msg *s = m->data;
		r = deliver_as(w, a, CADRE_MSG_STARTED, s, sizeof *s, s->actor);
		break;
	}
	default:
		break;
	}
	/* A finished actor's run is over; m is ours to free either way. */
	cadre__msg_free(m);
	return r;
}
