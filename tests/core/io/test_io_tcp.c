/* TCP and Unix-domain streams (cadre/io.h): accept, read, write, close and
 * half-close; connect (numeric, by name on the blocking pool, refused,
 * unresolvable); a peer reset mid-write; the write queue's overflow and its
 * WRITABLE; handoff; Unix sockets. Run one case with: test_io_tcp <case>. */
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/time.h>
#include <sys/un.h>

#include "echo.h"

static cadre_system *
new_sys(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 2};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

/* Echo: a plain client writes, reads its bytes back, half-closes, and
 * reads EOF after them; the connection's actor got ACCEPTED, the bytes,
 * PEER_CLOSED, and stopped. */
static void
echo_roundtrip(void)
{
	int fds0 = open_fds();
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	struct echo_stats st = {0};
	cadre_ref a = agent_spawn(sys, &c);
	struct listen_req q = {.addr = "127.0.0.1:0",
	                       .opts = {.conn_beh = &echo_beh, .conn_arg = &st}};
	CHECK_EQ(run_in(sys, a, do_listen, &q), 0);
	CHECK(strncmp(q.local, "127.0.0.1:", 10) == 0 && port_of(q.local) > 0);
	int fd = client_to(port_of(q.local));
	static char out[200000], back[200000];
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (char)(i * 7 + 3);
	write_full(fd, out, sizeof out);
	CHECK_EQ(read_full(fd, back, sizeof back), sizeof back);
	CHECK(memcmp(out, back, sizeof out) == 0);
	CHECK_EQ(shutdown(fd, SHUT_WR), 0);
	char x;
	CHECK_EQ(read(fd, &x, 1), 0); /* EOF: the actor closed after its echo */
	WAIT_FOR(seen(&st.stopped) == 1);
	CHECK_EQ(seen(&st.accepted), 1);
	CHECK_EQ(seen(&st.peer_closed), 1);
	CHECK_EQ(seen(&st.bytes), (long)sizeof out);
	CHECK_EQ(seen(&st.write_errors), 0);
	close(fd);
	cadre_system_free(sys);
	CHECK_EQ(open_fds(), fds0);
}

/* ---- connect --------------------------------------------------------------- */
struct conn_req {
	const char *addr;
	cadre_io h;
	const char *msg;
};

static int
do_connect(cadre_actor *self, void *arg)
{
	struct conn_req *q = arg;
	int rc = cadre_tcp_connect(self, q->addr, NULL, &q->h);
	if (rc == 0 && q->msg != NULL)
		CHECK_EQ(cadre_io_write(self, q->h, q->msg, strlen(q->msg)), 0); /* queued */
	return rc;
}

static int
do_close(cadre_actor *self, void *arg)
{
	return cadre_io_close(self, ((struct conn_req *)arg)->h);
}

/* Connects to a plain listener on host (numeric, or a name):
 * CONNECTED, the queued write arrives, the peer's bytes arrive as DATA,
 * its close as PEER_CLOSED. */
static void
connect_to(const char *host, int l, int port)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	cadre_ref a = agent_spawn(sys, &c);
	char addr[64];
	snprintf(addr, sizeof addr, "%s:%d", host, port);
	struct conn_req q = {.addr = addr, .msg = "hello"};
	CHECK_EQ(run_in(sys, a, do_connect, &q), 0);
	int fd = accept(l, NULL, NULL);
	CHECK(fd >= 0);
	WAIT_FOR(count_kind(&c, CADRE_IO_CONNECTED) == 1);
	struct logged e;
	CHECK(last_kind(&c, CADRE_IO_CONNECTED, &e));
	CHECK_EQ(e.status, 0);
	CHECK_EQ(e.handle.index, q.h.index);
	char buf[5];
	CHECK_EQ(read_full(fd, buf, 5), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	write_full(fd, "abc", 3);
	close(fd);
	WAIT_FOR(count_kind(&c, CADRE_IO_PEER_CLOSED) == 1);
	pthread_mutex_lock(&c.mu);
	CHECK_EQ(c.bytes, 3);
	pthread_mutex_unlock(&c.mu);
	CHECK_EQ(run_in(sys, a, do_close, &q), 0);
	CHECK_EQ(run_in(sys, a, do_close, &q), CADRE_ENOENT);
	cadre_system_free(sys);
	close(l);
}

