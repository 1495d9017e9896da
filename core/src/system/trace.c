/* Cadre: the scheduling trace: its rings, recording, start and stop, and
 * the dump on a fatal signal. The export is trace_json.c.
 *
 * Design notes.
 *
 * Rings. Each worker thread writes its own ring (one writer: no RMW, no
 * contended line), reached through w->trace. Every other thread (the timer
 * thread, the I/O thread, the program's threads that send or spawn)
 * records into one shared ring through sys->trace_out, claiming a slot with
 * one atomic add on its head: those threads are not on the message path
 * of a busy system (a timer fire, an I/O event, a send from outside), and
 * one ring keeps the export and the memory simple; each event carries the
 * thread's track number (cadre__trace_name_thread). Per-thread rings for
 * outside threads would need a registry of threads that come and go.
 *
 * Off costs one load and one predictable branch per hook: the ring pointer
 * is NULL (CADRE__TRACE in cadre__trace.h), and the event's arguments are
 * evaluated only when it is not.
 *
 * The slot protocol (a seqlock per slot, every word an atomic, so a reader
 * on any thread, even a signal handler, may read while writers write):
 *   writer: seq = 0 (relaxed), then ts, ref, arg with release stores (each
 *           orders seq = 0 before it), then seq = n + 1 (release: the words
 *           before it);
 *   reader: s1 = seq (acquire), the words (acquire: the second load of seq
 *           stays after them), s2 = seq; the event is n's if s1 == s2 == n + 1.
 * A word read from a later writer (event n + size) comes after that
 * writer's seq = 0, which the reader's acquire load of the word makes
 * visible: s2 then differs. On x86-64 all of these are plain moves.
 * (Two outside threads a whole ring apart on one slot at the same instant
 * could mix their words: it takes `size` other events during one write.)
 *
 * Start and stop. cadre_trace_start makes a fresh set of rings and
 * publishes their pointers (release); cadre_trace_stop stores NULL. A
 * thread that loaded a pointer just before the stop may still write one
 * event there, so a set is never freed before the system is: sets are
 * kept on a list, the newest first (the one cadre_trace_write reads).
 *
 * Flow ids. A message is an arrow from its send to its receive, with the
 * message block's address as the flow id: a receive is recorded before
 * the block is freed, so a reuse of the address starts a new flow after
 * the previous one ended (a message that becomes a dead letter has no
 * receive: its arrow has no end, and a later flow with the same address
 * may be attached to it by the viewer). The 48-byte block has no spare
 * field for a counter, and a counter would cost every send an RMW when
 * the trace is off too.
 *
 * The dump. cadre_config.trace_dump_path registers the system in a small
 * table read by a handler of SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT
 * (installed once per process, the previous actions saved): it writes each
 * registered system's rings with async-signal-safe calls only (open,
 * write, close; trace_json.c formats numbers itself into a stack buffer),
 * restores the previous action and raises the signal again.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cadre/trace.h>

#include "cadre__system.h"
#include "cadre__tracefmt.h"

/* ---- recording -------------------------------------------------------------- */

static _Thread_local unsigned char trace_tid;
static uint32_t next_tid = CADRE__TRACE_TID_FIRST; /* atomic add */

void
cadre__trace_name_thread(unsigned tid)
{
	trace_tid = (unsigned char)tid;
}

static unsigned
my_tid(void)
{
	if (trace_tid == CADRE__TRACE_TID_OTHER) {
		/* acq_rel add (the only add on u32 there is): a number, nothing published with it. */
		uint32_t t = cadre__faa_acqrel_u32(&next_tid, 1);
		trace_tid = (unsigned char)(t > 255 ? 255 : t);
	}
	return trace_tid;
}

/* An event's stamp: the trace's clock, or, in the deterministic mode
 * (runtime/sim.c), the virtual clock in ns, so that one seed gives one
 * trace (only its single driving thread records then: a plain read). */
static inline uint64_t
stamp(const struct cadre_system *sys)
{
	return sys != NULL && sys->sim != NULL ? sys->sim->now_ns : cadre__trace_clock();
}

