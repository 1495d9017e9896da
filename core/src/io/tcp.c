/* Cadre: opening stream sockets (cadre/io.h): listen and accept, connect
 * (a host name resolved by an actor on the blocking pool, never on a
 * worker). Once open, a stream is stream.c's. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cadre__io.h"

static void
apply_opts(struct cadre__ioh *s, const cadre_tcp_opts *o)
{
	if (o == NULL)
		return;
	if (o->read_high_water != 0)
		s->high_water = o->read_high_water;
	if (o->write_queue_max != 0)
		s->wq_max = o->write_queue_max;
	s->no_delay = o->no_delay;
	s->conn_beh = o->conn_beh;
	s->conn_arg = o->conn_arg;
}

int
cadre__io_sock(struct cadre__io *io, cadre_ref owner, int fd, uint8_t kind,
               const cadre_tcp_opts *opts, struct cadre__ioh **out, cadre_io *h)
{
	/* claim: the kernel gave us fd, so a watch that had its number lost
	 * its fd already (watch.c ends it when it notices). */
	int rc = cadre__io_alloc(io, owner, fd, true, out, h);
	if (rc != 0)
		return rc;
	(*out)->kind = kind;
	apply_opts(*out, opts);
	return 0;
}

int
cadre__io_set_fd(struct cadre__io *io, struct cadre__ioh *s, int fd)
{
	pthread_mutex_lock(&io->lock); /* order: a record, then the engine */
	int rc = cadre__io_fdmap_claim(io, fd, s->index);
	pthread_mutex_unlock(&io->lock);
	if (rc == 0)
		s->fd = fd;
	return rc;
}

