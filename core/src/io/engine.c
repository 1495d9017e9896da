/* Cadre: the I/O engine (cadre/io.h).
 *
 * Design notes.
 *
 * Where the poller sits: measured, two back ends (docs/performance.md,
 * "I/O: where the poller sits, A/B"). One epoll instance per system, made
 * at the first I/O call; registrations are made by the calling thread
 * (epoll_ctl is thread-safe); an eventfd, registered with a reserved tag,
 * wakes whoever waits in epoll_wait. Who waits there:
 *   - B, the worker poller (wpoll.c; the default): no I/O thread; an idle
 *     worker waits in epoll_wait instead of on its futex (one at a time),
 *     busy workers poll between runs, and an event is dispatched on the
 *     worker that found it, so its actor runs there without a thread
 *     hand-over. On echo (2 cores shared with the load generator) it used
 *     16-38% less server CPU per message and 6 to 15 times fewer context
 *     switches than A, and moved 1.3-1.5 times as many messages where the
 *     server is the bottleneck (64 connections of 4 KiB, 1,000
 *     connections); even at one connection; its p99 was worse at 64
 *     connections (events of a batch all land on the polling worker).
 *     wpoll.c's notes give its wake-up argument.
 *   - A, the I/O thread (CADRE_IO_POLLER=thread): one thread per system
 *     blocks in epoll_wait; the workers park on their futexes as before
 *     and the dispatcher does not know about I/O. Kept: it isolates I/O
 *     from callbacks that run long on every worker, and it is the
 *     reference the tests run too (each I/O test runs on both).
 * Both are epoll: nothing here needs io_uring (the file back end, files.c,
 * uses it where the kernel allows).
 *
 * The wake-up argument (A; B adds wpoll.c's). An event reaches its actor as
 * an ordinary message (type CADRE_MSG_IO), sent through core's send path:
 * by the I/O thread as an outside thread (push onto the owner's mailbox,
 * and, if the push saw the idle-to-active transition, cadre__schedule,
 * which wakes a parked worker with the park/wake protocol of sched/sched.c:
 * Dekker's pattern on the idle bitmap against the inject push), or by a
 * worker (B) as any of its sends. So no wake-up is lost between a worker
 * parking and an fd becoming ready: the fd's readiness is kept by the
 * kernel until epoll_wait returns it (level-triggered, or one-shot
 * re-armed), and from there it is a send like any other. The accounting is
 * that of any send: counted `sent`, handled or dead-lettered (an owner
 * that is gone: CADRE_ENOACTOR; a closing system: CADRE_ECLOSED).
 *
 * Handles and records. A handle is (index, generation), like a timer's.
 * Records live in pages that are never freed while the system lives, so a
 * stale handle, or a message's destructor running late, can lock the record
 * and compare generations (odd: live; a close adds one, a reuse one more).
 * Every field of a record is under its mutex; the table's free list, the
 * owner lists and the fd map are under the engine's `lock`. Lock order:
 * a record, then the engine's lock (so a new record is taken from the free
 * list, listed and mapped under the engine's lock first, then locked and
 * made live: io_finish waits out that short "half made" state); nothing is
 * sent while a record is locked (a send to a dead owner runs the message's
 * destructor at once, and destructors lock records). A closed stream with
 * queued bytes lingers (stream.c): its generation moves on by two, so the
 * owner's handle is stale while the record flushes.
 *
 * Ownership. Each record is on its owner's list (a hash of owner refs).
 * When an actor finishes (actor/stop.c, after its stop callback), it sets
 * CADRE__SIG_F_IO_DONE in its sig word with an acq_rel fetch-or, and if
 * CADRE__SIG_F_IO was set, calls io_finish, which closes every record on
 * its list. Giving an actor a record (open, accept, handoff) does the
 * mirror: under the engine's lock, an acq_rel fetch-or of CADRE__SIG_F_IO,
 * refused if IO_DONE was set. Both RMWs are on one word, so they are
 * ordered: either the giver sees IO_DONE and closes the record itself, or
 * the finisher sees IO and, taking the engine's lock after the giver left
 * it, finds the record on the list. So no fd outlives its owner, even when
 * the owner dies while the I/O thread is accepting for it.
 *
 * Stale events. An epoll event carries (gen << 32 | index). A record closed
 * while an event for it is in the I/O thread's batch fails the generation
 * check; an fd number reused by the kernel gets a new registration and a
 * new tag. The fd map (fd -> index) says which record owns an fd number:
 * a watch whose user closed the fd loses the number to whoever gets it next
 * and ends with CLOSED / CADRE_EBADF at its re-arm.
 *
 * Backpressure. Every event a handle has in flight has a cost the
 * handle's own pace bounds: a watch is one-shot and re-armed by its READY's
 * destructor (watch.c); a stream stops reading at its high-water mark of
 * bytes delivered and not yet handled, or when a send reports its owner
 * overloaded, and each DATA's destructor counts down and resumes it
 * (stream.c). So an I/O event is sent with `force` (cadre__send_move_io):
 * a full bounded mailbox admits it beyond its capacity, as a timer's
 * message, by one read round per handle at most, and nothing is dropped.
 * A listener out of fds (EMFILE) pauses for CADRE__IO_STARVED_MS rather
 * than spin on its level-triggered readiness (tcp.c).
 *
 * Other I/O machinery (signals, files) has the I/O thread poll an extra fd
 * and call it back: cadre__io_poll_add (poll.c), a record with no owner.
 *
 * Shutdown. cadre_system_shutdown stops the I/O thread (B: takes the
 * poller's token for good) as soon as it sets `closing` (cadre__io_stop:
 * no event is delivered after that), the
 * actors' finishes close their records, and after the reclamation
 * (no message is left, so no destructor runs later) cadre__io_close_all
 * closes whatever is left and the epoll fd. Calls after closing: ECLOSED.
 *
 * Quiescence. A watched fd that is not ready is no work: nothing runs for
 * it. An event is work from the moment it is sent (the send counts the
 * owner's wake, as any outside send, inside an outside section). So
 * cadre_system_await_quiescent is not blocked by idle watches or idle
 * connections; an event the kernel has but the I/O thread has not read
 * yet is not seen by it (work started by the outside world, not by the
 * caller).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cadre__io.h"
#include "cadre__ioaux.h"

#define WAKE_TAG UINT64_MAX
#define OWN_BUCKETS 1024u

/* An owner's list of records (engine lock). */
struct cadre__ioown {
	cadre_ref ref;
	uint32_t head;
	struct cadre__ioown *next;
};

