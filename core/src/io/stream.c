/* Cadre: stream sockets, once open (cadre/io.h): reading with
 * backpressure, the write queue, half-close, close, handoff, addresses.
 * (tcp.c opens them: listen, accept, connect; dgram.c has datagrams.)
 *
 * Reading. The I/O thread reads a ready stream (level-triggered) into its
 * buffer and sends each chunk to the owner as a DATA message, counting the
 * bytes in the record's `inflight`. It stops reading (EPOLLIN dropped)
 * once `inflight` reaches the high-water mark, or when a send says the
 * owner is overloaded (its bounded mailbox full or it mutes its senders).
 * Each DATA message's destructor, run when it was handled or
 * dead-lettered, counts its bytes down and resumes reading at half the
 * mark (at zero after an overloaded owner). While reading is stopped the
 * kernel's buffer fills and TCP's window closes: the peer slows down, and
 * the owner's mailbox holds at most high-water bytes of this stream.
 *
 * Writing. cadre_io_write writes at once on the calling worker when the
 * queue is empty (a non-blocking send), and queues the rest; the I/O
 * thread flushes the queue on EPOLLOUT, registered only while it is not
 * empty. The queue takes a write when it is empty or when the write fits
 * under its bound; otherwise the write is refused whole (CADRE_EFULL) and
 * the record owes its owner a WRITABLE, sent once the queue drains below
 * half the bound. A record touches its fd only under its lock, so a write
 * and the I/O thread's flush never interleave.
 *
 * Closing. cadre_io_close on a stream with queued bytes makes the record
 * linger: its generation moves on (the handle is stale at once, and so are
 * the events in flight), it leaves its owner, reads are discarded, and the
 * I/O thread closes it once the queue is flushed (or the peer fails).
 * Nothing written is dropped by a close. A lingering record whose peer
 * never reads lives until the system shuts down.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cadre__io.h"

int
cadre__io_errno(int e)
{
	switch (e) {
	case ECONNRESET:
	case EPIPE:
		return CADRE_ECONNRESET;
	case ECONNREFUSED:
		return CADRE_ECONNREFUSED;
	case EADDRINUSE:
		return CADRE_EADDRINUSE;
	case EADDRNOTAVAIL:
	case ENOENT:
		return CADRE_EADDR;
	case ENOMEM:
	case ENOBUFS:
		return CADRE_ENOMEM;
	case EBADF:
		return CADRE_EBADF;
	case EMSGSIZE:
		return CADRE_ETOOBIG;
	case ETIMEDOUT:
		return CADRE_ETIMEDOUT;
	default:
		return CADRE_ESYS;
	}
}

int
cadre__io_sync(struct cadre__io *io, struct cadre__ioh *s)
{
	uint32_t ev = 0;
	if (s->kind == CADRE__IO_CONNECTING)
		ev = EPOLLOUT;
	else if (s->kind == CADRE__IO_LISTEN)
		ev = s->reading ? EPOLLIN : 0u;
	else if (s->kind == CADRE__IO_STREAM)
		ev = (s->reading ? EPOLLIN | EPOLLRDHUP : 0u) |
		     (s->wq_head != NULL ? EPOLLOUT : 0u);
	else if (s->kind == CADRE__IO_DGRAM)
		ev = s->reading ? EPOLLIN : 0u;
	if (s->fd < 0 || ev == s->reg)
		return 0;
	return cadre__io_register(io, s, ev);
}

/* ---- the I/O thread's side ------------------------------------------------ */

/* Writes what the queue holds (s locked); 0, or the errno that ended it.
 * *owed: a WRITABLE is due. */
static int
flush(struct cadre__ioh *s, bool *owed)
{
	while (s->wq_head != NULL) {
		struct iovec iov[16];
		int k = 0;
		for (struct cadre__iobuf *b = s->wq_head; b != NULL && k < 16; b = b->next, k++)
			iov[k] = (struct iovec){b->bytes + b->off, b->len - b->off};
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)k};
		ssize_t w = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return errno;
		}
		s->wq_bytes -= (size_t)w;
		while (w > 0) {
			struct cadre__iobuf *b = s->wq_head;
			size_t left = b->len - b->off;
			if ((size_t)w < left) {
				b->off += (size_t)w;
				break;
			}
			w -= (ssize_t)left;
			s->wq_head = b->next;
			cadre__free(b, sizeof *b + b->len);
		}
	}
	if (s->wq_head == NULL) {
		s->wq_tail = NULL;
		if (s->shut_wr)
			(void)shutdown(s->fd, SHUT_WR);
	}
	if (s->want_writable && s->wq_bytes < s->wq_max / 2) {
		s->want_writable = false;
		*owed = true;
	}
	return 0;
}

