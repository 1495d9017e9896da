/* An HTTP/1.1 "hello" server with keep-alive: every connection is an actor
 * that answers each request on it, in order, for as long as the client
 * keeps the connection open.
 *
 *   GET /       -> 200 "Hello, World!"
 *   GET /other  -> 404
 *   other verbs -> 405, then the connection is closed (no bodies are read)
 *   "Connection: close" -> the answer says so, then the connection is closed
 *
 * A request head may arrive in pieces (it is kept until its blank line) and
 * several may arrive at once (pipelining): all the answers to one DATA
 * message go out in one cadre_io_write. If the write queue is full
 * (CADRE_EFULL) the answers wait in the actor and later DATA messages are
 * stashed until CADRE_IO_WRITABLE: reading pauses meanwhile (read
 * backpressure), so a client that pipelines without reading cannot make
 * the server's memory grow.
 *
 * Self-test (no arguments): the server on port 0 and a plain blocking
 * client in main that checks every answer byte for byte: keep-alive,
 * pipelining, a head split over three writes, a 404, "Connection: close",
 * and 16 connections at once. With --port P [--workers W] it serves until
 * SIGINT or SIGTERM (wrk in tools/io/run-io-bench.sh). */
#include "io_common.h"

#define HEAD_MAX 8192

#define HELLO "Hello, World!"
#define OK_200 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n" HELLO
#define NOT_FOUND_404                                                                          \
	"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nNot " \
	"Found\n"
#define OK_200_CLOSE                                                                        \
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: " \
	"close\r\n\r\n" HELLO
#define BAD_400 "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define NOT_ALLOWED_405 \
	"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define TOO_LARGE_431                                                                       \
	"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: " \
	"close\r\n\r\n"

/* ---- the server -------------------------------------------------------------------- */
struct http {
	cadre_actor base;
	bool blocked, closing;
	char *out; /* the answers being built, then those waiting for WRITABLE */
	size_t out_len, out_cap;
	size_t head_len;
	char head[HEAD_MAX]; /* an unfinished request head */
};

static atomic_int conns_open;

static int
http_start(cadre_actor *self, void *arg)
{
	(void)self;
	(void)arg;
	atomic_fetch_add_explicit(&conns_open, 1, memory_order_relaxed); /* main reads it late */
	return 0;
}

static int
out_add(struct http *c, const char *s, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap * 2 : 4096;
		while (cap < c->out_len + n)
			cap *= 2;
		char *p = realloc(c->out, cap);
		if (!p)
			return CADRE_ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
	return 0;
}
#define OUT_ADD(c, lit) out_add((c), lit, sizeof(lit) - 1)

/* Does the head (request line, then header lines) have "Connection: close"? */
static bool
wants_close(const char *h, size_t n)
{
	const char *end = h + n; /* the head is not NUL-terminated: never read past end */
	for (const char *l = h; l && l < end;) {
		if (end - l >= 11 && strncasecmp(l, "connection:", 11) == 0) {
			const char *v = l + 11;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			if (end - v >= 5 && strncasecmp(v, "close", 5) == 0)
				return true;
		}
		l = memchr(l, '\n', (size_t)(end - l));
		l = l ? l + 1 : NULL;
	}
	return false;
}

/* Answers one complete head h[0..n) (its blank line included). */
static int
answer(struct http *c, const char *h, size_t n)
{
	const char *sp = memchr(h, ' ', n);
	const char *sp2 = sp ? memchr(sp + 1, ' ', (size_t)(h + n - sp - 1)) : NULL;
	if (!sp || !sp2 || (size_t)(h + n - sp2) < 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		c->closing = true;
		return OUT_ADD(c, BAD_400);
	}
	if (sp - h != 3 || memcmp(h, "GET", 3) != 0) {
		c->closing = true;
		return OUT_ADD(c, NOT_ALLOWED_405);
	}
	bool root = sp2 - sp == 2 && sp[1] == '/';
	if (wants_close(h, n)) {
		c->closing = true;
		return root ? OUT_ADD(c, OK_200_CLOSE) : OUT_ADD(c, BAD_400);
	}
	return root ? OUT_ADD(c, OK_200) : OUT_ADD(c, NOT_FOUND_404);
}