static void
connect_numeric(void)
{
	int port, l = plain_listener(&port);
	connect_to("127.0.0.1", l, port);
}

/* "localhost", resolved on the blocking pool: the plain listener listens
 * where getaddrinfo's first answer is (127.0.0.1 or ::1), as the
 * resolver's first try goes there. */
static void
connect_by_name(void)
{
	struct addrinfo hints, *res;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", "0", &hints, &res) != 0) {
		fprintf(stderr, "   skipped: \"localhost\" does not resolve here\n");
		return;
	}
	int l = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(l >= 0);
	CHECK_EQ(bind(l, res->ai_addr, res->ai_addrlen), 0);
	freeaddrinfo(res);
	CHECK_EQ(listen(l, 16), 0);
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	CHECK_EQ(getsockname(l, (struct sockaddr *)&ss, &len), 0);
	int port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
	                                         : ((struct sockaddr_in6 *)&ss)->sin6_port);
	connect_to("localhost", l, port);
}

/* Half-close from Cadre's side: shutdown_write asked right after the
 * connect call (before CONNECTED, nothing queued), then a write refused;
 * the peer reads end of file, and its bytes still reach the actor. */
static int
do_connect_shut(cadre_actor *self, void *arg)
{
	struct conn_req *q = arg;
	int rc = cadre_tcp_connect(self, q->addr, NULL, &q->h);
	if (rc == 0)
		rc = cadre_io_shutdown_write(self, q->h);
	if (rc == 0)
		rc = cadre_io_write(self, q->h, "x", 1) == CADRE_ESTATE ? 0 : -1;
	return rc;
}

static void
half_close_by_us(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	cadre_ref a = agent_spawn(sys, &c);
	int port, l = plain_listener(&port);
	char addr[64];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	struct conn_req q = {.addr = addr};
	CHECK_EQ(run_in(sys, a, do_connect_shut, &q), 0);
	int fd = accept(l, NULL, NULL);
	CHECK(fd >= 0);
	struct timeval tv = {10, 0}; /* a hang detector */
	CHECK_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
	char x;
	CHECK_EQ(read(fd, &x, 1), 0); /* end of file */
	write_full(fd, "def", 3);
	WAIT_FOR(count_kind(&c, CADRE_IO_DATA) >= 1);
	pthread_mutex_lock(&c.mu);
	CHECK_EQ(c.bytes, 3);
	pthread_mutex_unlock(&c.mu);
	close(fd);
	WAIT_FOR(count_kind(&c, CADRE_IO_PEER_CLOSED) == 1);
	cadre_system_free(sys);
	close(l);
}

/* A connect that fails: CONNECTED with its status, and the handle gone. */
static void
connect_fails(const char *addr, int status)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	cadre_ref a = agent_spawn(sys, &c);
	struct conn_req q = {.addr = addr};
	CHECK_EQ(run_in(sys, a, do_connect, &q), 0);
	WAIT_FOR(count_kind(&c, CADRE_IO_CONNECTED) == 1);
	struct logged e;
	CHECK(last_kind(&c, CADRE_IO_CONNECTED, &e));
	CHECK_EQ(e.status, status);
	CHECK_EQ(run_in(sys, a, do_close, &q), CADRE_ENOENT);
	CHECK_EQ(count_kind(&c, CADRE_IO_CLOSED), 0);
	cadre_system_free(sys);
}

static void
connect_refused(void)
{
	int port, l = plain_listener(&port);
	close(l); /* nothing listens there now */
	char addr[64];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	connect_fails(addr, CADRE_ECONNREFUSED);
	connect_fails("unix:/nonexistent/cadre-test.sock", CADRE_EADDR);
	connect_fails("no-such-host.invalid:80", CADRE_EADDR);
}