struct cadre__ioh *
cadre__io_slot(struct cadre__io *io, uint32_t index)
{
	if (index == 0 || index >= CADRE__IO_DIR * CADRE__IO_PAGE)
		return NULL;
	/* Acquire: pairs with the release store that publishes the page. */
	struct cadre__ioh *p =
	        cadre__load_acq_ptr((void **)&io->pages[index >> CADRE__IO_PAGE_BITS]);
	return p == NULL ? NULL : &p[index & (CADRE__IO_PAGE - 1u)];
}

/* ---- owner lists (engine lock held) ------------------------------------------- */
static struct cadre__ioown **
own_bucket(struct cadre__io *io, cadre_ref r)
{
	struct cadre__ioown **pp = &io->owners[r.index & (OWN_BUCKETS - 1u)];
	while (*pp != NULL && !cadre__ref_same((*pp)->ref, r))
		pp = &(*pp)->next;
	return pp;
}

static void
own_unlink(struct cadre__io *io, struct cadre__ioh *s)
{
	if (!s->own_listed)
		return;
	s->own_listed = false;
	struct cadre__ioown **pp = own_bucket(io, s->lowner);
	struct cadre__ioown *o = *pp;
	if (s->own_prev != 0)
		cadre__io_slot(io, s->own_prev)->own_next = s->own_next;
	else if (o != NULL)
		o->head = s->own_next;
	if (s->own_next != 0)
		cadre__io_slot(io, s->own_next)->own_prev = s->own_prev;
	if (o != NULL && o->head == 0) {
		*pp = o->next;
		cadre__free(o, sizeof *o);
	}
}