/* Reads what the stream has (s locked), up to 8 chunks, into DATA
 * messages (out, *n); stops reading at the high-water mark and at end of
 * file (*eof). 0, or the errno that ended it. A lingering record's bytes
 * are discarded. */
static int
read_some(struct cadre__io *io, struct cadre__ioh *s, struct cadre__iomsg **out, int *n, bool *eof)
{
	for (int i = 0; i < 8 && s->reading; i++) {
		if (!s->lingering && s->inflight >= s->high_water) {
			s->reading = false; /* backpressure: resumed by data_done */
			break;
		}
		ssize_t r = read(s->fd, io->rbuf, CADRE__IO_READ);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno;
		if (r == 0) {
			s->peer_eof = true;
			s->reading = false;
			*eof = !s->lingering;
			return 0;
		}
		if (s->lingering)
			continue;
		cadre_io_event ev;
		memset(&ev, 0, sizeof ev);
		ev.kind = CADRE_IO_DATA;
		ev.handle = cadre__io_handle(s);
		ev.fd = -1;
		struct cadre__iomsg *m =
		        cadre__iomsg_new(io, &ev, CADRE__IOM_DATA, io->rbuf, (size_t)r);
		if (m == NULL)
			return ENOMEM;
		m->charge = (uint32_t)r;
		s->inflight += (uint64_t)r;
		out[(*n)++] = m;
	}
	return 0;
}

/* Sends what one round of the I/O thread made for a stream, in order. */
static void
send_round(struct cadre__io *io, struct cadre__ioh *s, cadre_ref owner, cadre_io h,
           struct cadre__iomsg **msgs, int n, bool eof, bool owed)
{
	bool overloaded = false;
	for (int i = 0; i < n; i++)
		overloaded |= cadre__iomsg_send(io, owner, msgs[i], true) == 1;
	if (eof)
		cadre__io_event(io, owner, CADRE_IO_PEER_CLOSED, h, 0, 0);
	if (owed)
		cadre__io_event(io, owner, CADRE_IO_WRITABLE, h, 0, 0);
	if (!overloaded)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->gen == h.gen && s->reading && s->inflight > 0) {
		s->reading = false; /* the owner is overloaded: until its DATA is handled */
		s->paused_full = true;
		(void)cadre__io_sync(io, s);
	}
	pthread_mutex_unlock(&s->lock);
}

/* The I/O thread, a stream (s locked): flush, read, deliver. */
static void on_connected(struct cadre__io *io, struct cadre__ioh *s);

