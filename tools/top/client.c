/* cadre-top's side of the observe endpoint: a Unix stream socket, one
 * request line out, one JSON line back (docs/guide.md, "Observing a running
 * system"). Blocking I/O bounded by poll(). */
#include "top.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The largest answer taken: 1000 actors take about 200 KB. */
#define TOP_MAX_LINE (64u * 1024u * 1024u)

int
top_connect(top_conn *c, const char *path)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	c->fd = fd;
	return 0;
}

void
top_close(top_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads more bytes into c->buf, waiting until deadline. */
static int
read_more(top_conn *c, int64_t deadline)
{
	if (c->cap - c->len < 4096) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		if (cap > TOP_MAX_LINE + 4096)
			return -EPROTO;
		char *b = realloc(c->buf, cap);
		if (b == NULL)
			return -ENOMEM;
		c->buf = b;
		c->cap = cap;
	}
	int64_t left = deadline - now_ms();
	if (left <= 0)
		return -ETIMEDOUT;
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	int r = poll(&pfd, 1, (int)left);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return -ETIMEDOUT;
	ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	if (n < 0)
		return (errno == EINTR || errno == EAGAIN) ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET; /* the endpoint closed the connection */
	c->len += (size_t)n;
	return 0;
}

int
top_request(top_conn *c, unsigned limit, int timeout_ms, char **line, size_t *len)
{
	if (c->fd < 0)
		return -ENOTCONN;
	char req[48];
	int n = snprintf(req, sizeof req, "snapshot %u\n", limit);
	int rc = send_all(c->fd, req, (size_t)n);
	if (rc != 0)
		return rc;
	int64_t deadline = now_ms() + timeout_ms;
	size_t scanned = 0;
	for (;;) {
		char *nl =
		        scanned < c->len ? memchr(c->buf + scanned, '\n', c->len - scanned) : NULL;
		if (nl != NULL) {
			size_t l = (size_t)(nl - c->buf);
			char *out = malloc(l + 1);
			if (out == NULL)
				return -ENOMEM;
			memcpy(out, c->buf, l);
			out[l] = '\0';
			c->len -= l + 1;
			memmove(c->buf, nl + 1, c->len);
			*line = out;
			*len = l;
			return 0;
		}
		scanned = c->len;
		if (c->len > TOP_MAX_LINE)
			return -EPROTO;
		rc = read_more(c, deadline);
		if (rc != 0)
			return rc;
	}
}