/* Makes owner able to own records: its list, and CADRE__SIG_F_IO set
 * (engine lock held). *o: its list. CADRE_ENOACTOR if owner is dead or
 * finishing, CADRE_ECLOSED, CADRE_ENOMEM. See the Design notes. */
static int
own_claim(struct cadre__io *io, cadre_ref owner, struct cadre__ioown **o)
{
	struct cadre_system *sys = io->sys;
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__actor *a;
	int rc = cadre__hold(sys, w, owner, &a);
	if (rc != 0)
		return rc;
	struct cadre__ioown **pp = own_bucket(io, owner);
	if (*pp == NULL) {
		struct cadre__ioown *n = cadre__alloc(sizeof *n);
		if (n == NULL) {
			cadre__leave(sys, w);
			return CADRE_ENOMEM;
		}
		*n = (struct cadre__ioown){owner, 0, NULL};
		*pp = n;
	}
	/* acq_rel: pairs with the finisher's fetch-or of IO_DONE (actor/stop.c). */
	uint32_t old = cadre__fetch_or_acqrel_u32(&a->sig, CADRE__SIG_F_IO);
	cadre__leave(sys, w);
	if (old & CADRE__SIG_F_IO_DONE) {
		if ((*pp)->head == 0) {
			struct cadre__ioown *n = *pp;
			*pp = n->next;
			cadre__free(n, sizeof *n);
		}
		return CADRE_ENOACTOR;
	}
	*o = *pp;
	return 0;
}

static void
own_link(struct cadre__io *io, struct cadre__ioh *s, struct cadre__ioown *o)
{
	s->lowner = o->ref;
	s->own_prev = 0;
	s->own_next = o->head;
	if (s->own_next != 0)
		cadre__io_slot(io, s->own_next)->own_prev = s->index;
	o->head = s->index;
	s->own_listed = true;
}

/* Puts s on owner's list (engine lock held); own_claim's codes. */
static int
own_add(struct cadre__io *io, struct cadre__ioh *s, cadre_ref owner)
{
	struct cadre__ioown *o;
	int rc = own_claim(io, owner, &o);
	if (rc == 0)
		own_link(io, s, o);
	return rc;
}

void
cadre__io_disown(struct cadre__io *io, struct cadre__ioh *s)
{
	pthread_mutex_lock(&io->lock); /* order: a record, then the engine */
	own_unlink(io, s);
	pthread_mutex_unlock(&io->lock);
}

int
cadre__io_transfer(struct cadre__io *io, struct cadre__ioh *s, cadre_ref to)
{
	pthread_mutex_lock(&io->lock); /* order: a record, then the engine */
	struct cadre__ioown *o;
	int rc = cadre__ref_same(to, s->lowner) ? 1 : own_claim(io, to, &o);
	if (rc == 1)
		rc = 0; /* its own already */
	else if (rc == 0) {
		own_unlink(io, s); /* (frees the old list's node if empty, never o) */
		own_link(io, s, o);
	}
	pthread_mutex_unlock(&io->lock);
	return rc;
}

/* The finish hook (actor/stop.c): closes every record `ref` owns. A record
 * at the head of the list that is not live yet is half made (an alloc
 * between its engine section and its record lock, a few instructions): we
 * wait for it. */