__attribute__((noinline, cold)) void
cadre__trace_put(struct cadre_system *sys, struct cadre__tring *r, unsigned kind, uint64_t ref,
                 uint64_t payload)
{
	uint64_t n;
	unsigned tid = 0;
	if (r->shared) {
		tid = my_tid();
		n = cadre__faa_acqrel_u64(&r->head, 1); /* acq_rel: claims n among writers */
	} else {
		n = cadre__load_rlx_u64(&r->head); /* one writer: the owner */
		/* Relaxed: readers take head as a hint and check each slot's seq. */
		cadre__store_rlx_u64(&r->head, n + 1);
	}
	struct cadre__tslot *s = &r->slots[n & r->mask];
	uint64_t arg =
	        ((uint64_t)kind << 56) | ((uint64_t)tid << 48) | (payload & CADRE__TEV_PAYLOAD);
	cadre__store_rlx_u64(&s->seq, 0); /* busy: ordered before the words by their release */
	/* Release stores: each orders seq = 0 before it (the reader's acquire
	 * load of a word then sees seq changed: the protocol above). */
	cadre__store_rel_u64(&s->ts, stamp(sys));
	cadre__store_rel_u64(&s->ref, ref);
	cadre__store_rel_u64(&s->arg, arg);
	cadre__store_rel_u64(&s->seq,
	                     n + 1); /* release: the words; pairs with the reader's acquire */
}

void
cadre__trace_each(const struct cadre__tring *r, cadre__trace_each_fn *fn, void *ctx)
{
	uint64_t size = r->mask + 1;
	uint64_t head = cadre__load_acq_u64(&r->head); /* a hint: each slot is checked */
	uint64_t from = head > size ? head - size : 0;
	for (uint64_t n = from; n < head; n++) {
		const struct cadre__tslot *s = &r->slots[n & r->mask];
		struct cadre__tslot ev;
		/* Acquire loads throughout: the protocol in the Design notes
		 * (pairs with the writer's release stores). */
		ev.seq = cadre__load_acq_u64(&s->seq);
		if (ev.seq != n + 1)
			continue; /* being written, or already overwritten */
		ev.ts = cadre__load_acq_u64(&s->ts);
		ev.ref = cadre__load_acq_u64(&s->ref);
		ev.arg = cadre__load_acq_u64(&s->arg);
		if (cadre__load_acq_u64(&s->seq) != n + 1)
			continue; /* overwritten while we read it */
		fn(ctx, &ev);
	}
}

/* ---- sets of rings ---------------------------------------------------------- */

/* One recording's rings: rings[0 .. nall) the workers', rings[nall] the
 * shared one. */
struct tset {
	struct tset *older;
	uint64_t stamp0, ns0; /* the clock's first reference point (cadre__trace_ns) */
	unsigned nrings;
	size_t bytes;
	struct cadre__tring rings[];
};

#define DUMP_PATH_MAX 4096

struct cadre__trace {
	pthread_mutex_t lock; /* start and stop (never taken by a signal handler) */
	struct tset *sets;    /* newest first; read by writers of the trace (acquire) */
	uint32_t on;          /* recording (under lock; read relaxed by cadre_is_tracing) */
	int dump_slot;        /* index in the dump table, or -1 */
	char dump_path[DUMP_PATH_MAX];
};