void
cadre__io_on_stream(struct cadre__io *io, struct cadre__ioh *s, uint32_t ev)
{
	if (s->kind == CADRE__IO_CONNECTING) {
		on_connected(io, s);
		return;
	}
	struct cadre__iomsg *msgs[8];
	int n = 0, err = 0;
	bool eof = false, owed = false;
	if (s->wq_head != NULL && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		err = flush(s, &owed);
	if (err == 0 && s->reading && (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		err = read_some(io, s, msgs, &n, &eof);
	cadre_ref owner = s->owner;
	cadre_io h = cadre__io_handle(s);
	if (s->lingering && (err != 0 || s->wq_head == NULL)) {
		cadre__io_end(io, s, false, 0, 0); /* flushed (or failed): gone */
		return;
	}
	if (err == 0)
		err = -cadre__io_sync(io, s);
	pthread_mutex_unlock(&s->lock);
	send_round(io, s, owner, h, msgs, n, eof, owed && err == 0);
	if (err == 0)
		return;
	pthread_mutex_lock(&s->lock); /* the DATA went first; now the end */
	if (s->gen == h.gen)
		cadre__io_end(io, s, true, cadre__io_errno(err), err);
	else
		pthread_mutex_unlock(&s->lock);
}

/* A connect in progress is done (s locked): CONNECTED, with its status. */
static void
on_connected(struct cadre__io *io, struct cadre__ioh *s)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	cadre_ref owner = s->owner;
	cadre_io h = cadre__io_handle(s);
	if (err == 0) {
		s->kind = CADRE__IO_STREAM;
		s->reading = true;
		err = -cadre__io_sync(io, s);
		if (s->shut_wr && s->wq_head == NULL)
			(void)shutdown(s->fd, SHUT_WR); /* asked while connecting */
	}
	if (err != 0) {
		cadre__io_end(io, s, false, 0, 0);
		cadre__io_event(io, owner, CADRE_IO_CONNECTED, h, cadre__io_errno(err), err);
		return;
	}
	pthread_mutex_unlock(&s->lock);
	cadre__io_event(io, owner, CADRE_IO_CONNECTED, h, 0, 0);
}

/* A DATA or DATAGRAM message's destructor (s locked, live): its bytes are
 * handled; reading resumes below half the mark (at zero after an
 * overloaded owner). */
void
cadre__io_data_done(struct cadre__io *io, struct cadre__ioh *s, uint32_t charge)
{
	s->inflight -= charge;
	if (!s->reading && !s->peer_eof && !s->lingering &&
	    (s->kind == CADRE__IO_STREAM || s->kind == CADRE__IO_DGRAM) &&
	    (s->inflight == 0 || (!s->paused_full && s->inflight <= s->high_water / 2))) {
		s->reading = true;
		s->paused_full = false;
		(void)cadre__io_sync(io, s);
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- the owner's side --------------------------------------------------------- */

/* Queues size bytes at data (s locked). 0 or CADRE_ENOMEM. */
static int
enqueue(struct cadre__ioh *s, const char *data, size_t size)
{
	struct cadre__iobuf *b = cadre__alloc(sizeof *b + size);
	if (b == NULL)
		return CADRE_ENOMEM;
	b->next = NULL;
	b->len = size;
	b->off = 0;
	memcpy(b->bytes, data, size);
	if (s->wq_tail != NULL)
		s->wq_tail->next = b;
	else
		s->wq_head = b;
	s->wq_tail = b;
	s->wq_bytes += size;
	return 0;
}

/* The owner's locked stream: s, or an error (nothing locked). */
static int
lock_stream(cadre_actor *self, cadre_io h, struct cadre__io **io, struct cadre__ioh **s)
{
	cadre_ref me;
	int rc = cadre__io_self(self, false, io, &me);
	if (rc != 0)
		return rc;
	if ((rc = cadre__io_lock(*io, h, me, s)) != 0)
		return rc;
	uint8_t k = (*s)->kind;
	if (k != CADRE__IO_STREAM && k != CADRE__IO_CONNECTING && k != CADRE__IO_RESOLVING) {
		pthread_mutex_unlock(&(*s)->lock);
		return CADRE_EINVAL;
	}
	return 0;
}

int
cadre_io_write(cadre_actor *self, cadre_io h, const void *data, size_t size)
{
	if (data == NULL && size != 0)
		return CADRE_EINVAL;
	struct cadre__io *io;
	struct cadre__ioh *s;
	int rc = lock_stream(self, h, &io, &s);
	if (rc != 0)
		return rc;
	if (s->shut_wr) {
		pthread_mutex_unlock(&s->lock);
		return CADRE_ESTATE;
	}
	if (s->wq_bytes > 0 && s->wq_bytes + size > s->wq_max) {
		s->want_writable = true; /* WRITABLE once it drains below half */
		pthread_mutex_unlock(&s->lock);
		return CADRE_EFULL;
	}
	size_t done = 0;
	while (s->kind == CADRE__IO_STREAM && s->wq_head == NULL && done < size) {
		ssize_t w = send(s->fd, (const char *)data + done, size - done,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			int e = errno; /* the I/O thread's read will end it (CLOSED) */
			pthread_mutex_unlock(&s->lock);
			return cadre__io_errno(e) == CADRE_ECONNRESET ? CADRE_ECONNRESET
			                                              : CADRE_ESYS;
		}
		if (w < 0)
			break;
		done += (size_t)w;
	}
	if (done < size) {
		rc = enqueue(s, (const char *)data + done, size - done);
		if (rc == 0)
			rc = cadre__io_sync(io, s) == 0 ? 0 : CADRE_ENOMEM;
		if (rc != 0) { /* part may be sent, the rest cannot be: the stream ends */
			cadre__io_end(io, s, true, CADRE_ENOMEM, ENOMEM);
			return CADRE_ENOMEM;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int
cadre_io_shutdown_write(cadre_actor *self, cadre_io h)
{
	struct cadre__io *io;
	struct cadre__ioh *s;
	int rc = lock_stream(self, h, &io, &s);
	if (rc != 0)
		return rc;
	s->shut_wr = true; /* flush() does it once the queue is empty */
	if (s->kind == CADRE__IO_STREAM && s->wq_head == NULL)
		(void)shutdown(s->fd, SHUT_WR);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* The locked stream s, with queued bytes, leaves its owner and lingers
 * until they are flushed (see the Design notes). */
static void
linger(struct cadre__io *io, struct cadre__ioh *s)
{
	s->gen += 2; /* still live (odd); the owner's handle and events are stale */
	s->owner = CADRE_REF_NONE;
	cadre__io_disown(io, s);
	s->lingering = true;
	s->shut_wr = true;
	s->reading = !s->peer_eof;
	s->want_writable = false;
	if (cadre__io_register(io, s, EPOLLOUT | (s->reading ? EPOLLIN | EPOLLRDHUP : 0u)) != 0)
		cadre__io_end(io, s, false, 0, 0);
	else
		pthread_mutex_unlock(&s->lock);
}

int
cadre_io_close(cadre_actor *self, cadre_io h)
{
	struct cadre__io *io;
	cadre_ref me;
	int rc = cadre__io_self(self, false, &io, &me);
	if (rc != 0)
		return rc;
	struct cadre__ioh *s;
	if ((rc = cadre__io_lock(io, h, me, &s)) != 0)
		return rc;
	if (s->kind == CADRE__IO_STREAM && s->wq_head != NULL)
		linger(io, s);
	else
		cadre__io_end(io, s, false, 0, 0);
	return 0;
}

int
cadre_io_handoff(cadre_actor *self, cadre_io h, cadre_ref new_owner)
{
	struct cadre__io *io;
	cadre_ref me;
	int rc = cadre__io_self(self, false, &io, &me);
	if (rc != 0)
		return rc;
	struct cadre__ioh *s;
	if ((rc = cadre__io_lock(io, h, me, &s)) != 0)
		return rc;
	rc = cadre__io_transfer(io, s, new_owner);
	if (rc == 0)
		s->owner = new_owner;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int
cadre_io_local_addr(cadre_system *sys, cadre_io h, char *buf, size_t size)
{
	if (sys == NULL || buf == NULL)
		return CADRE_EINVAL;
	/* Acquire: pairs with shutdown's seq_cst exchange of closing. */
	if (cadre__load_acq_u32(&sys->closing))
		return CADRE_ECLOSED;
	struct cadre__io *io = sys->io;
	struct cadre__ioh *s = cadre__io_slot(io, h.index);
	if (s == NULL || (h.gen & 1u) == 0)
		return CADRE_ENOENT;
	pthread_mutex_lock(&s->lock);
	int rc = s->gen != h.gen || s->fd < 0                              ? CADRE_ENOENT
	         : s->kind == CADRE__IO_WATCH || s->kind == CADRE__IO_POLL ? CADRE_EINVAL
	                                                                   : 0;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (rc == 0 && getsockname(s->fd, (struct sockaddr *)&ss, &len) != 0)
		rc = CADRE_EINVAL;
	bool dgram = s->kind == CADRE__IO_DGRAM;
	pthread_mutex_unlock(&s->lock);
	if (rc != 0)
		return rc;
	char tmp[128];
	cadre__addr_format(&ss, len, dgram, tmp, sizeof tmp);
	if (strlen(tmp) + 1 > size)
		return CADRE_EINVAL;
	memcpy(buf, tmp, strlen(tmp) + 1);
	return 0;
}