static void
set_no_delay(int fd, int family)
{
	int one = 1;
	if (family == AF_INET || family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* A socket of a's family, bound to a and listening (type SOCK_STREAM) or
 * not (SOCK_DGRAM: dgram.c): its fd, or a negative code. */
int
cadre__io_bind(const struct cadre__addr *a, int type, int backlog)
{
	int fd = socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno == EAFNOSUPPORT ? CADRE_EADDR : cadre__io_errno(errno);
	int one = 1;
	if (a->ss.ss_family != AF_UNIX && type == SOCK_STREAM)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 ||
	    (type == SOCK_STREAM && listen(fd, backlog) != 0)) {
		int e = errno;
		close(fd);
		return e == EADDRINUSE                                    ? CADRE_EADDRINUSE
		       : e == EADDRNOTAVAIL || e == ENOENT || e == EINVAL ? CADRE_EADDR
		                                                          : cadre__io_errno(e);
	}
	return fd;
}

/* The bound path of a named Unix socket, copied for its unlink at close. */
int
cadre__io_keep_path(struct cadre__ioh *s, const struct cadre__addr *a)
{
	if (a->ss.ss_family != AF_UNIX || !a->named)
		return 0;
	const char *p = ((const struct sockaddr_un *)(const void *)&a->ss)->sun_path;
	size_t n = strlen(p) + 1;
	if ((s->path = cadre__alloc(n)) == NULL)
		return CADRE_ENOMEM;
	memcpy(s->path, p, n);
	return 0;
}

int
cadre__io_self_addr(cadre_actor *self, const char *s, bool dgram, bool names, struct cadre__io **io,
                    cadre_ref *me, struct cadre__addr *a)
{
	int rc = cadre__io_self(self, true, io, me);
	return rc != 0 ? rc : cadre__addr_parse(s, dgram, names, a);
}

int
cadre__io_open_bound(struct cadre__io *io, cadre_ref me, int fd, const struct cadre__addr *a,
                     uint8_t kind, const cadre_tcp_opts *opts, cadre_io *out)
{
	struct cadre__ioh *s;
	cadre_io h;
	int rc = cadre__io_sock(io, me, fd, kind, opts, &s, &h);
	if (rc != 0) {
		close(fd);
		if (a->named)
			unlink(((const struct sockaddr_un *)(const void *)&a->ss)->sun_path);
		return rc == CADRE_ENOACTOR ? CADRE_ECLOSED : rc;
	}
	s->reading = true;
	rc = cadre__io_keep_path(s, a);
	if (rc == 0 && cadre__io_sync(io, s) != 0)
		rc = CADRE_ENOMEM;
	if (rc != 0) {
		if (s->path == NULL && a->named)
			unlink(((const struct sockaddr_un *)(const void *)&a->ss)->sun_path);
		cadre__io_end(io, s, false, 0, 0);
		return rc;
	}
	pthread_mutex_unlock(&s->lock);
	*out = h;
	return 0;
}

int
cadre_tcp_listen(cadre_actor *self, const char *addr, const cadre_tcp_opts *opts, cadre_io *out)
{
	if (self == NULL || addr == NULL || out == NULL || (opts != NULL && opts->backlog < 0))
		return CADRE_EINVAL;
	struct cadre__io *io;
	cadre_ref me;
	struct cadre__addr a;
	int rc = cadre__io_self_addr(self, addr, false, false, &io, &me, &a);
	if (rc != 0)
		return rc;
	int fd = cadre__io_bind(&a, SOCK_STREAM,
	                        opts != NULL && opts->backlog > 0 ? opts->backlog : 1024);
	if (fd < 0)
		return fd;
	return cadre__io_open_bound(io, me, fd, &a, CADRE__IO_LISTEN, opts, out);
}

/* ---- accepting ---------------------------------------------------------------- */
struct accepted {
	int fd;
	socklen_t len;
	struct sockaddr_storage peer;
};

/* One accepted connection: its owner (spawned from conn_beh, or the
 * listener's), its record, the ACCEPTED event. On any failure the fd is
 * closed (a spawned actor that died, a closing system). */
static void
adopt(struct cadre__io *io, const struct cadre__ioh *l, cadre_ref owner, cadre_io lh,
      struct accepted *c)
{
	if (l->no_delay)
		set_no_delay(c->fd, c->peer.ss_family);
	if (l->conn_beh != NULL &&
	    cadre_spawn(io->sys, l->conn_beh, NULL, l->conn_arg, &owner) != 0) {
		close(c->fd);
		return;
	}
	cadre_tcp_opts o = {.read_high_water = l->high_water,
	                    .write_queue_max = l->wq_max,
	                    .no_delay = l->no_delay};
	struct cadre__ioh *s;
	cadre_io h;
	if (cadre__io_sock(io, owner, c->fd, CADRE__IO_STREAM, &o, &s, &h) != 0) {
		close(c->fd);
		return;
	}
	s->reading = true;
	if (cadre__io_sync(io, s) != 0) {
		cadre__io_end(io, s, false, 0, 0);
		return;
	}
	pthread_mutex_unlock(&s->lock);
	/* The I/O thread is the only reader: its DATA cannot pass this. */
	cadre_io_event ev;
	memset(&ev, 0, sizeof ev);
	ev.kind = CADRE_IO_ACCEPTED;
	ev.handle = lh;
	ev.conn = h;
	ev.fd = -1;
	cadre__addr_format(&c->peer, c->len, false, ev.addr, sizeof ev.addr);
	struct cadre__iomsg *m = cadre__iomsg_new(io, &ev, CADRE__IOM_PLAIN, NULL, 0);
	if (m != NULL)
		(void)cadre__iomsg_send(io, owner, m, true);
	/* (no memory for the event: the connection is its owner's all the
	 * same, closed at its stop) */
}

void
cadre__io_unstarve(struct cadre__io *io)
{
	for (uint32_t i = 0; i < io->nstarved; i++) {
		struct cadre__ioh *s = cadre__io_slot(io, io->starved[i].index);
		pthread_mutex_lock(&s->lock);
		if (s->gen == io->starved[i].gen && s->kind == CADRE__IO_LISTEN) {
			s->reading = true;
			(void)cadre__io_sync(io, s);
		}
		pthread_mutex_unlock(&s->lock);
	}
	io->nstarved = 0;
}

/* The I/O thread, a listener (l locked): accepts up to 32 connections
 * under the lock (the fd stays the listener's), then adopts them. */
void
cadre__io_on_listen(struct cadre__io *io, struct cadre__ioh *l, uint32_t ev)
{
	(void)ev;
	struct accepted c[32];
	int n = 0;
	while (n < 32) {
		c[n].len = sizeof c[n].peer;
		int fd = accept4(l->fd, (struct sockaddr *)&c[n].peer, &c[n].len,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) &&
		    io->nstarved < CADRE__IO_STARVED_MAX) {
			/* Out of fds: the pending connection would make a
			 * level-triggered listener spin; it pauses instead. */
			l->reading = false;
			(void)cadre__io_sync(io, l);
			if (io->nstarved == 0)
				io->starved_until =
				        cadre__now_ns() + CADRE__IO_STARVED_MS * 1000000u;
			io->starved[io->nstarved++] = cadre__io_handle(l);
		}
		if (fd < 0)
			break; /* EAGAIN */
		c[n++].fd = fd;
	}
	struct cadre__ioh copy = {.no_delay = l->no_delay,
	                          .high_water = l->high_water,
	                          .wq_max = l->wq_max,
	                          .conn_beh = l->conn_beh,
	                          .conn_arg = l->conn_arg};
	cadre_ref owner = l->owner;
	cadre_io lh = cadre__io_handle(l);
	pthread_mutex_unlock(&l->lock);
	for (int i = 0; i < n; i++)
		adopt(io, &copy, owner, lh, &c[i]);
}