static unsigned
round_pow2(unsigned n)
{
	unsigned p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

static struct tset *
set_new(unsigned nrings, unsigned events)
{
	uint64_t size = round_pow2(events);
	size_t head = sizeof(struct tset) + nrings * sizeof(struct cadre__tring);
	head = (head + 63) & ~(size_t)63;
	size_t bytes = head + (size_t)nrings * size * sizeof(struct cadre__tslot);
	struct tset *t = cadre__alloc_aligned(bytes, 64);
	if (t == NULL)
		return NULL;
	memset(t, 0, bytes);
	t->nrings = nrings;
	t->bytes = bytes;
	t->stamp0 = cadre__trace_clock();
	t->ns0 = cadre__now_ns();
	struct cadre__tslot *slots = (struct cadre__tslot *)(void *)((char *)t + head);
	for (unsigned i = 0; i < nrings; i++) {
		t->rings[i].mask = size - 1;
		t->rings[i].slots = slots + (size_t)i * size;
		t->rings[i].shared = i + 1 == nrings;
		t->rings[i].owner = i;
	}
	return t;
}

/* Publishes set t's rings (NULL: stops). Release stores: pair with the
 * hooks' acquire loads (CADRE__TRACE_AT): a ring is seen initialised. */
static void
publish(struct cadre_system *sys, struct tset *t)
{
	for (unsigned i = 0; i < sys->nall; i++)
		cadre__store_rel_ptr((void **)&sys->workers[i].trace,
		                     t != NULL ? &t->rings[i] : NULL);
	cadre__store_rel_ptr((void **)&sys->trace_out, t != NULL ? &t->rings[sys->nall] : NULL);
}

int
cadre_trace_start(cadre_system *sys, unsigned events_per_worker)
{
	if (sys == NULL || events_per_worker > CADRE_TRACE_MAX_EVENTS)
		return CADRE_EINVAL;
	if (events_per_worker == 0)
		events_per_worker = CADRE_TRACE_DEFAULT_EVENTS;
	struct cadre__trace *tr = sys->trace;
	/* seq_cst: as the other readers of closing (shutdown's exchange). */
	if (cadre__load_sc_u32(&sys->closing))
		return CADRE_ECLOSED;
	pthread_mutex_lock(&tr->lock);
	int rc = 0;
	if (tr->on) {
		rc = CADRE_EBUSY;
	} else {
		struct tset *t = set_new(sys->nall + 1, events_per_worker);
		if (t == NULL) {
			rc = CADRE_ENOMEM;
		} else {
			t->older = tr->sets;
			/* Release: a writer of the trace (any thread) reads the
			 * set's fields after its acquire load. */
			cadre__store_rel_ptr((void **)&tr->sets, t);
			publish(sys, t);
			cadre__store_rlx_u32(&tr->on, 1); /* relaxed: read as a hint */
		}
	}
	pthread_mutex_unlock(&tr->lock);
	return rc;
}

int
cadre_trace_stop(cadre_system *sys)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	struct cadre__trace *tr = sys->trace;
	pthread_mutex_lock(&tr->lock);
	int rc = tr->on ? 0 : CADRE_ESTATE;
	if (rc == 0) {
		publish(sys, NULL);
		cadre__store_rlx_u32(&tr->on, 0); /* relaxed: read as a hint */
	}
	pthread_mutex_unlock(&tr->lock);
	return rc;
}

bool
cadre_is_tracing(const cadre_system *sys)
{
	return sys != NULL && cadre__load_rlx_u32(&sys->trace->on) != 0; /* relaxed: a snapshot */
}

/* ---- writing ---------------------------------------------------------------- */

/* The set's rings to fd, their stamps mapped to ns between the set's start
 * and now. Async-signal-safe (clock_gettime is). */
static int
write_set(struct cadre_system *sys, int fd, const struct tset *t)
{
	struct cadre__trace_ref ref = {t->stamp0, t->ns0, cadre__trace_clock(), cadre__now_ns()};
	if (sys->sim != NULL) /* stamps are the virtual clock's ns: the identity */
		ref = (struct cadre__trace_ref){0, 0, 1, 1};
	return cadre__trace_json(sys, fd, &ref, t->rings, t->nrings);
}

int
cadre_trace_write_fd(cadre_system *sys, int fd)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	if (fd < 0)
		return CADRE_EBADF;
	/* Acquire: pairs with start's release store of the set. */
	struct tset *t = cadre__load_acq_ptr((void *const *)&sys->trace->sets);
	if (t == NULL)
		return CADRE_ESTATE;
	return write_set(sys, fd, t);
}

int
cadre_trace_write(cadre_system *sys, const char *path)
{
	if (sys == NULL || path == NULL)
		return CADRE_EINVAL;
	if (cadre__load_acq_ptr((void *const *)&sys->trace->sets) == NULL) /* as in _fd */
		return CADRE_ESTATE;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return CADRE_ESYS;
	int rc = cadre_trace_write_fd(sys, fd);
	if (close(fd) != 0 && rc == 0)
		rc = CADRE_ESYS;
	return rc;
}

/* ---- the dump on a fatal signal ----------------------------------------------- */

#define DUMP_SYSTEMS 16
static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NFATAL (sizeof fatal / sizeof fatal[0])
static struct sigaction old_action[NFATAL];
static pthread_mutex_t dump_lock = PTHREAD_MUTEX_INITIALIZER;
static bool dump_installed;                             /* under dump_lock */
static struct cadre_system *dump_systems[DUMP_SYSTEMS]; /* atomic pointers */