/* Finds the complete heads in p[0..n) (after what head[] holds) and answers
 * each into c->out. */
static int
parse(struct http *c, const char *p, size_t n)
{
	int rc = 0;
	while (n > 0 && !c->closing && rc == 0) {
		if (c->head_len == 0) { /* the common case: parse in place */
			const char *end = memmem(p, n, "\r\n\r\n", 4);
			if (end) {
				size_t k = (size_t)(end - p) + 4;
				rc = answer(c, p, k);
				p += k;
				n -= k;
				continue;
			}
		}
		size_t take = n < HEAD_MAX - c->head_len ? n : HEAD_MAX - c->head_len;
		size_t from = c->head_len > 3 ? c->head_len - 3 : 0;
		memcpy(c->head + c->head_len, p, take);
		const char *end = memmem(c->head + from, c->head_len + take - from, "\r\n\r\n", 4);
		if (end) {
			size_t k = (size_t)(end - c->head) + 4; /* the head's length */
			rc = answer(c, c->head, k);
			p += k - c->head_len;
			n -= k - c->head_len;
			c->head_len = 0;
		} else if (c->head_len + take == HEAD_MAX) {
			c->closing = true;
			rc = OUT_ADD(c, TOO_LARGE_431);
		} else {
			c->head_len += take;
			n = 0;
		}
	}
	return rc;
}

/* Writes c->out; keeps it when the queue is full (then blocked). */
static int
flush(struct http *c, cadre_io h)
{
	if (c->out_len == 0)
		return 0;
	int rc = cadre_io_write(&c->base, h, c->out, c->out_len);
	if (rc == CADRE_EFULL) {
		c->blocked = true;
		return 0;
	}
	c->out_len = 0;
	if (rc != 0)
		return cadre_stop(&c->base); /* reset by the peer */
	if (c->closing) /* after a "close" answer: FIN once the answer is out */
		return cadre_io_shutdown_write(&c->base, h);
	return 0;
}

static int
http_receive(cadre_actor *self, const cadre_msg *m)
{
	struct http *c = (struct http *)self;
	cadre_io_event ev;
	if (cadre_io_event_read(m, &ev) != 0)
		return 0;
	switch (ev.kind) {
	case CADRE_IO_DATA:
		if (c->blocked)
			return cadre_stash(self, m);
		if (c->closing)
			return 0; /* after a "close" request, the rest is ignored */
		int rc = parse(c, ev.data, ev.size);
		return rc != 0 ? rc : flush(c, ev.handle);
	case CADRE_IO_WRITABLE:
		c->blocked = false;
		if (flush(c, ev.handle) != 0)
			return -1;
		return c->blocked || cadre_unstash_all(self) >= 0 ? 0 : -1;
	case CADRE_IO_PEER_CLOSED:
		if (c->blocked)
			return cadre_stash(self, m);
		cadre_io_close(self, ev.handle);
		return cadre_stop(self);
	case CADRE_IO_CLOSED:
		return cadre_stop(self);
	default:
		return 0;
	}
}

static void
http_stop(cadre_actor *self, const cadre_exit *why)
{
	struct http *c = (struct http *)self;
	(void)why;
	free(c->out);
	atomic_fetch_sub_explicit(&conns_open, 1, memory_order_relaxed);
}

static const cadre_behaviour http = {.size = sizeof(struct http),
                                     .start = http_start,
                                     .receive = http_receive,
                                     .stop = http_stop,
                                     .name = "http"};

static int
listener_start(cadre_actor *self, void *arg)
{
	cadre_tcp_opts opts = {.conn_beh = &http, .no_delay = true};
	cadre_io h;
	int rc = cadre_tcp_listen(self, arg, &opts, &h);
	sample_publish_port(cadre_actor_system(self), h, rc);
	return rc;
}

static int
listener_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	return 0;
}

static const cadre_behaviour listener = {.size = sizeof(cadre_actor),
                                         .start = listener_start,
                                         .receive = listener_receive,
                                         .name = "listener"};

/* ---- the self-test: a plain blocking client ------------------------------------------- */
#define GET "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
#define LIT(s) s, sizeof(s) - 1