/* ---- writing ----------------------------------------------------------------- */
struct writer {
	cadre_io h;
	uint64_t off; /* stream offset of the next byte written */
	size_t chunk; /* bytes per write */
	size_t limit; /* stop after this many bytes (0: until CADRE_EFULL) */
	int last_rc;  /* the write that stopped the loop */
};

static void
pattern(uint64_t off, char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)((off + i) * 131u + 7u);
}

/* Writes chunks of the pattern until CADRE_EFULL (or an error, or limit). */
static int
do_write_until(cadre_actor *self, void *arg)
{
	struct writer *w = arg;
	static char buf[1 << 16];
	size_t done = 0;
	for (;;) {
		if (w->limit != 0 && done >= w->limit)
			return 0;
		pattern(w->off, buf, w->chunk);
		int rc = cadre_io_write(self, w->h, buf, w->chunk);
		if (rc != 0) {
			w->last_rc = rc;
			return 0;
		}
		w->off += w->chunk;
		done += w->chunk;
	}
}

/* An agent that listens (no conn_beh), and a client connected to it: the
 * agent's connection handle. */
static cadre_io
accept_one(cadre_system *sys, cadre_ref a, struct agent_ctx *c, uint32_t wq_max, int *client)
{
	struct listen_req q = {.addr = "127.0.0.1:0", .opts = {.write_queue_max = wq_max}};
	CHECK_EQ(run_in(sys, a, do_listen, &q), 0);
	*client = client_to(port_of(q.local));
	WAIT_FOR(count_kind(c, CADRE_IO_ACCEPTED) == 1);
	struct logged e;
	CHECK(last_kind(c, CADRE_IO_ACCEPTED, &e));
	CHECK_EQ(e.handle.index, q.h.index);
	CHECK(strncmp(e.addr, "127.0.0.1:", 10) == 0);
	return e.conn;
}

/* The queue fills (the client does not read): CADRE_EFULL writes nothing;
 * the client drains it: WRITABLE follows; every byte accepted arrives, in
 * order. */
static void
overflow_then_writable(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	cadre_ref a = agent_spawn(sys, &c);
	int fd;
	struct writer w = {.chunk = 32768};
	w.h = accept_one(sys, a, &c, 256 * 1024, &fd);
	CHECK_EQ(run_in(sys, a, do_write_until, &w), 0);
	CHECK_EQ(w.last_rc, CADRE_EFULL);
	CHECK(w.off >= 256 * 1024); /* the kernel's buffers, then the queue's bound */
	CHECK_EQ(count_kind(&c, CADRE_IO_WRITABLE), 0);
	static char got[1 << 16], want[1 << 16];
	uint64_t r = 0;
	while (r < w.off) {
		size_t n = w.off - r < sizeof got ? (size_t)(w.off - r) : sizeof got;
		CHECK_EQ(read_full(fd, got, n), n);
		pattern(r, want, n);
		CHECK(memcmp(got, want, n) == 0);
		r += n;
	}
	WAIT_FOR(count_kind(&c, CADRE_IO_WRITABLE) == 1);
	w.limit = 100 * 1024;
	w.last_rc = 0;
	uint64_t before = w.off;
	CHECK_EQ(run_in(sys, a, do_write_until, &w), 0);
	CHECK_EQ(w.last_rc, 0);
	CHECK_EQ(w.off - before, w.limit + (w.limit % w.chunk ? w.chunk - w.limit % w.chunk : 0));
	while (r < w.off) {
		size_t n = w.off - r < sizeof got ? (size_t)(w.off - r) : sizeof got;
		CHECK_EQ(read_full(fd, got, n), n);
		pattern(r, want, n);
		CHECK(memcmp(got, want, n) == 0);
		r += n;
	}
	close(fd);
	cadre_system_free(sys);
}

/* The peer resets the connection while the agent's queue is full: the
 * stream ends with CLOSED / CADRE_ECONNRESET, and the handle is stale. */