static void
dump_one(struct cadre_system *sys)
{
	struct cadre__trace *tr = sys->trace;
	/* Acquire: as in cadre_trace_write_fd. */
	struct tset *t = cadre__load_acq_ptr((void *const *)&tr->sets);
	if (t == NULL)
		return;
	int fd = open(tr->dump_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	(void)write_set(sys, fd, t);
	close(fd);
}

static uint32_t dumped; /* the first fatal signal dumps; later ones do not */

static void
on_fatal(int sig)
{
	/* seq_cst exchange: one thread dumps, even if several crash at once. */
	bool first = cadre__xchg_sc_u32(&dumped, 1) == 0;
	for (unsigned i = 0; first && i < DUMP_SYSTEMS; i++) {
		/* Acquire: pairs with the registration's release store. */
		struct cadre_system *sys = cadre__load_acq_ptr((void *const *)&dump_systems[i]);
		if (sys != NULL)
			dump_one(sys);
	}
	for (unsigned i = 0; i < NFATAL; i++)
		if (fatal[i] == sig)
			sigaction(sig, &old_action[i], NULL);
	raise(sig); /* blocked while we run: delivered to the restored action on return */
}

/* Registers sys for the dump; installs the handler once per process. */
static int
dump_register(struct cadre_system *sys)
{
	int slot = -1;
	pthread_mutex_lock(&dump_lock);
	/* Relaxed: under the lock, as every store of a slot (on_fatal only
	 * loads them, with acquire). */
	for (int i = 0; i < DUMP_SYSTEMS && slot < 0; i++)
		if (cadre__load_rlx_ptr((void *const *)&dump_systems[i]) == NULL)
			slot = i;
	if (slot >= 0 && !dump_installed) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_fatal;
		sigemptyset(&sa.sa_mask);
		/* One shot: a crash inside the dump (a behaviour's name freed,
		 * say) kills the process at once instead of recursing. */
		sa.sa_flags = SA_RESETHAND;
		for (unsigned i = 0; i < NFATAL; i++)
			sigaction(fatal[i], &sa, &old_action[i]);
		dump_installed = true;
	}
	if (slot >= 0)
		cadre__store_rel_ptr((void **)&dump_systems[slot], sys); /* pairs with on_fatal */
	pthread_mutex_unlock(&dump_lock);
	return slot >= 0 ? slot : CADRE_ELIMIT;
}

int
cadre__trace_init(struct cadre_system *sys, unsigned events, const char *dump_path)
{
	if (events > CADRE_TRACE_MAX_EVENTS ||
	    (dump_path != NULL && strlen(dump_path) >= DUMP_PATH_MAX))
		return CADRE_EINVAL;
	struct cadre__trace *tr = cadre__alloc(sizeof *tr);
	if (tr == NULL)
		return CADRE_ENOMEM;
	memset(tr, 0, sizeof *tr);
	pthread_mutex_init(&tr->lock, NULL);
	tr->dump_slot = -1;
	sys->trace = tr;
	if (events > 0) {
		int rc = cadre_trace_start(sys, events);
		if (rc != 0)
			return rc; /* the caller frees: cadre__trace_fini */
	}
	if (dump_path != NULL) {
		memcpy(tr->dump_path, dump_path, strlen(dump_path) + 1);
		int slot = dump_register(sys);
		if (slot < 0)
			return slot;
		tr->dump_slot = slot;
	}
	return 0;
}

void
cadre__trace_fini(struct cadre_system *sys)
{
	struct cadre__trace *tr = sys->trace;
	if (tr == NULL)
		return;
	if (tr->dump_slot >= 0) {
		pthread_mutex_lock(&dump_lock);
		/* Release: as at register (pairs with on_fatal's acquire load). */
		cadre__store_rel_ptr((void **)&dump_systems[tr->dump_slot], NULL);
		pthread_mutex_unlock(&dump_lock);
	}
	publish(sys, NULL);
	for (struct tset *t = tr->sets, *next; t != NULL; t = next) {
		next = t->older;
		cadre__free_aligned(t, t->bytes, 64);
	}
	pthread_mutex_destroy(&tr->lock);
	cadre__free(tr, sizeof *tr);
	sys->trace = NULL;
}