static int failures;

static void
expect(int fd, const char *want, size_t n, const char *what)
{
	char got[8192];
	int ok = n <= sizeof got && sample_recv_exact(fd, got, n) == 0 && memcmp(got, want, n) == 0;
	printf("  %-44s %s\n", what, ok ? "ok" : "WRONG");
	failures += !ok;
}

static void
expect_n(int fd, const char *want, size_t n, int times, const char *what)
{
	char got[n];
	int ok = 1;
	for (int i = 0; i < times && ok; i++)
		ok = sample_recv_exact(fd, got, n) == 0 && memcmp(got, want, n) == 0;
	if (what)
		printf("  %-44s %s\n", what, ok ? "ok" : "WRONG");
	failures += !ok;
}

static int
self_test(int port)
{
	int fd = sample_dial(port);
	if (fd < 0)
		return 1;
	for (int i = 0; i < 3; i++) { /* keep-alive: three in turn on one connection */
		sample_send_all(fd, LIT(GET));
		expect(fd, LIT(OK_200), "keep-alive: GET / (one connection)");
	}
	char many[20 * sizeof GET];
	for (int i = 0; i < 20; i++)
		memcpy(many + i * (sizeof GET - 1), GET, sizeof GET - 1);
	sample_send_all(fd, many, 20 * (sizeof GET - 1));
	expect_n(fd, LIT(OK_200), 20, "pipelined: 20 requests in one write");
	sample_send_all(fd, LIT("GET / HT")); /* a head in three pieces */
	sample_sleep_ms(20);
	sample_send_all(fd, LIT("TP/1.1\r\nHost: local"));
	sample_sleep_ms(20);
	sample_send_all(fd, LIT("host\r\n\r\n"));
	expect(fd, LIT(OK_200), "a head split over three writes");
	sample_send_all(fd, LIT("GET /nothing HTTP/1.1\r\nHost: localhost\r\n\r\n"));
	expect(fd, LIT(NOT_FOUND_404), "GET /nothing: 404");
	sample_send_all(fd, LIT("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
	expect(fd, LIT(OK_200_CLOSE), "Connection: close: the answer says so");
	int eof = sample_sees_eof(fd);
	printf("  %-44s %s\n", "... then the server closes", eof ? "ok" : "WRONG");
	failures += !eof;
	close(fd);

	int fds[16], n = 0;
	for (; n < 16 && (fds[n] = sample_dial(port)) >= 0; n++) {
	}
	int before = failures;
	for (int r = 0; r < 50; r++) {
		for (int i = 0; i < n; i++)
			sample_send_all(fds[i], LIT(GET));
		for (int i = 0; i < n; i++)
			expect_n(fds[i], LIT(OK_200), 1, NULL);
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	failures += n != 16;
	printf("  %-44s %s\n", "16 connections x 50 requests, interleaved",
	       failures == before ? "ok" : "WRONG");
	for (int i = 0; i < 10000 && atomic_load(&conns_open) > 0; i++)
		sample_sleep_ms(1);
	int open = atomic_load(&conns_open);
	printf("http: %d failures; %d connection actors left\n", failures, open);
	return failures == 0 && open == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct sample_args a;
	sigset_t sigs;
	if (sample_parse(argc, argv, &a) != 0)
		return 2;
	if (a.port >= 0)
		sample_serve_prepare(&sigs);
	cadre_system *sys;
	cadre_config cfg = {.workers = a.workers};
	if (cadre_system_new(&sys, &cfg) != 0)
		return 1;
	char addr[64];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", a.port < 0 ? 0 : a.port);
	cadre_ref l;
	int port = cadre_spawn(sys, &listener, NULL, addr, &l) == 0 ? sample_wait_port() : -1;
	int rc = 1;
	if (port > 0 && a.port >= 0) {
		fprintf(stderr, "http: serving on 127.0.0.1:%d with %u workers\n", port,
		        cadre_system_workers(sys));
		int sig;
		sigwait(&sigs, &sig);
		rc = 0;
	} else if (port > 0) {
		rc = self_test(port);
	}
	cadre_system_free(sys);
	return rc;
}
