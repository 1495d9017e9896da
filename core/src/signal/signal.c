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

static int
find_link(const struct cadre__ext *x, cadre_ref r)
{
	for (uint32_t i = 0; x != NULL && i < x->nlinks; i++)
		if (cadre_ref_eq(x->links[i], r))
			return (int)i;
	return -1;
}

static int
add_link(struct cadre__actor *a, cadre_ref r)
{
	struct cadre__ext *x = cadre__ext_of(a, true);
	if (x == NULL)
		return CADRE_ENOMEM;
	if (find_link(x, r) >= 0)
		return 0;
	if (!cadre__grow((void **)&x->links, x->nlinks, &x->caplinks, sizeof *x->links))
		return CADRE_ENOMEM;
	x->links[x->nlinks++] = r;
	return 0;
}

static bool
remove_link(struct cadre__actor *a, cadre_ref r)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	int i = find_link(x, r);
	if (i < 0)
		return false;
	x->links[i] = x->links[--x->nlinks];
	return true;
}

static int
find_watch(const struct cadre__watch *v, uint32_t n, uint64_t monitor)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i].monitor == monitor)
			return (int)i;
	return -1;
}

/* ---- sending signals ------------------------------------------------------------ */
int
cadre__signal(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, uint32_t type,
              const void *payload, size_t size)
{
	struct cadre__msg *m = cadre__msg_alloc(sizeof(struct cadre__msg) + size);
	if (m == NULL)
		return CADRE_ENOMEM;
	m->type = type;
	m->size = (uint32_t)size;
	m->kind = CADRE__MSG_INLINE;
	m->dtor = NULL;
	m->data = (char *)m + sizeof(struct cadre__msg);
	memcpy(m->data, payload, size);
	struct cadre__actor *self = w != NULL ? cadre__tls_actor : NULL;
	m->sender = self != NULL ? cadre__ref_of(sys, self) : CADRE_REF_NONE;

	if (w != NULL)
		cadre__outbox_flush(sys, w); /* mail sent before the signal goes first */
	struct cadre__actor *a;
	int rc = cadre__hold(sys, w, to, &a);
	if (rc != 0) {
		cadre__msg_release(m);
		return rc;
	}
	if (cadre__mb_push_system(&a->mb, &m->node) == 1)
		cadre__schedule(sys, a, CADRE__SCHED_WOKEN);
	cadre__leave(sys, w);
	return 0;
}

static void
send_exit_mail(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, cadre_ref from,
               const cadre_exit *reason, bool linked, struct cadre_mail *mail)
{
	struct cadre__sig_exit e = {from, *reason, linked, mail};
	if (cadre__signal(sys, w, to, CADRE__SIG_EXIT, &e, sizeof e) != 0)
		cadre__mail_drop(sys, w, mail); /* nobody to hand it to */
}

