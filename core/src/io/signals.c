/* Cadre: POSIX signals as messages (cadre_signal_subscribe).
 *
 * Design notes.
 *
 * Dispositions are the process's, systems are many. A signal number gets
 * Cadre's handler at its first subscription in the process (the action
 * it replaces is saved) and gets that action back when its last
 * subscription, in any system, ends: an unsubscribe, the subscriber's
 * stop, or its system's shutdown. `glock` serialises these changes
 * (never taken by the handler).
 *
 * The handler does only async-signal-safe things: atomic adds on
 * lock-free words and a write(2) to an eventfd, errno saved and restored.
 * Each system that has subscriptions holds one of SLOTS slots: a mask of
 * the signal numbers it listens to, a count of arrivals per number, and
 * its eventfd. For each slot whose mask has the number, the handler adds
 * one to the count and then writes the eventfd. The system's reader (the
 * I/O thread, which watches the eventfd) reads the eventfd first, then
 * takes each count with an exchange: an arrival counted after the
 * exchange writes the eventfd after it, so the reader comes again; none
 * is lost, and each is delivered once to each subscriber (the counts make
 * two quick raises two events, where the kernel may fold two pending
 * signals into one handler call: POSIX's own rule).
 *
 * A slot's eventfd is closed while a handler may be inside it: `busy`
 * counts handlers in the slot. The handler does [add busy (seq_cst); load
 * fd (seq_cst)], the closer [store fd = none (seq_cst); load busy
 * (seq_cst)] and closes only once busy is 0: Dekker, so a handler either
 * sees no fd or is waited for. The handler never waits; the closer may
 * yield a moment (it never runs inside the handler of its own thread: a
 * handler returns before the code it interrupted goes on).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cadre__ioaux.h"

#define SLOTS 64u    /* systems with subscriptions at once, in the process */
#define MAX_SIGNO 64 /* the highest signal number Linux has (SIGRTMAX) */
#define NO_FD 0u     /* slot.fd holds the fd + 1; 0: none */

struct slot {
	uint64_t mask;                   /* bit signo: the system listens (seq_cst RMW) */
	uint32_t fd;                     /* the eventfd + 1, NO_FD: free (seq_cst) */
	uint32_t busy;                   /* handlers inside the slot (seq_cst) */
	uint32_t pending[MAX_SIGNO + 1]; /* arrivals not yet delivered (seq_cst) */
};

static struct slot slots[SLOTS];
static pthread_mutex_t glock = PTHREAD_MUTEX_INITIALIZER;
static bool slot_taken[SLOTS];                /* glock */
static unsigned users[MAX_SIGNO + 1];         /* systems listening, per signo (glock) */
static struct sigaction saved[MAX_SIGNO + 1]; /* the replaced actions (glock) */

struct sub {
	int signo;
	cadre_ref who;
};

/* A system's signals. */
struct cadre__sigs {
	pthread_mutex_t lock; /* subs, per_signo, closed */
	struct sub *subs;
	size_t n, cap;
	uint64_t count;                    /* n, for the cheap look at an actor's stop (relaxed) */
	unsigned per_signo[MAX_SIGNO + 1]; /* subscriptions per signo in this system */
	unsigned slot;
	int efd;
	cadre_io poll; /* the I/O thread's poll of efd */
	bool closed;
};

/* ---- the handler ------------------------------------------------------------ */
static void
on_signal(int signo)
{
	int saved_errno = errno;
	uint64_t bit = UINT64_C(1) << (signo - 1);
	for (unsigned i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[i];
		/* seq_cst: the mask bit is set before the handler is installed. */
		/* seq_cst: pairs with listen_on's fetch-or, made before the handler
		 * was installed. */
		if ((cadre__load_sc_u64(&s->mask) & bit) == 0)
			continue;
		cadre__faa_sc_u32(&s->busy, 1);           /* seq_cst: Dekker with slot_close */
		uint32_t fd = cadre__load_sc_u32(&s->fd); /* seq_cst: Dekker with slot_close */
		if (fd != NO_FD) {
			/* seq_cst add before the write: the reader reads the eventfd,
			 * then exchanges the count (Design notes). */
			cadre__faa_sc_u32(&s->pending[signo], 1);
			uint64_t one = 1;
			ssize_t w = write((int)fd - 1, &one, sizeof one);
			(void)w; /* EAGAIN: the counter is full, the reader comes anyway */
		}
		cadre__faa_sc_u32(&s->busy, (uint32_t)-1); /* seq_cst: pairs with slot_close */
	}
	errno = saved_errno;
}