static void
io_finish(struct cadre_system *sys, cadre_ref ref)
{
	struct cadre__io *io = sys->io;
	cadre__sigs_actor_gone(sys, ref); /* its signal subscriptions (signals.c) */
	for (;;) {
		pthread_mutex_lock(&io->lock);
		struct cadre__ioown **pp = own_bucket(io, ref);
		uint32_t idx = *pp != NULL ? (*pp)->head : 0;
		pthread_mutex_unlock(&io->lock);
		struct cadre__ioh *s = cadre__io_slot(io, idx);
		if (s == NULL)
			return;
		pthread_mutex_lock(&s->lock);
		if ((s->gen & 1u) && cadre__ref_same(s->owner, ref)) {
			cadre__io_end(io, s, false, 0, 0); /* unlinks it */
		} else {
			pthread_mutex_unlock(&s->lock);
			sched_yield();
		}
	}
}

/* ---- records --------------------------------------------------------------- */
static int
fdmap_claim(struct cadre__io *io, int fd, uint32_t index, bool claim)
{
	size_t need = (size_t)fd + 1;
	if (need > io->nfdmap) {
		size_t n = io->nfdmap != 0 ? io->nfdmap : 1024;
		while (n < need)
			n *= 2;
		uint32_t *m = cadre__alloc(n * sizeof *m);
		if (m == NULL)
			return CADRE_ENOMEM;
		memset(m, 0, n * sizeof *m);
		if (io->nfdmap != 0)
			memcpy(m, io->fdmap, io->nfdmap * sizeof *m);
		cadre__free(io->fdmap, io->nfdmap * sizeof *m);
		io->fdmap = m;
		io->nfdmap = n;
	}
	if (io->fdmap[fd] != 0 && !claim)
		return CADRE_EEXIST;
	io->fdmap[fd] = index;
	return 0;
}

int
cadre__io_fdmap_claim(struct cadre__io *io, int fd, uint32_t index)
{
	return fdmap_claim(io, fd, index, true);
}

/* A free index with its page (engine lock held), 0 if none. */
static uint32_t
take_index(struct cadre__io *io)
{
	if (io->free_head != 0) {
		uint32_t i = io->free_head;
		io->free_head = cadre__io_slot(io, i)->next_free;
		return i;
	}
	uint32_t i = io->fresh;
	if (i >= CADRE__IO_DIR * CADRE__IO_PAGE)
		return 0;
	if (io->pages[i >> CADRE__IO_PAGE_BITS] == NULL) {
		struct cadre__ioh *p = cadre__alloc(CADRE__IO_PAGE * sizeof *p);
		if (p == NULL)
			return 0;
		memset(p, 0, CADRE__IO_PAGE * sizeof *p);
		for (uint32_t k = 0; k < CADRE__IO_PAGE; k++) {
			pthread_mutex_init(&p[k].lock, NULL);
			p[k].index = (i & ~(CADRE__IO_PAGE - 1u)) + k;
			p[k].fd = -1;
		}
		/* Release: pairs with cadre__io_slot's acquire load. */
		cadre__store_rel_ptr((void **)&io->pages[i >> CADRE__IO_PAGE_BITS], p);
	}
	io->fresh = i + 1;
	return i;
}

