/* Cadre tests: helpers of the I/O tests (tests/core/io/).
 *
 * An agent is an actor that the test thread drives: run_in(sys, ref, fn,
 * arg) makes it call fn(self, arg) inside its receive and returns what fn
 * returned; every I/O event it gets goes to its hook (if set) and into its
 * log, which the test thread reads under the log's mutex. Bounded waits
 * only (WAIT_FOR aborts after WAIT_ROUNDS ms). */
#ifndef CADRE_TEST_IO_HELPERS_H
#define CADRE_TEST_IO_HELPERS_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdint.h>
#include <string.h>

#include <cadre.h>

#include "check.h"
#ifndef WAIT_ROUNDS
#define WAIT_ROUNDS 30000
#endif
#include "waits.h"

enum { M_CMD = 1 };

#define LOG_MAX 4096

struct logged {
	cadre_io_kind kind;
	cadre_io handle, conn;
	int status, os_error;
	uint32_t events;
	int fd;
	size_t size;
	char addr[108];
};

struct agent_ctx {
	/* Called on each event before it is logged, in the agent's receive. */
	void (*hook)(cadre_actor *self, struct agent_ctx *c, const cadre_io_event *ev);
	void *user;
	pthread_mutex_t mu;
	struct logged log[LOG_MAX];
	int n;
	uint64_t bytes; /* DATA bytes received */
	long stops;     /* the agent's stop ran (release) */
};

struct agent {
	cadre_actor base;
	struct agent_ctx *c;
};

struct cmd {
	int (*fn)(cadre_actor *self, void *arg);
	void *arg;
	int rc;
	int done; /* release, read with acquire */
};

static inline int
agent_start(cadre_actor *self, void *arg)
{
	((struct agent *)self)->c = arg;
	return 0;
}

static inline void
agent_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	struct agent_ctx *c = ((struct agent *)self)->c;
	__atomic_add_fetch(&c->stops, 1, __ATOMIC_RELEASE);
}

static inline void
agent_log(struct agent_ctx *c, const cadre_io_event *ev)
{
	pthread_mutex_lock(&c->mu);
	if (c->n < LOG_MAX) {
		struct logged *l = &c->log[c->n++];
		l->kind = ev->kind;
		l->handle = ev->handle;
		l->conn = ev->conn;
		l->status = ev->status;
		l->os_error = ev->os_error;
		l->events = ev->events;
		l->fd = ev->fd;
		l->size = ev->size;
		memcpy(l->addr, ev->addr, sizeof l->addr);
	}
	if (ev->kind == CADRE_IO_DATA)
		c->bytes += ev->size;
	pthread_mutex_unlock(&c->mu);
}

static inline int
agent_receive(cadre_actor *self, const cadre_msg *m)
{
	struct agent_ctx *c = ((struct agent *)self)->c;
	if (m->type == M_CMD) {
		struct cmd *k = *(struct cmd *const *)m->data;
		k->rc = k->fn(self, k->arg);
		__atomic_store_n(&k->done, 1, __ATOMIC_RELEASE); /* pairs with run_in's acquire */
		return 0;
	}
	cadre_io_event ev;
	CHECK_EQ(cadre_io_event_read(m, &ev), 0);
	if (c->hook != NULL)
		c->hook(self, c, &ev);
	agent_log(c, &ev);
	return 0;
}

static const cadre_behaviour agent_beh = {.size = sizeof(struct agent),
                                          .name = "io-agent",
                                          .start = agent_start,
                                          .receive = agent_receive,
                                          .stop = agent_stop};

static inline void
ctx_init(struct agent_ctx *c)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
}

static inline cadre_ref
agent_spawn(cadre_system *sys, struct agent_ctx *c)
{
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &agent_beh, NULL, c, &r), 0);
	return r;
}

/* Runs fn(self, arg) in the agent `to`; its result. */
static inline int
run_in(cadre_system *sys, cadre_ref to, int (*fn)(cadre_actor *, void *), void *arg)
{
	struct cmd k = {fn, arg, 0, 0};
	struct cmd *p = &k;
	CHECK_EQ(cadre_send(sys, to, M_CMD, &p, sizeof p), 0);
	WAIT_FOR(__atomic_load_n(&k.done, __ATOMIC_ACQUIRE));
	return k.rc;
}

/* How many events of kind the agent logged. */
static inline int
count_kind(struct agent_ctx *c, cadre_io_kind kind)
{
	pthread_mutex_lock(&c->mu);
	int k = 0;
	for (int i = 0; i < c->n; i++)
		k += c->log[i].kind == kind;
	pthread_mutex_unlock(&c->mu);
	return k;
}

/* The last event of kind (its copy), 1 if there is one. */
static inline int
last_kind(struct agent_ctx *c, cadre_io_kind kind, struct logged *out)
{
	pthread_mutex_lock(&c->mu);
	int found = 0;
	for (int i = c->n - 1; i >= 0 && !found; i--) {
		if (c->log[i].kind == kind) {
			*out = c->log[i];
			found = 1;
		}
	}
	pthread_mutex_unlock(&c->mu);
	return found;
}

/* The process's open fds (/proc/self/fd, less the directory's own). */
static inline int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int n = 0;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the DIR's fd */
}

static inline uint64_t
dead_letters(cadre_system *sys)
{
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	return st.dead_letters;
}

/* ---- plain sockets of the test thread ---------------------------------- */

/* The port of "1.2.3.4:port". */
static inline int
port_of(const char *addr)
{
	const char *c = strrchr(addr, ':');
	CHECK(c != NULL);
	return atoi(c + 1);
}

/* A blocking TCP connection to 127.0.0.1:port. */
static inline int
client_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* A plain listener on 127.0.0.1, port 0; its port in *port. */
static inline int
plain_listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	CHECK_EQ(listen(fd, 128), 0);
	socklen_t len = sizeof a;
	CHECK_EQ(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Reads exactly n bytes (blocking); the count read before EOF. */
static inline size_t
read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static inline void
write_full(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, (const char *)buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		CHECK(w > 0);
		done += (size_t)w;
	}
}

/* Listening: opts and the address string the agent got. */
struct listen_req {
	const char *addr;
	cadre_tcp_opts opts;
	cadre_io h;
	char local[108];
};

static inline int
do_listen(cadre_actor *self, void *arg)
{
	struct listen_req *q = arg;
	int rc = cadre_tcp_listen(self, q->addr, &q->opts, &q->h);
	if (rc == 0)
		CHECK_EQ(cadre_io_local_addr(cadre_actor_system(self), q->h, q->local,
		                             sizeof q->local),
		         0);
	return rc;
}

#endif /* CADRE_TEST_IO_HELPERS_H */