/* ---- slots and dispositions (glock held) ------------------------------------- */
static int
slot_open(struct cadre__sigs *g)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		if (slot_taken[i])
			continue;
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fd < 0)
			return errno == ENOMEM ? CADRE_ENOMEM : CADRE_ESYS;
		slot_taken[i] = true;
		struct slot *s = &slots[i];
		for (int k = 0; k <= MAX_SIGNO; k++)
			cadre__store_rlx_u32(&s->pending[k], 0); /* published by the store below */
		cadre__store_rlx_u64(&s->mask, 0);               /* published by the store below */
		cadre__xchg_sc_u32(&s->fd, (uint32_t)fd + 1); /* seq_cst: as the handler's load */
		g->slot = i;
		g->efd = fd;
		return 0;
	}
	return CADRE_EBUSY; /* SLOTS systems listen already */
}

static void
slot_close(struct cadre__sigs *g)
{
	struct slot *s = &slots[g->slot];
	cadre__xchg_sc_u64(&s->mask, 0);          /* seq_cst: as the handler's mask load */
	cadre__xchg_sc_u32(&s->fd, NO_FD);        /* seq_cst: Dekker with the handler's busy add */
	while (cadre__load_sc_u32(&s->busy) != 0) /* seq_cst: pairs with the handler's adds */
		sched_yield();
	close(g->efd);
	g->efd = -1;
	slot_taken[g->slot] = false;
}

/* The system listens to signo from now on (its first subscription). */
static int
listen_on(struct cadre__sigs *g, int signo)
{
	struct slot *s = &slots[g->slot];
	/* seq_cst: the bit is visible before the handler can run for it. */
	cadre__fetch_or_sc_u64(&s->mask, UINT64_C(1) << (signo - 1));
	if (users[signo]++ > 0)
		return 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(signo, &sa, &saved[signo]) == 0)
		return 0;
	users[signo]--;
	cadre__fetch_and_sc_u64(&s->mask, ~(UINT64_C(1) << (signo - 1))); /* seq_cst: as above */
	return CADRE_EINVAL; /* the kernel or the C library keeps it */
}

/* The system's last subscription to signo ended. */
static void
listen_off(struct cadre__sigs *g, int signo)
{
	/* seq_cst: as the handler's mask load (an arrival that still sees the
	 * bit counts in pending: dropped at the next drain, no subscriber). */
	cadre__fetch_and_sc_u64(&slots[g->slot].mask, ~(UINT64_C(1) << (signo - 1)));
	if (--users[signo] == 0)
		sigaction(signo, &saved[signo], NULL);
}

/* ---- a system's state ----------------------------------------------------------- */
static struct cadre__sigs *
sigs_of(struct cadre_system *sys)
{
	/* Acquire: pairs with the release store in sigs_get. */
	return cadre__load_acq_ptr((void *const *)&sys->sigs);
}

/* The I/O thread: the system's eventfd is readable. */
static void
efd_ready(void *arg, int fd, uint32_t events)
{
	(void)fd, (void)events;
	cadre__sigs_drain(arg);
}

/* The system's state, made at its first subscription (glock held). */
static int
sigs_get(struct cadre_system *sys, struct cadre__sigs **out)
{
	struct cadre__sigs *g = sigs_of(sys);
	if (g == NULL) {
		if ((g = cadre__alloc_zero(sizeof *g)) == NULL)
			return CADRE_ENOMEM;
		g->efd = -1;
		int rc = slot_open(g);
		if (rc == 0)
			rc = cadre__io_poll_add(sys, g->efd, EPOLLIN, efd_ready, sys, &g->poll);
		if (rc == CADRE_EEXIST || rc == CADRE_EBADF || rc == CADRE_EINVAL)
			rc = CADRE_ESYS; /* the engine refused a fresh eventfd: not the caller's doing */
		if (rc != 0) {
			if (g->efd >= 0)
				slot_close(g);
			cadre__free(g, sizeof *g);
			return rc;
		}
		pthread_mutex_init(&g->lock, NULL);
		/* Release: the state before the pointer; pairs with sigs_of. */
		cadre__store_rel_ptr((void **)&sys->sigs, g);
	}
	*out = g;
	return 0;
}