int
cadre__io_alloc(struct cadre__io *io, cadre_ref owner, int fd, bool claim, struct cadre__ioh **out,
                cadre_io *h)
{
	pthread_mutex_lock(&io->lock);
	uint32_t i = take_index(io);
	if (i == 0) {
		pthread_mutex_unlock(&io->lock);
		return CADRE_ENOMEM;
	}
	struct cadre__ioh *s = cadre__io_slot(io, i);
	int rc = fd >= 0 ? fdmap_claim(io, fd, i, claim) : 0;
	if (rc == 0 && !cadre_ref_is_none(owner)) { /* (none: an internal poll, poll.c) */
		rc = own_add(io, s, owner);
		if (rc != 0 && fd >= 0)
			io->fdmap[fd] = 0;
	}
	if (rc != 0) {
		s->next_free = io->free_head;
		io->free_head = i;
		pthread_mutex_unlock(&io->lock);
		return rc;
	}
	io->live++;
	pthread_mutex_unlock(&io->lock);
	/* Locked after the engine's lock (the order is a record, then the
	 * engine). Meanwhile it is half made: on its owner's list and in the fd
	 * map, not live (its generation is even), which every reader checks
	 * under this lock (io_finish waits for it). */
	pthread_mutex_lock(&s->lock);
	s->gen++; /* odd: live */
	s->owner = owner;
	s->fd = fd;
	s->kind = CADRE__IO_FREE;
	s->reg = 0;
	s->reading = s->peer_eof = s->shut_wr = false;
	s->want_writable = s->ready_out = s->paused_full = s->lingering = s->no_delay = false;
	s->high_water = CADRE__IO_HIGH_WATER;
	s->wq_max = CADRE__IO_WQ_MAX;
	s->inflight = 0;
	s->wq_bytes = 0;
	s->wq_head = s->wq_tail = NULL;
	s->conn_beh = NULL;
	s->conn_arg = NULL;
	s->path = NULL;
	s->poll_fn = NULL;
	s->poll_arg = NULL;
	*out = s;
	*h = cadre__io_handle(s);
	return 0;
}

int
cadre__io_lock(struct cadre__io *io, cadre_io h, cadre_ref owner, struct cadre__ioh **out)
{
	struct cadre__ioh *s = cadre__io_slot(io, h.index);
	if (s == NULL || (h.gen & 1u) == 0)
		return CADRE_ENOENT;
	pthread_mutex_lock(&s->lock);
	if (s->gen != h.gen || !cadre__ref_same(s->owner, owner)) {
		pthread_mutex_unlock(&s->lock);
		return CADRE_ENOENT;
	}
	*out = s;
	return 0;
}

int
cadre__io_register(struct cadre__io *io, struct cadre__ioh *s, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)s->gen << 32 | s->index};
	int op = events == 0 ? EPOLL_CTL_DEL : s->reg == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (events == 0 && s->reg == 0)
		return 0;
	if (epoll_ctl(io->epfd, op, s->fd, &ev) != 0)
		return -errno;
	s->reg = events;
	return 0;
}

/* Ends the locked record s (see cadre__io.h). The fd number's entry and
 * its epoll registration are dropped under the engine's lock, and only by
 * the record the fd map says owns the number: a watch whose user closed
 * the fd must not touch the registration of whoever got the number next. */
void
cadre__io_end(struct cadre__io *io, struct cadre__ioh *s, bool notify, int status, int os_error)
{
	cadre_io h = cadre__io_handle(s);
	cadre_ref owner = s->owner;
	int fd = s->fd;
	bool watch = s->kind == CADRE__IO_WATCH || s->kind == CADRE__IO_POLL; /* the user's fd */
	struct cadre__iobuf *wq = s->wq_head;
	char *path = s->path;
	s->wq_head = s->wq_tail = NULL;
	s->wq_bytes = 0;
	s->path = NULL;
	s->fd = -1;
	s->kind = CADRE__IO_FREE;
	s->gen++;                      /* even: free; the handle is stale from now on */
	pthread_mutex_lock(&io->lock); /* order: a record, then the engine */
	bool owns = fd >= 0 && (size_t)fd < io->nfdmap && io->fdmap[fd] == s->index;
	if (owns) {
		if (s->reg != 0)
			(void)epoll_ctl(io->epfd, EPOLL_CTL_DEL, fd, NULL);
		io->fdmap[fd] = 0;
	}
	if (fd >= 0 && !watch)
		close(fd); /* ours: the number is free once the map forgot it */
	s->reg = 0;
	own_unlink(io, s);
	s->next_free = io->free_head;
	io->free_head = s->index;
	io->live--;
	pthread_mutex_unlock(&io->lock);
	pthread_mutex_unlock(&s->lock);
	if (path != NULL) {
		unlink(path); /* a Unix socket's path we bound */
		cadre__free(path, strlen(path) + 1);
	}
	while (wq != NULL) {
		struct cadre__iobuf *b = wq;
		wq = b->next;
		cadre__free(b, sizeof *b + b->len);
	}
	if (notify)
		cadre__io_event(io, owner, CADRE_IO_CLOSED, h, status, os_error);
}