/* ---- connecting --------------------------------------------------------------- */

/* A socket for ss, its connect started: 0 (*now: connected at once) or
 * the errno. */
static int
start_connect(const struct sockaddr_storage *ss, socklen_t len, int *fd, bool *now)
{
	*fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return errno;
	*now = connect(*fd, (const struct sockaddr *)ss, len) == 0;
	if (*now || errno == EINPROGRESS)
		return 0;
	int e = errno;
	close(*fd);
	*fd = -1;
	return e;
}

/* The locked record s (resolving) gets fd, connecting or connected, or
 * ends with CONNECTED and `status` (os: its errno). Unlocks s. */
static void
connect_begin(struct cadre__io *io, struct cadre__ioh *s, int fd, bool now, int status, int os)
{
	cadre_ref owner = s->owner;
	cadre_io h = cadre__io_handle(s);
	if (status == 0 && cadre__io_set_fd(io, s, fd) != 0) {
		close(fd);
		status = CADRE_ENOMEM;
	}
	if (status == 0) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		if (s->no_delay && getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			set_no_delay(fd, ss.ss_family);
		s->kind = now ? CADRE__IO_STREAM : CADRE__IO_CONNECTING;
		s->reading = now;
		if (cadre__io_sync(io, s) != 0)
			status = CADRE_ENOMEM;
		else if (now && s->shut_wr && s->wq_head == NULL)
			(void)shutdown(fd, SHUT_WR); /* asked while resolving */
	}
	if (status != 0) {
		cadre__io_end(io, s, false, 0, 0);
		cadre__io_event(io, owner, CADRE_IO_CONNECTED, h, status, os);
		return;
	}
	pthread_mutex_unlock(&s->lock);
	if (now)
		cadre__io_event(io, owner, CADRE_IO_CONNECTED, h, 0, 0);
}

/* A connect's name, resolved by an actor of the blocking pool: its start
 * resolves, connects, hands the socket to the record (if still there) and
 * stops the actor. */
struct resolve {
	struct cadre__io *io;
	cadre_io h;
	char host[256];
	char port[8];
};