static bool
signo_ok(int signo)
{
	if (signo < 1 || signo > MAX_SIGNO || signo >= NSIG)
		return false;
	switch (signo) {
	case SIGKILL: /* cannot be caught */
	case SIGSTOP:
	case SIGSEGV: /* synchronous faults: a handler that returns re-runs the fault */
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGTRAP:
	case SIGSYS:
		return false;
	default:
		return signo < 32 || signo >= SIGRTMIN; /* 32, 33: the C library's own */
	}
}

/* Removes subscription i (g->lock and glock held). */
static void
sub_remove(struct cadre__sigs *g, size_t i)
{
	int signo = g->subs[i].signo;
	g->subs[i] = g->subs[--g->n];
	cadre__store_rlx_u64(&g->count, g->n); /* a hint for cadre__sigs_actor_gone */
	if (--g->per_signo[signo] == 0)
		listen_off(g, signo);
}

static int
sub_add(struct cadre__sigs *g, int signo, cadre_ref who)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->subs[i].signo == signo && cadre_ref_is_equal(g->subs[i].who, who))
			return 0; /* already: one subscription */
	if (g->n == g->cap) {
		size_t cap = g->cap != 0 ? g->cap * 2 : 8;
		struct sub *s = cadre__alloc(cap * sizeof *s);
		if (s == NULL)
			return CADRE_ENOMEM;
		if (g->n != 0)
			memcpy(s, g->subs, g->n * sizeof *s);
		cadre__free(g->subs, g->cap * sizeof *s);
		g->subs = s;
		g->cap = cap;
	}
	if (g->per_signo[signo] == 0) {
		int rc = listen_on(g, signo);
		if (rc != 0)
			return rc;
	}
	g->per_signo[signo]++;
	g->subs[g->n++] = (struct sub){signo, who};
	cadre__store_rlx_u64(&g->count, g->n); /* a hint for cadre__sigs_actor_gone */
	return 0;
}

/* ---- the public calls ------------------------------------------------------------ */
static int
check_call(cadre_actor *self, int signo, struct cadre_system **sys, cadre_ref *who,
           struct cadre__actor **ap)
{
	struct cadre__actor *a;
	int rc = cadre__self_check(self, &a);
	if (rc != 0)
		return rc;
	if (cadre__tls_worker->sys->sim != NULL)
		return CADRE_ESTATE; /* the deterministic mode: no signals (cadre/sim.h) */
	if (!signo_ok(signo))
		return CADRE_EINVAL;
	*sys = cadre__tls_worker->sys;
	*who = cadre__ref_of(*sys, a);
	*ap = a;
	/* seq_cst load: as every closing check (shutdown's exchange). */
	return cadre__load_sc_u32(&(*sys)->closing) ? CADRE_ECLOSED : 0;
}

int
cadre_signal_subscribe(cadre_actor *self, int signo)
{
	struct cadre_system *sys;
	cadre_ref who;
	struct cadre__actor *a;
	int rc = check_call(self, signo, &sys, &who, &a);
	if (rc != 0)
		return rc;
	/* Its finish must end the subscription: the engine's finish hook runs
	 * for actors marked CADRE__SIG_F_IO (io/engine.c). acq_rel fetch-or:
	 * pairs with the finish's fetch-or of IO_DONE (actor/stop.c), which
	 * comes after this on the actor's own thread (it is running, or in its
	 * stop callback). */
	(void)cadre__fetch_or_acqrel_u32(&a->sig, CADRE__SIG_F_IO);
	pthread_mutex_lock(&glock);
	struct cadre__sigs *g;
	rc = sigs_get(sys, &g);
	if (rc == 0) {
		pthread_mutex_lock(&g->lock);
		rc = g->closed ? CADRE_ECLOSED : sub_add(g, signo, who);
		pthread_mutex_unlock(&g->lock);
	}
	pthread_mutex_unlock(&glock);
	return rc;
}