/* ---- messages -------------------------------------------------------------- */
static void
iomsg_dtor(void *data, size_t size)
{
	struct cadre__iomsg *m = data;
	struct cadre__io *io = m->io;
	if (m->what != CADRE__IOM_PLAIN) {
		struct cadre__ioh *s = cadre__io_slot(io, m->ev.handle.index);
		pthread_mutex_lock(&s->lock);
		if (s->gen != m->ev.handle.gen)
			pthread_mutex_unlock(&s->lock);
		else if (m->what == CADRE__IOM_READY)
			cadre__io_ready_done(io, s);
		else
			cadre__io_data_done(io, s, m->charge);
	}
	cadre__free(m, size);
}

struct cadre__iomsg *
cadre__iomsg_new(struct cadre__io *io, const cadre_io_event *ev, uint32_t what, const void *bytes,
                 size_t size)
{
	struct cadre__iomsg *m = cadre__alloc(sizeof *m + size);
	if (m == NULL)
		return NULL;
	m->ev = *ev;
	m->io = io;
	m->what = what;
	m->charge = 0;
	if (bytes != NULL && size != 0)
		memcpy(m->bytes, bytes, size);
	m->ev.data = size != 0 ? m->bytes : NULL;
	m->ev.size = size;
	return m;
}

int
cadre__iomsg_send(struct cadre__io *io, cadre_ref owner, struct cadre__iomsg *m, bool force)
{
	size_t size = sizeof *m + m->ev.size;
	int rc = cadre__send_move_io(io->sys, owner, CADRE_MSG_IO, m, size, iomsg_dtor, force);
	if (rc == CADRE_ENOMEM || rc == CADRE_EFULL)
		iomsg_dtor(m, size); /* not sent: its destructor's work all the same */
	return rc;
}

void
cadre__io_event(struct cadre__io *io, cadre_ref owner, cadre_io_kind kind, cadre_io h, int status,
                int os_error)
{
	cadre_io_event ev;
	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.handle = h;
	ev.status = status;
	ev.os_error = os_error;
	ev.fd = -1;
	struct cadre__iomsg *m = cadre__iomsg_new(io, &ev, CADRE__IOM_PLAIN, NULL, 0);
	if (m != NULL) /* (out of memory: the event is lost; nothing else can be done) */
		(void)cadre__iomsg_send(io, owner, m, true);
}

int
cadre_io_event_read(const cadre_msg *msg, cadre_io_event *out)
{
	if (msg == NULL || out == NULL || msg->type != CADRE_MSG_IO || msg->data == NULL ||
	    msg->size < sizeof(struct cadre__iomsg))
		return CADRE_EINVAL;
	/* A reserved type: only the engine sends it (send.c refuses it otherwise). */
	*out = ((const struct cadre__iomsg *)msg->data)->ev;
	return 0;
}

/* ---- the thread ------------------------------------------------------------ */
static void
dispatch(struct cadre__io *io, uint64_t tag, uint32_t events)
{
	struct cadre__ioh *s = cadre__io_slot(io, (uint32_t)tag);
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->gen != (uint32_t)(tag >> 32)) {
		pthread_mutex_unlock(&s->lock); /* a stale event: the record was closed */
		return;
	}
	switch (s->kind) {
	case CADRE__IO_WATCH:
		cadre__io_on_watch(io, s, events);
		break;
	case CADRE__IO_POLL:
		cadre__io_on_poll(io, s, events);
		break;
	case CADRE__IO_STREAM:
	case CADRE__IO_CONNECTING:
		cadre__io_on_stream(io, s, events);
		break;
	case CADRE__IO_LISTEN:
		cadre__io_on_listen(io, s, events);
		break;
	case CADRE__IO_DGRAM:
		cadre__io_on_dgram(io, s, events);
		break;
	default:
		pthread_mutex_unlock(&s->lock);
		break;
	}
}