static void
resolved(const struct resolve *q, int fd, bool now, int status, int os)
{
	struct cadre__ioh *s = cadre__io_slot(q->io, q->h.index);
	pthread_mutex_lock(&s->lock);
	if (s->gen != q->h.gen || s->kind != CADRE__IO_RESOLVING) {
		pthread_mutex_unlock(&s->lock); /* closed meanwhile */
		if (fd >= 0)
			close(fd);
		return;
	}
	connect_begin(q->io, s, fd, now, status, os);
}

static int
resolver_start(cadre_actor *self, void *arg)
{
	struct resolve *q = arg;
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int g = getaddrinfo(q->host, q->port, &hints, &res); /* blocks: the pool's */
	int err = ENOENT, fd = -1;
	bool now = false;
	for (struct addrinfo *ai = g == 0 ? res : NULL; ai != NULL; ai = ai->ai_next) {
		struct sockaddr_storage ss;
		memset(&ss, 0, sizeof ss);
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		if ((err = start_connect(&ss, ai->ai_addrlen, &fd, &now)) == 0)
			break;
	}
	if (res != NULL)
		freeaddrinfo(res);
	if (g != 0)
		resolved(q, -1, false, CADRE_EADDR, 0);
	else
		resolved(q, fd, now, err == 0 ? 0 : cadre__io_errno(err), err);
	cadre__free(q, sizeof *q);
	return cadre_stop(self);
}

static int
resolver_receive(cadre_actor *self, const cadre_msg *msg)
{
	(void)self, (void)msg;
	return 0;
}

static const cadre_behaviour resolver_beh = {.size = sizeof(cadre_actor),
                                             .name = "cadre-io-resolver",
                                             .start = resolver_start,
                                             .receive = resolver_receive};

/* Resolves a's name on the blocking pool for the locked record s. */
static int
resolve_later(struct cadre__io *io, struct cadre__ioh *s, const struct cadre__addr *a)
{
	struct resolve *q = cadre__alloc(sizeof *q);
	if (q == NULL)
		return CADRE_ENOMEM;
	q->io = io;
	q->h = cadre__io_handle(s);
	memcpy(q->host, a->host, sizeof q->host);
	memcpy(q->port, a->port, sizeof q->port);
	cadre_spawn_opts o = {.flags = CADRE_SPAWN_BLOCKING};
	cadre_ref r;
	int rc = cadre_spawn(io->sys, &resolver_beh, &o, q, &r);
	if (rc != 0)
		cadre__free(q, sizeof *q);
	return rc == CADRE_ECLOSED ? rc : rc != 0 ? CADRE_ENOMEM : 0;
}

int
cadre_tcp_connect(cadre_actor *self, const char *addr, const cadre_tcp_opts *opts, cadre_io *out)
{
	if (self == NULL || addr == NULL || out == NULL)
		return CADRE_EINVAL;
	struct cadre__io *io;
	cadre_ref me;
	struct cadre__addr a;
	int rc = cadre__io_self_addr(self, addr, false, true, &io, &me, &a);
	if (rc != 0)
		return rc;
	struct cadre__ioh *s;
	cadre_io h;
	if ((rc = cadre__io_sock(io, me, -1, CADRE__IO_RESOLVING, opts, &s, &h)) != 0)
		return rc == CADRE_ENOACTOR ? CADRE_ECLOSED : rc;
	s->conn_beh = NULL;
	if (a.resolve) {
		if ((rc = resolve_later(io, s, &a)) != 0) {
			cadre__io_end(io, s, false, 0, 0);
			return rc;
		}
		pthread_mutex_unlock(&s->lock);
	} else {
		int fd;
		bool now = false;
		int err = start_connect(&a.ss, a.len, &fd, &now);
		connect_begin(io, s, fd, now, err == 0 ? 0 : cadre__io_errno(err), err);
	}
	*out = h;
	return 0;
}