int
cadre_signal_unsubscribe(cadre_actor *self, int signo)
{
	struct cadre_system *sys;
	cadre_ref who;
	struct cadre__actor *a;
	int rc = check_call(self, signo, &sys, &who, &a);
	if (rc != 0)
		return rc;
	struct cadre__sigs *g = sigs_of(sys);
	if (g == NULL)
		return CADRE_ENOENT;
	rc = CADRE_ENOENT;
	pthread_mutex_lock(&glock);
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->n; i++) {
		if (g->subs[i].signo == signo && cadre_ref_is_equal(g->subs[i].who, who)) {
			sub_remove(g, i);
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&g->lock);
	pthread_mutex_unlock(&glock);
	return rc;
}

/* ---- the engine's side ------------------------------------------------------------ */
void
cadre__sigs_actor_gone(struct cadre_system *sys, cadre_ref who)
{
	struct cadre__sigs *g = sigs_of(sys);
	/* Relaxed: a hint. A subscription is made by the actor itself, in a
	 * callback, before it can finish: its own thread wrote the count. */
	if (g == NULL || cadre__load_rlx_u64(&g->count) == 0)
		return;
	/* Most actors that finish with CADRE__SIG_F_IO owned sockets, not
	 * subscriptions: look first under the system's lock only, not the
	 * process's. The actor is finishing on this thread: it subscribes to
	 * nothing more meanwhile. */
	pthread_mutex_lock(&g->lock);
	bool any = false;
	for (size_t i = 0; i < g->n && !any; i++)
		any = cadre_ref_is_equal(g->subs[i].who, who);
	pthread_mutex_unlock(&g->lock);
	if (!any)
		return;
	pthread_mutex_lock(&glock);
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->n;) {
		if (cadre_ref_is_equal(g->subs[i].who, who))
			sub_remove(g, i); /* moves the last one to i */
		else
			i++;
	}
	pthread_mutex_unlock(&g->lock);
	pthread_mutex_unlock(&glock);
}

/* One arrival of signo to every subscriber (g->lock held). */
static void
deliver(struct cadre_system *sys, struct cadre__sigs *g, int signo)
{
	for (size_t i = 0; i < g->n; i++) {
		if (g->subs[i].signo != signo)
			continue;
		struct cadre__iomsg *m = cadre__ioaux_msg_new(sys, 0);
		if (m == NULL)
			return; /* out of memory: this arrival is lost for the rest */
		m->ev.kind = CADRE_IO_SIGNAL;
		m->ev.signo = signo;
		cadre__ioaux_deliver(sys, g->subs[i].who, m, 0);
	}
}

void
cadre__sigs_drain(struct cadre_system *sys)
{
	struct cadre__sigs *g = sigs_of(sys);
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	if (g->closed) {
		pthread_mutex_unlock(&g->lock);
		return;
	}
	uint64_t v;
	ssize_t r = read(g->efd, &v, sizeof v); /* first: see the Design notes */
	(void)r;                                /* EAGAIN: nothing new, look anyway */
	struct slot *s = &slots[g->slot];
	for (int signo = 1; signo <= MAX_SIGNO; signo++) {
		/* seq_cst exchange: pairs with the handler's add (Design notes). */
		uint32_t n = cadre__xchg_sc_u32(&s->pending[signo], 0);
		for (uint32_t k = 0; k < n; k++)
			deliver(sys, g, signo);
	}
	pthread_mutex_unlock(&g->lock);
}

void
cadre__sigs_stop(struct cadre_system *sys)
{
	struct cadre__sigs *g = sigs_of(sys);
	if (g == NULL)
		return;
	/* Unhooked first, with no lock held: the reader takes g->lock. (At
	 * shutdown the I/O thread has stopped already.) */
	if (g->efd >= 0)
		(void)cadre__io_poll_del(sys, g->poll);
	pthread_mutex_lock(&glock);
	pthread_mutex_lock(&g->lock);
	if (!g->closed) {
		while (g->n > 0)
			sub_remove(g, g->n - 1);
		g->closed = true;
		slot_close(g);
	}
	pthread_mutex_unlock(&g->lock);
	pthread_mutex_unlock(&glock);
}

void
cadre__sigs_free(struct cadre_system *sys)
{
	struct cadre__sigs *g = sigs_of(sys);
	if (g == NULL)
		return;
	cadre__sigs_stop(sys);
	cadre__free(g->subs, g->cap * sizeof *g->subs);
	pthread_mutex_destroy(&g->lock);
	cadre__free(g, sizeof *g);
	sys->sigs = NULL;
}