void
cadre__io_batch(struct cadre__io *io, const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u64 == WAKE_TAG) {
			uint64_t v;
			(void)!read(io->evfd, &v, sizeof v);
		} else {
			dispatch(io, evs[i].data.u64, evs[i].events);
		}
	}
}

static void *
io_main(void *arg)
{
	struct cadre__io *io = arg;
	struct epoll_event evs[CADRE__IO_BATCH];
	cadre__trace_name_thread(CADRE__TRACE_TID_IO);
	for (;;) {
		/* (-1: an idle system's I/O thread sleeps until an event) */
		int n = epoll_wait(io->epfd, evs, CADRE__IO_BATCH,
		                   io->nstarved != 0 ? CADRE__IO_STARVED_MS : -1);
		if (io->nstarved != 0 && cadre__now_ns() >= io->starved_until)
			cadre__io_unstarve(io);
		cadre__io_batch(io, evs, n);
		/* Acquire: pairs with cadre__io_stop's release store. */
		if (cadre__load_acq_u32(&io->stopping))
			return NULL;
	}
}

/* Starts the thread (engine lock held). Signals are blocked in it, so that
 * a process's signal handlers run on other threads. */
static int
start(struct cadre__io *io)
{
	if (io->rbuf == NULL && (io->rbuf = cadre__alloc(CADRE__IO_READ)) == NULL)
		return CADRE_ENOMEM;
	io->epfd = epoll_create1(EPOLL_CLOEXEC);
	io->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_TAG};
	if (io->epfd < 0 || io->evfd < 0 || epoll_ctl(io->epfd, EPOLL_CTL_ADD, io->evfd, &ev) != 0)
		goto fail;
	if (io->wpoll) { /* no thread: the workers poll (wpoll.c) */
		/* Release: pairs with the acquire loads of `started`. */
		cadre__store_rel_u32(&io->started, 1);
		cadre__wpoll_start(io->sys);
		return 0;
	}
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&io->thread, NULL, io_main, io);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		goto fail;
	/* Release: pairs with cadre__io_ready's acquire load. */
	cadre__store_rel_u32(&io->started, 1);
	return 0;
fail:
	if (io->epfd >= 0)
		close(io->epfd);
	if (io->evfd >= 0)
		close(io->evfd);
	io->epfd = io->evfd = -1;
	return CADRE_ESYS;
}

int
cadre__io_ready(struct cadre_system *sys, struct cadre__io **out)
{
	struct cadre__io *io = sys->io;
	*out = io;
	if (sys->sim != NULL)
		return CADRE_ESTATE; /* the deterministic mode: no I/O (cadre/sim.h) */
	/* Acquire: pairs with shutdown's seq_cst exchange of closing. */
	if (cadre__load_acq_u32(&sys->closing))
		return CADRE_ECLOSED;
	if (cadre__load_acq_u32(&io->started)) /* pairs with start's release store */
		return 0;
	pthread_mutex_lock(&io->lock);
	int rc = 0;
	/* Relaxed: under the lock, which cadre__io_stop also holds. */
	if (cadre__load_rlx_u32(&io->stopping))
		rc = CADRE_ECLOSED;
	else if (!cadre__load_rlx_u32(&io->started))
		rc = start(io);
	pthread_mutex_unlock(&io->lock);
	return rc;
}

int
cadre__io_self(cadre_actor *self, bool start, struct cadre__io **io, cadre_ref *me)
{
	struct cadre__actor *a;
	int rc = cadre__self_check(self, &a);
	if (rc != 0)
		return rc;
	struct cadre_system *sys = cadre__tls_worker->sys;
	if (sys->sim != NULL)
		return CADRE_ESTATE; /* the deterministic mode: no I/O (cadre/sim.h) */
	*me = cadre__ref_of(sys, a);
	*io = sys->io;
	if (start)
		return cadre__io_ready(sys, io);
	/* Acquire: pairs with shutdown's seq_cst exchange of closing. */
	return cadre__load_acq_u32(&sys->closing) ? CADRE_ECLOSED : 0;
}

