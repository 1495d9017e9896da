/* The libuv peer of the I/O benchmarks (docs/performance.md, "Talking to
 * the world"): an echo server and an HTTP/1.1 "hello" server with
 * keep-alive, written as libuv's own examples write them.
 *
 *   cadre-io-peer-uv --mode echo|http --port P --workers N
 *
 * Threads: libuv runs one loop per thread, so --workers N starts N
 * threads, each with its own loop and its own listening socket on the same
 * port (SO_REUSEPORT: the kernel spreads the connections over them). This
 * is libuv's usual way to use several cores (Node's cluster does the same
 * with processes). --workers 1 is the classic single loop.
 *
 * Echo: every read is written back at once, with uv_try_write first (no
 * copy, no request when the socket takes it all) and a uv_write of the
 * rest. HTTP: every complete request (a head ending in a blank line; GET
 * without a body) gets "Hello, World!" with Content-Length; pipelined
 * requests read together are answered with one write; the connection stays
 * open until the client closes it.
 *
 * Built by CMake as the optional target cadre-io-peer-uv when libuv's
 * headers are installed (Debian's libuv1-dev); by hand:
 *   cc -O2 -o cadre-io-peer-uv uv_peer.c -luv -lpthread */
#define _GNU_SOURCE

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#define RESPONSE \
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"
#define RESPONSE_LEN (sizeof(RESPONSE) - 1)
#define HEAD_MAX 8192

static bool http_mode;
static int port = 7001;

struct conn {
	uv_tcp_t tcp;
	size_t head_len; /* HTTP: bytes of the unfinished request head */
	int match;       /* how much of its closing blank line has been seen */
};

struct wreq {
	uv_write_t req;
	uv_buf_t buf;
};

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	buf->base = malloc(suggested);
	buf->len = buf->base ? suggested : 0;
}

static void
on_closed(uv_handle_t *h)
{
	free(h);
}

static void
on_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	if (status < 0 && !uv_is_closing((uv_handle_t *)req->handle))
		uv_close((uv_handle_t *)req->handle, on_closed);
	free(w->buf.base);
	free(w);
}

/* Writes data[0..n): what the socket does not take at once is copied
 * into a write request. */
static void
send_all(uv_stream_t *s, const char *data, size_t n)
{
	uv_buf_t b = uv_buf_init((char *)data, (unsigned)n);
	int k = uv_try_write(s, &b, 1);
	if (k == (int)n)
		return;
	if (k < 0 && k != UV_EAGAIN) {
		if (!uv_is_closing((uv_handle_t *)s))
			uv_close((uv_handle_t *)s, on_closed);
		return;
	}
	size_t done = k > 0 ? (size_t)k : 0;
	struct wreq *w = malloc(sizeof(*w));
	char *copy = malloc(n - done);
	if (!w || !copy) {
		free(w);
		free(copy);
		uv_close((uv_handle_t *)s, on_closed);
		return;
	}
	memcpy(copy, data + done, n - done);
	w->buf = uv_buf_init(copy, (unsigned)(n - done));
	if (uv_write(&w->req, s, &w->buf, 1, on_written) != 0) {
		free(copy);
		free(w);
	}
}

/* Counts the complete request heads in the bytes read (a small state
 * machine that finds each blank line, so a head split over reads is found
 * too) and answers each. */
static void
http_read(struct conn *c, const char *data, size_t n)
{
	static const char end[] = "\r\n\r\n";
	static _Thread_local char out[RESPONSE_LEN * 64];
	size_t answers = 0;
	for (size_t i = 0; i < n; i++) {
		if (data[i] == end[c->match])
			c->match++;
		else
			c->match = data[i] == '\r' ? 1 : 0;
		if (c->match == 4) {
			c->match = 0;
			c->head_len = 0;
			answers++;
		} else if (++c->head_len > HEAD_MAX) { /* a head too large: drop the connection */
			uv_close((uv_handle_t *)&c->tcp, on_closed);
			return;
		}
	}
	while (answers > 0) {
		size_t k = answers < 64 ? answers : 64;
		for (size_t i = 0; i < k; i++)
			memcpy(out + i * RESPONSE_LEN, RESPONSE, RESPONSE_LEN);
		send_all((uv_stream_t *)&c->tcp, out, k * RESPONSE_LEN);
		answers -= k;
	}
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	if (n > 0) {
		if (http_mode)
			http_read((struct conn *)s, buf->base, (size_t)n);
		else
			send_all(s, buf->base, (size_t)n);
	} else if (n < 0 && !uv_is_closing((uv_handle_t *)s)) {
		uv_close((uv_handle_t *)s, on_closed);
	}
	free(buf->base);
}

static void
on_connection(uv_stream_t *server, int status)
{
	if (status < 0)
		return;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	uv_tcp_init(server->loop, &c->tcp);
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		uv_close((uv_handle_t *)&c->tcp, on_closed);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* A listening socket of its own (SO_REUSEPORT), on a loop of its own. */
static void *
loop_main(void *arg)
{
	(void)arg;
	uv_loop_t loop;
	uv_tcp_t server;
	uv_loop_init(&loop);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4096) != 0) {
		fprintf(stderr, "uv_peer: cannot listen on port %d: %s\n", port, strerror(errno));
		exit(1);
	}
	uv_tcp_init(&loop, &server);
	uv_tcp_open(&server, fd);
	uv_listen((uv_stream_t *)&server, 4096, on_connection);
	uv_run(&loop, UV_RUN_DEFAULT);
	return NULL;
}

int
main(int argc, char **argv)
{
	int workers = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--mode") == 0)
			http_mode = strcmp(argv[i + 1], "http") == 0;
		else if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--workers") == 0)
			workers = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "usage: uv_peer --mode echo|http --port P --workers N\n");
			return 2;
		}
	}
	if (workers < 1 || port <= 0) {
		fprintf(stderr, "uv_peer: bad --workers or --port\n");
		return 2;
	}
	pthread_t t[256];
	for (int i = 1; i < workers && i < 256; i++)
		pthread_create(&t[i], NULL, loop_main, NULL);
	loop_main(NULL);
	return 0;
}
