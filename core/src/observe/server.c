/* Cadre: the observe endpoint (cadre_config.observe_path): a Unix socket
 * served by the system's own actors through io/, never blocking a worker.
 *
 * Design notes.
 *
 * cadre_system_new checks the path on its own thread (a stale socket file
 * is removed; a live socket or another file there is refused), then spawns
 * the listener and waits for its start to say whether it listens. Each
 * accepted connection gets an actor of its own (cadre_tcp_opts.conn_beh),
 * which reads request lines and answers each with one line: a snapshot
 * (json.c) or an error. A hostile client costs one idle actor and 256 bytes:
 * a line longer than that, or a client that does not read its answers
 * (its write queue full), is disconnected; other requests get an error
 * line. The actors are ordinary ones: they stop with the system (the
 * listener's close removes the socket file), and they count among its
 * actors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cadre/io.h>

#include "cadre__observe.h"

#define LINE_MAX_BYTES 256u
#define LIMIT_DEFAULT 1000u
#define LIMIT_MAX 100000u
_Static_assert(CADRE__OBSERVE_PATH_MAX < sizeof(((struct sockaddr_un *)0)->sun_path),
               "a path and its NUL fit a sockaddr_un");

/* ---- a connection ------------------------------------------------------------ */
struct conn {
	cadre_actor base;
	cadre_io h;
	uint32_t n; /* bytes of the request line so far */
	char line[LINE_MAX_BYTES + 1];
};

static void
hang_up(struct conn *c)
{
	(void)cadre_io_close(&c->base, c->h); /* the handle may be gone already */
	(void)cadre_stop(&c->base);
}

/* "snapshot" or "snapshot LIMIT": the limit, or -1 for anything else. */
static long
parse(const char *s)
{
	if (strncmp(s, "snapshot", 8) != 0)
		return -1;
	s += 8;
	if (*s == '\0')
		return LIMIT_DEFAULT;
	if (*s != ' ' || s[1] == '\0')
		return -1;
	unsigned long v = 0;
	for (s++; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10u + (unsigned long)(*s - '0');
		if (v > LIMIT_MAX)
			v = LIMIT_MAX; /* the most an answer holds */
	}
	return (long)v;
}

static const char unknown[] = "{\"error\":\"unknown request\"}\n";
static const char no_memory[] = "{\"error\":\"out of memory\"}\n";

/* Answers one request line; false if the connection is to end. */
static bool
answer(struct conn *c, const char *req)
{
	long limit = parse(req);
	struct cadre__text t = {0};
	const char *out = unknown;
	size_t n = sizeof unknown - 1;
	if (limit >= 0) {
		int rc = cadre__observe_json(cadre_actor_system(&c->base), (unsigned)limit, &t);
		if (rc == CADRE_ECLOSED) {
			cadre__text_free(&t);
			return false;
		}
		out = rc == 0 ? t.p : no_memory;
		n = rc == 0 ? t.n : sizeof no_memory - 1;
	}
	/* A client that does not read its answers fills its write queue:
	 * CADRE_EFULL ends it, as any other failure. */
	int rc = cadre_io_write(&c->base, c->h, out, n);
	cadre__text_free(&t);
	return rc == 0;
}

/* Bytes of a request stream: each full line answered. */
static bool
take(struct conn *c, const char *p, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (p[i] != '\n') {
			if (c->n == LINE_MAX_BYTES)
				return false; /* a line longer than the protocol's */
			c->line[c->n++] = p[i];
			continue;
		}
		if (c->n > 0 && c->line[c->n - 1] == '\r')
			c->n--;
		c->line[c->n] = '\0';
		c->n = 0;
		if (!answer(c, c->line))
			return false;
	}
	return true;
}

static int
conn_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct conn *c = (struct conn *)self;
	cadre_io_event ev;
	if (cadre_io_event_read(msg, &ev) != 0)
		return 0; /* not an I/O event: nobody else writes to it */
	if (ev.kind == CADRE_IO_ACCEPTED)
		c->h = ev.conn;
	else if (ev.kind == CADRE_IO_DATA && !take(c, ev.data, ev.size))
		hang_up(c);
	else if (ev.kind == CADRE_IO_PEER_CLOSED || ev.kind == CADRE_IO_CLOSED)
		hang_up(c);
	return 0;
}

static const cadre_behaviour conn_beh = {
        .size = sizeof(struct conn),
        .receive = conn_receive,
        .name = "cadre.observe.conn",
};

/* A stale socket file is removed; a socket someone listens on, or any
 * other file, is in use. */
static int
clear_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : CADRE_ESYS;
	if (!S_ISSOCK(st.st_mode))
		return CADRE_EADDRINUSE;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return CADRE_ESYS;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, path, strlen(path) + 1); /* the length was checked */
	int live = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 || errno == EAGAIN ||
	           errno == EINPROGRESS;
	close(fd);
	if (live)
		return CADRE_EADDRINUSE;
	return unlink(path) == 0 || errno == ENOENT ? 0 : CADRE_ESYS;
}

int
cadre__observe_start(struct cadre_system *sys, const char *path)
{
	size_t len = strlen(path);
	if (len == 0 || len > CADRE__OBSERVE_PATH_MAX) /* checked by configure too */
		return CADRE_EINVAL;
	int rc = clear_path(path);
	if (rc != 0)
		return rc;
	char addr[sizeof "unix:" + CADRE__OBSERVE_PATH_MAX];
	memcpy(addr, "unix:", 5);
	memcpy(addr + 5, path, len + 1); /* len <= 107: it fits */
	return cadre__endpoint_start(sys, &sys->obs, addr, &conn_beh, "cadre.observe");
}