/* ---- the system's life --------------------------------------------------------- */
int
cadre__io_new(struct cadre_system *sys)
{
	struct cadre__io *io = cadre__alloc(sizeof *io);
	if (io == NULL)
		return CADRE_ENOMEM;
	memset(io, 0, sizeof *io);
	io->owners = cadre__alloc(OWN_BUCKETS * sizeof *io->owners);
	if (io->owners == NULL) {
		cadre__free(io, sizeof *io);
		return CADRE_ENOMEM;
	}
	memset(io->owners, 0, OWN_BUCKETS * sizeof *io->owners);
	io->sys = sys;
	io->epfd = io->evfd = -1;
	io->fresh = 1;
	pthread_mutex_init(&io->lock, NULL);
	pthread_mutex_init(&io->cb_lock, NULL);
	sys->io = io;
	sys->io_finish = io_finish;
	io->wpoll = cadre__wpoll_wanted();
	if (io->wpoll)
		cadre__wpoll_init(sys);
	return 0;
}

void
cadre__io_stop(struct cadre_system *sys)
{
	struct cadre__io *io = sys->io;
	pthread_mutex_lock(&io->lock);
	/* Release: pairs with io_main's acquire load (and, under the lock,
	 * with cadre__io_ready's relaxed one). */
	cadre__store_rel_u32(&io->stopping, 1);
	bool join = cadre__load_rlx_u32(&io->started) != 0;
	cadre__store_rel_u32(&io->started, 0);
	pthread_mutex_unlock(&io->lock);
	if (!join)
		return;
	uint64_t one = 1;
	(void)!write(io->evfd, &one, sizeof one);
	if (io->wpoll)
		cadre__wpoll_stop(io);
	else
		pthread_join(io->thread, NULL);
}

void
cadre__io_close_all(struct cadre_system *sys)
{
	struct cadre__io *io = sys->io;
	for (uint32_t i = 1; i < io->fresh; i++) {
		struct cadre__ioh *s = cadre__io_slot(io, i);
		pthread_mutex_lock(&s->lock);
		if (s->gen & 1u)
			cadre__io_end(io, s, false, 0, 0); /* every owner is gone: no event */
		else
			pthread_mutex_unlock(&s->lock);
	}
	if (io->epfd >= 0)
		close(io->epfd);
	if (io->evfd >= 0)
		close(io->evfd);
	io->epfd = io->evfd = -1;
}

void
cadre__io_free(struct cadre_system *sys)
{
	struct cadre__io *io = sys->io;
	if (io == NULL)
		return;
	for (uint32_t p = 0; p < CADRE__IO_DIR && io->pages[p] != NULL; p++) {
		for (uint32_t k = 0; k < CADRE__IO_PAGE; k++)
			pthread_mutex_destroy(&io->pages[p][k].lock);
		cadre__free(io->pages[p], CADRE__IO_PAGE * sizeof *io->pages[p]);
	}
	for (uint32_t b = 0; b < OWN_BUCKETS; b++) {
		while (io->owners[b] != NULL) {
			struct cadre__ioown *o = io->owners[b];
			io->owners[b] = o->next;
			cadre__free(o, sizeof *o);
		}
	}
	cadre__free(io->owners, OWN_BUCKETS * sizeof *io->owners);
	cadre__free(io->fdmap, io->nfdmap * sizeof *io->fdmap);
	if (io->rbuf != NULL)
		cadre__free(io->rbuf, CADRE__IO_READ);
	pthread_mutex_destroy(&io->lock);
	pthread_mutex_destroy(&io->cb_lock);
	cadre__free(io, sizeof *io);
	sys->io = NULL;
}