static void
send_exit(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, cadre_ref from,
          const cadre_exit *reason, bool linked)
{
	send_exit_mail(sys, w, to, from, reason, linked, NULL);
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

static void
send_down(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, uint64_t monitor,
          cadre_ref actor, const cadre_exit *reason)
{
	cadre_down_msg d = {monitor, actor, *reason};
	(void)cadre__signal(sys, w, to, CADRE__SIG_DOWN, &d, sizeof d);
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
	if (cadre_ref_eq(me, other))
		return 0; /* linking to oneself is a no-op, as in Erlang */
	int rc = add_link(a, other);
	if (rc != 0)
		return rc;
	struct cadre__sig_ref l = {me, 0};
	if (cadre__signal(w->sys, w, other, CADRE__SIG_LINK, &l, sizeof l) == CADRE_ENOACTOR)
		send_exit(w->sys, w, me, other, &noproc, true); /* it is gone: noproc */
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
	if (remove_link(a, other)) {
		struct cadre__sig_ref l = {cadre__ref_of(w->sys, a), 0};
		(void)cadre__signal(w->sys, w, other, CADRE__SIG_UNLINK, &l, sizeof l);
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
	uint64_t id = (++w->monitor_seq << 6) | w->index;
	x->monitors[x->nmonitors++] = (struct cadre__watch){id, target};
	*monitor = id;
	cadre_ref me = cadre__ref_of(w->sys, a);
	struct cadre__sig_ref m = {me, id};
	int rc = cadre__signal(w->sys, w, target, CADRE__SIG_MONITOR, &m, sizeof m);
	if (rc == CADRE_ENOACTOR)
		send_down(w->sys, w, me, id, target, &noproc);
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
	if (reason->kind > CADRE_EXIT_NOPROC)
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
	if (flags & CADRE_SPAWN_NOTIFY_STARTED)
		x->notify_started = pref;
	if (flags & CADRE_SPAWN_LINK) {
		/* Both sides before the child can run: no signal can be missed. */
		if (add_link(child, pref) != 0)
			return CADRE_ENOMEM;
		if (add_link(parent, cadre__ref_of(w->sys, child)) != 0)
			return CADRE_ENOMEM;
	}
	return 0;
}

void
cadre__notify_started(struct cadre__worker *w, struct cadre__actor *a)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	if (x == NULL || cadre_ref_is_none(x->notify_started) ||
	    (a->flags & CADRE__F_STARTED_LATER))
		return;
	cadre_started_msg s = {cadre__ref_of(w->sys, a)};
	(void)cadre__signal(w->sys, w, x->notify_started, CADRE__SIG_STARTED, &s, sizeof s);
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
	for (uint32_t i = 0; i < x->nlinks; i++) {
		bool to_parent = cadre_ref_eq(x->links[i], x->parent);
		send_exit_mail(sys, w, x->links[i], me, why, true, to_parent ? mail : NULL);
	}
	for (uint32_t i = 0; i < x->nwatchers; i++)
		send_down(sys, w, x->watchers[i].ref, x->watchers[i].monitor, me, why);
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
	if (m->type == CADRE__SIG_LINK) {
		const struct cadre__sig_ref *l = m->data;
		send_exit(sys, w, l->from, me, &noproc, true);
	} else if (m->type == CADRE__SIG_MONITOR) {
		const struct cadre__sig_ref *mo = m->data;
		send_down(sys, w, mo->from, mo->monitor, me, &noproc);
	} else if (m->type == CADRE__SIG_EXIT) {
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
		return w->sys->hooks.finish(w, a, e->reason); /* a kill cannot be trapped */
	}
	if (e->linked && !remove_link(a, e->from)) {
		cadre__mail_drop(w->sys, w, mail);
		return CADRE__RUN_AGAIN; /* unlinked meanwhile: no signal after unlink */
	}
	if (!(a->flags & CADRE__F_TRAP_EXITS)) {
		cadre__mail_drop(w->sys, w, mail);
		if (e->reason.kind != CADRE_EXIT_NORMAL) /* the same reason spreads */
			return w->sys->hooks.finish(w, a, e->reason);
		return CADRE__RUN_AGAIN;
	}
	cadre_exit_msg em = {e->from, e->reason, e->linked != 0, mail};
	w->pending_mail = mail;
	int r = deliver_as(w, a, CADRE_MSG_EXIT, &em, sizeof em, e->from);
	cadre__mail_drop(w->sys, w, w->pending_mail); /* unclaimed: dead */
	w->pending_mail = NULL;
	return r;
}

static int
handle_monitor(struct cadre__worker *w, struct cadre__actor *a, const struct cadre__sig_ref *mo)
{
	struct cadre__ext *x = cadre__ext_of(a, true);
	if (x == NULL ||
	    !cadre__grow((void **)&x->watchers, x->nwatchers, &x->capwatchers, sizeof *x->watchers))
		return w->sys->hooks.finish(
		        w, a,
		        (cadre_exit){CADRE_EXIT_FAILURE, CADRE_ENOMEM, "monitor: out of memory"});
	x->watchers[x->nwatchers++] = (struct cadre__watch){mo->monitor, mo->from};
	return CADRE__RUN_AGAIN;
}

static void
handle_demonitor(struct cadre__actor *a, const struct cadre__sig_ref *mo)
{
	struct cadre__ext *x = cadre__ext_of(a, false);
	int i = x == NULL ? -1 : find_watch(x->watchers, x->nwatchers, mo->monitor);
	if (i >= 0)
		x->watchers[i] = x->watchers[--x->nwatchers];
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
	int r = CADRE__RUN_AGAIN;
	const struct cadre__sig_ref *ref = m->data;
	switch (m->type) {
	case CADRE__SIG_EXIT:
		r = handle_exit(w, a, m->data);
		break;
	case CADRE__SIG_LINK:
		if (add_link(a, ref->from) !=
		    0) /* cannot keep it: fail like Erlang's system_limit */
			r = w->sys->hooks.finish(w, a,
			                         (cadre_exit){CADRE_EXIT_FAILURE, CADRE_ENOMEM,
			                                      "link: out of memory"});
		break;
	case CADRE__SIG_UNLINK:
		remove_link(a, ref->from);
		break;
	case CADRE__SIG_MONITOR:
		r = handle_monitor(w, a, ref);
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
