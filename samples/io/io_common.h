/* What the I/O samples share, none of it Cadre's business: the command
 * line, handing the listener's port to main, serving until a signal, and
 * small blocking-socket helpers for the self-tests' plain clients.
 *
 * Every I/O sample runs two ways:
 *   sample_io_X                          a self-test: the server on port 0,
 *                                        driven by a few clients, exact checks,
 *                                        exit status 0 when all passed (ctest)
 *   sample_io_X --port P [--workers W]   serve on 127.0.0.1:P until SIGINT or
 *                                        SIGTERM (tools/io/run-io-bench.sh loads
 *                                        it this way) */
#ifndef SAMPLE_IO_COMMON_H
#define SAMPLE_IO_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cadre.h>

struct sample_args {
	int port;         /* -1: the self-test (port 0) */
	unsigned workers; /* 0: Cadre's default */
};

static inline int
sample_parse(int argc, char **argv, struct sample_args *a)
{
	*a = (struct sample_args){.port = -1};
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--port") == 0)
			a->port = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--workers") == 0)
			a->workers = (unsigned)atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--port P [--workers W]]\n", argv[0]);
			return -1;
		}
	}
	if (a->port > 65535) {
		fprintf(stderr, "%s: bad port\n", argv[0]);
		return -1;
	}
	return 0;
}

/* The listener's actor publishes its port here (or -1 if it could not
 * listen); main waits for it. */
static _Atomic int sample_port;

static inline void
sample_publish_port(cadre_system *sys, cadre_io listener, int rc)
{
	char addr[128];
	int port = -1;
	if (rc == 0 && cadre_io_local_addr(sys, listener, addr, sizeof addr) == 0) {
		const char *colon = strrchr(addr, ':');
		port = colon ? atoi(colon + 1) : -1;
	}
	if (rc != 0)
		fprintf(stderr, "listen: %s\n", cadre_strerror(rc));
	/* release: pairs with sample_wait_port's acquire */
	atomic_store_explicit(&sample_port, port, memory_order_release);
}

static inline void
sample_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* The port, once the listener listens: > 0, or -1 (failed or 10 s passed). */
static inline int
sample_wait_port(void)
{
	for (int i = 0; i < 10000; i++) {
		/* acquire: pairs with sample_publish_port's release */
		int p = atomic_load_explicit(&sample_port, memory_order_acquire);
		if (p != 0)
			return p;
		sample_sleep_ms(1);
	}
	return -1;
}

/* Serve mode, before cadre_system_new: SIGINT and SIGTERM blocked in every
 * thread (the workers inherit the mask), so that main takes them with
 * sigwait; more descriptors for many connections. */
static inline void
sample_serve_prepare(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ---- blocking clients for the self-tests ------------------------------------ */
/* A connected blocking socket to 127.0.0.1:port, reads bounded by 10 s; -1 on error. */
static inline int
sample_dial(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline int
sample_send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads exactly n bytes: 0, or -1 (EOF, error, or the 10 s bound). */
static inline int
sample_recv_exact(int fd, void *p, size_t n)
{
	char *c = p;
	while (n > 0) {
		ssize_t k = recv(fd, c, n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads one line ending in '\n' (the '\n' dropped) into buf: its length, or -1. */
static inline int
sample_recv_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t k = recv(fd, buf + n, 1, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return (int)n;
		}
		n++;
	}
	return -1;
}

/* 1 if the peer closed (EOF within 10 s), else 0. */
static inline int
sample_sees_eof(int fd)
{
	char c;
	ssize_t k;
	while ((k = recv(fd, &c, 1, 0)) < 0 && errno == EINTR) {
	}
	return k == 0;
}

#endif /* SAMPLE_IO_COMMON_H */