static void
peer_reset_mid_write(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	cadre_ref a = agent_spawn(sys, &c);
	int fd;
	struct writer w = {.chunk = 65536};
	w.h = accept_one(sys, a, &c, 4u << 20, &fd);
	CHECK_EQ(run_in(sys, a, do_write_until, &w), 0);
	CHECK_EQ(w.last_rc, CADRE_EFULL);
	char buf[1000];
	CHECK_EQ(read_full(fd, buf, sizeof buf), sizeof buf); /* it did start */
	struct linger lg = {1, 0};
	CHECK_EQ(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
	close(fd); /* RST */
	WAIT_FOR(count_kind(&c, CADRE_IO_CLOSED) == 1);
	struct logged e;
	CHECK(last_kind(&c, CADRE_IO_CLOSED, &e));
	CHECK_EQ(e.status, CADRE_ECONNRESET);
	CHECK_EQ(e.handle.index, w.h.index);
	w.limit = 1;
	w.last_rc = 0;
	CHECK_EQ(run_in(sys, a, do_write_until, &w), 0);
	CHECK_EQ(w.last_rc, CADRE_ENOENT);
	cadre_system_free(sys);
}

/* ---- handoff ------------------------------------------------------------------- */
struct hand {
	cadre_io h;
	cadre_ref to;
};

static int
do_handoff(cadre_actor *self, void *arg)
{
	struct hand *q = arg;
	return cadre_io_handoff(self, q->h, q->to);
}

static void
handoff(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c, c2;
	ctx_init(&c);
	ctx_init(&c2);
	cadre_ref a = agent_spawn(sys, &c), b = agent_spawn(sys, &c2);
	int fd;
	struct hand q = {.to = b};
	q.h = accept_one(sys, a, &c, 0, &fd);
	CHECK_EQ(run_in(sys, a, do_handoff, &q), 0);
	CHECK_EQ(run_in(sys, a, do_handoff, &q), CADRE_ENOENT); /* not a's any more */
	write_full(fd, "xyz", 3);
	WAIT_FOR(count_kind(&c2, CADRE_IO_DATA) >= 1);
	pthread_mutex_lock(&c2.mu);
	CHECK_EQ(c2.bytes, 3);
	pthread_mutex_unlock(&c2.mu);
	CHECK_EQ(count_kind(&c, CADRE_IO_DATA), 0);
	q.to = (cadre_ref){a.sys, a.index, a.gen + 1, 0}; /* stale */
	CHECK_EQ(run_in(sys, b, do_handoff, &q), CADRE_ENOACTOR);
	/* b stops: the connection closes with it. */
	CHECK_EQ(cadre_stop_ref(sys, b), 0);
	char x;
	CHECK_EQ(read(fd, &x, 1), 0);
	close(fd);
	cadre_system_free(sys);
}

/* ---- Unix-domain streams ------------------------------------------------------- */
static void
unix_stream(void)
{
	int fds0 = open_fds();
	cadre_system *sys = new_sys();
	struct agent_ctx c, c2;
	ctx_init(&c);
	ctx_init(&c2);
	struct echo_stats st = {0};
	cadre_ref a = agent_spawn(sys, &c), b = agent_spawn(sys, &c2);
	char path[96], addr[108];
	snprintf(path, sizeof path, "/tmp/cadre-io-test-%d.sock", (int)getpid());
	snprintf(addr, sizeof addr, "unix:%s", path);
	unlink(path);
	struct listen_req q = {.addr = addr, .opts = {.conn_beh = &echo_beh, .conn_arg = &st}};
	CHECK_EQ(run_in(sys, a, do_listen, &q), 0);
	CHECK(strcmp(q.local, addr) == 0);
	struct listen_req q2 = {.addr = addr};
	CHECK_EQ(run_in(sys, b, do_listen, &q2), CADRE_EADDRINUSE);
	struct conn_req k = {.addr = addr, .msg = "ping"};
	CHECK_EQ(run_in(sys, b, do_connect, &k), 0);
	WAIT_FOR(count_kind(&c2, CADRE_IO_DATA) >= 1 && c2.bytes == 4);
	CHECK_EQ(count_kind(&c2, CADRE_IO_CONNECTED), 1);
	CHECK_EQ(run_in(sys, b, do_close, &k), 0);
	WAIT_FOR(seen(&st.stopped) == 1);
	struct conn_req lq = {.h = q.h};
	CHECK_EQ(run_in(sys, a, do_close, &lq), 0);
	CHECK(access(path, F_OK) != 0); /* the listener's path is gone with it */
	cadre_system_free(sys);
	CHECK_EQ(open_fds(), fds0);
}

/* ---- bad input -------------------------------------------------------------- */
struct bad {
	int rc[24];
	char used[108];
	cadre_io l, conn;
};

static int
do_bad(cadre_actor *self, void *arg)
{
	struct bad *b = arg;
	cadre_io h;
	int i = 0;
	b->rc[i++] = cadre_tcp_listen(self, "garbage", NULL, &h);
	b->rc[i++] = cadre_tcp_listen(self, "127.0.0.1", NULL, &h);
	b->rc[i++] = cadre_tcp_listen(self, "127.0.0.1:99999", NULL, &h);
	b->rc[i++] = cadre_tcp_listen(self, "example.com:80", NULL, &h); /* names: connect only */
	b->rc[i++] = cadre_tcp_listen(self, "[::1", NULL, &h);
	b->rc[i++] = cadre_tcp_listen(self, "1.2.3.4.5:80", NULL, &h);
	b->rc[i++] = cadre_tcp_listen(self, b->used, NULL, &h); /* in use */
	b->rc[i++] = cadre_tcp_connect(self, "127.0.0.1", NULL, &h);
	b->rc[i++] = cadre_tcp_connect(self, "unixgram:/x", NULL, &h);
	b->rc[i++] = cadre_tcp_listen(self, NULL, NULL, &h);
	b->rc[i++] = cadre_tcp_listen(self, "127.0.0.1:0", NULL, NULL);
	cadre_tcp_opts neg = {.backlog = -1};
	b->rc[i++] = cadre_tcp_listen(self, "127.0.0.1:0", &neg, &h);
	b->rc[i++] = cadre_io_write(self, b->l, "x", 1);             /* a listener */
	b->rc[i++] = cadre_io_write(self, b->conn, NULL, 1);         /* data NULL */
	b->rc[i++] = cadre_io_shutdown_write(self, b->l);            /* a listener */
	b->rc[i++] = cadre_io_write(self, (cadre_io){1, 7}, "x", 1); /* never made */
	b->rc[i++] = cadre_io_shutdown_write(self, b->conn);
	b->rc[i++] = cadre_io_write(self, b->conn, "x", 1); /* after shutdown_write */
	b->rc[i++] =
	        cadre_udp_send(self, b->conn, "127.0.0.1:9", "x", 1); /* not a datagram socket */
	char small[4];
	b->rc[i++] = cadre_io_local_addr(cadre_actor_system(self), b->l, small, sizeof small);
	b->rc[i++] = cadre_io_local_addr(cadre_actor_system(self), b->l, NULL, 10);
	b->rc[i++] = cadre_io_local_addr(cadre_actor_system(self), (cadre_io){1, 7}, b->used, 108);
	return i;
}

static void
bad_input(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	cadre_ref a = agent_spawn(sys, &c);
	int fd;
	struct bad b;
	memset(&b, 0, sizeof b);
	b.conn = accept_one(sys, a, &c, 0, &fd);
	struct logged e;
	CHECK(last_kind(&c, CADRE_IO_ACCEPTED, &e));
	b.l = e.handle;
	CHECK_EQ(cadre_io_local_addr(sys, b.l, b.used, sizeof b.used), 0);
	static const int want[] = {CADRE_EADDR,
	                           CADRE_EADDR,
	                           CADRE_EADDR,
	                           CADRE_EADDR,
	                           CADRE_EADDR,
	                           CADRE_EADDR,
	                           CADRE_EADDRINUSE,
	                           CADRE_EADDR,
	                           CADRE_EADDR,
	                           CADRE_EINVAL,
	                           CADRE_EINVAL,
	                           CADRE_EINVAL,
	                           CADRE_EINVAL,
	                           CADRE_EINVAL,
	                           CADRE_EINVAL,
	                           CADRE_ENOENT,
	                           0,
	                           CADRE_ESTATE,
	                           CADRE_EINVAL,
	                           CADRE_EINVAL,
	                           CADRE_EINVAL,
	                           CADRE_ENOENT};
	int n = run_in(sys, a, do_bad, &b);
	CHECK_EQ(n, (int)(sizeof want / sizeof want[0]));
	for (int i = 0; i < n; i++) {
		if (b.rc[i] != want[i])
			fprintf(stderr, "call %d: %s, want %s\n", i, cadre_err_name(b.rc[i]),
			        cadre_err_name(want[i]));
		CHECK_EQ(b.rc[i], want[i]);
	}
	char x;
	CHECK_EQ(read(fd, &x, 1), 0); /* the shutdown_write */
	close(fd);
	/* From outside any actor: CADRE_ESTATE. */
	cadre_io h;
	CHECK_EQ(cadre_tcp_listen((cadre_actor *)&b, "127.0.0.1:0", NULL, &h), CADRE_ESTATE);
	cadre_system_free(sys);
}

/* A blocking-pool actor keeps listening and closing while the test thread
 * shuts the system down: once closing is set, every call is CADRE_ECLOSED. */
static int
do_until_closed(cadre_actor *self, void *arg)
{
	int *started = arg;
	__atomic_store_n(started, 1, __ATOMIC_RELEASE); /* pairs with the acquire below */
	cadre_io h = {0, 0};
	for (int i = 0; i < 30000; i++) {
		int rc = cadre_tcp_listen(self, "127.0.0.1:0", NULL, &h);
		if (rc == CADRE_ECLOSED) {
			int ok =
			        cadre_tcp_connect(self, "127.0.0.1:1", NULL, &h) == CADRE_ECLOSED &&
			        cadre_udp_open(self, "127.0.0.1:0", &h) == CADRE_ECLOSED &&
			        cadre_io_write(self, h, "x", 1) == CADRE_ECLOSED &&
			        cadre_io_close(self, h) == CADRE_ECLOSED &&
			        cadre_io_local_addr(cadre_actor_system(self), h, (char[108]){0},
			                            108) == CADRE_ECLOSED;
			return ok ? rc : -1000;
		}
		CHECK_EQ(rc, 0);
		/* Shutdown may set closing between the listen and the close:
		 * then the close is refused too, and the next listen checks the
		 * rest (the handle is closed with its owner). */
		rc = cadre_io_close(self, h);
		if (rc != CADRE_ECLOSED)
			CHECK_EQ(rc, 0);
		nap_ms(1);
	}
	return -1;
}

struct shut {
	cadre_system *sys;
	cadre_ref a;
	int started, rc;
};

static void *
drive(void *arg)
{
	struct shut *s = arg;
	s->rc = run_in(s->sys, s->a, do_until_closed, &s->started);
	return NULL;
}

static void
calls_after_shutdown(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	cadre_ref a;
	cadre_spawn_opts o = {.flags = CADRE_SPAWN_BLOCKING};
	CHECK_EQ(cadre_spawn(sys, &agent_beh, &o, &c, &a), 0);
	struct shut s = {sys, a, 0, 0};
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, drive, &s), 0);
	WAIT_FOR(__atomic_load_n(&s.started, __ATOMIC_ACQUIRE) == 1);
	nap_ms(20);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	pthread_join(t, NULL);
	CHECK_EQ(s.rc, CADRE_ECLOSED);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, echo_roundtrip);
	TEST_CASE_IF(only, connect_numeric);
	TEST_CASE_IF(only, connect_by_name);
	TEST_CASE_IF(only, connect_refused);
	TEST_CASE_IF(only, half_close_by_us);
	TEST_CASE_IF(only, overflow_then_writable);
	TEST_CASE_IF(only, peer_reset_mid_write);
	TEST_CASE_IF(only, handoff);
	TEST_CASE_IF(only, unix_stream);
	TEST_CASE_IF(only, bad_input);
	TEST_CASE_IF(only, calls_after_shutdown);
	return 0;
}
