/* cadre-loadgen: a TCP load generator for echo and HTTP/1.1 servers (the
 * benchmarks of docs/performance.md, "Talking to the world"). Plain C,
 * epoll and libc only: it is not a Cadre program, so that it loads every
 * server, Cadre's and its peers', the same way.
 *
 * What it does. It opens --conns connections to --addr and, on each,
 * sends messages of --size bytes and waits for them to come back:
 * - closed loop (the default): every connection keeps --inflight messages
 *   in flight (default 1) and sends the next as soon as one returns, so
 *   the server is loaded as fast as it answers;
 * - open loop (--rate R): R messages per second in all, scheduled on a
 *   fixed grid (message j goes to connection j mod N at start + j / R)
 *   whatever the answers do. Latency is measured from the scheduled time,
 *   not from the time the message was written, so a server that stalls
 *   is charged for every message it delays (no coordinated omission).
 * --http sends "GET / HTTP/1.1" requests instead and reads the responses
 * (status line, headers, Content-Length body; pipelined when --inflight
 * > 1).
 *
 * Checks. Echo: the bytes sent on a connection are a known stream, and
 * every byte that comes back is compared with it. HTTP: every response
 * must be "200" with a Content-Length body. Any mismatch, a connection
 * error, or a measured run that completed nothing fails the check (exit
 * status 1).
 *
 * Phases. Connect every connection (all must connect), a warm-up of
 * --warmup seconds, then --runs measured runs of --secs seconds each (or
 * of --msgs messages each, when given), back to back under the same load;
 * then the in-flight messages are drained (2 s at most). It prints one
 * JSON line (docs/benchmarks.md): msgs, secs and mps of the run with the
 * median rate, bytes_per_sec, and p50_ns / p99_ns / p999_ns / max_ns over
 * all measured runs.
 *
 * --idle SECS is the idle-connections test: every connection does one
 * round trip (so the server has really accepted it), then all of them sit
 * idle for SECS seconds. With --server-pid PID it reads the server's
 * /proc/PID/stat and /proc/PID/status and reports the server's CPU time
 * over the idle window (cpu_secs) and its RSS growth per connection
 * (bytes_per_conn, from before connecting to after the round trips).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bench_cli.h"
#include "bench_progress.h"
#include "loadgen_hist.h"

#define PROG "cadre-loadgen"
#define MAX_RUNS 100
#define PAT_PERIOD 251u             /* the echo stream: byte i is pat[i % 251] */
#define PAT_LEN (PAT_PERIOD * 264u) /* any 64 KiB window starts within it */
#define CHUNK (64u * 1024u)         /* the most one read or write moves */
#define HTTP_REQ "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
#define HTTP_REQ_LEN (sizeof(HTTP_REQ) - 1)

struct opts {
	const char *addr, *impl, *bench;
	uint32_t conns, size, inflight, threads, runs, workers;
	uint64_t rate, msgs;
	double secs, warmup, idle;
	int server_pid;
	bool http, quick;
};

struct conn {
	int fd;
	uint32_t id;      /* the index in its thread */
	uint64_t sent;    /* messages queued for writing */
	uint64_t done;    /* messages answered */
	uint64_t out_off; /* bytes written */
	uint64_t in_off;  /* bytes read (echo) */
	uint64_t *t_sent; /* closed loop: send times, a ring of inflight */
	char *in;         /* HTTP: the bytes of a partial response */
	size_t in_len;
	bool want_out; /* EPOLLOUT armed */
};

struct worker {
	pthread_t tid;
	const struct opts *o;
	struct conn *c;
	uint32_t n;
	int ep, tfd;
	uint64_t start_ns; /* open loop: the schedule's origin */
	uint64_t next_j;   /* open loop: the next message to schedule */
	double rate;       /* open loop: this thread's share of --rate */
	struct hist hist;
	_Atomic uint64_t completed; /* written by this thread only */
	uint64_t errors, mismatches;
	char *rbuf;
};

static uint8_t pat[PAT_LEN];
static char http_reqs[HTTP_REQ_LEN * 64];
/* The measured run in progress: -1 warm-up, 0..runs-1, runs = stop. Stored
 * by the main thread (release), loaded by the workers (acquire) so that a
 * worker that sees "stop" also sees everything the main thread wrote
 * before. */
static _Atomic int window = -1;
/* Idle mode: only one round trip per connection. */
static bool one_each;

/* ---- the options ------------------------------------------------------------ */
static void
usage(FILE *f)
{
	fputs("usage: " PROG " [options]\n"
	      "  --addr HOST:PORT   the server (default 127.0.0.1:7000)\n"
	      "  --conns N          connections (default 64)\n"
	      "  --size S           bytes per echo message (default 64)\n"
	      "  --inflight K       messages in flight per connection, closed loop (default 1)\n"
	      "  --rate R           open loop: R messages/s in all (default 0: closed loop)\n"
	      "  --secs D           seconds per measured run (default 5)\n"
	      "  --msgs M           or: messages per measured run (default 0: by time)\n"
	      "  --warmup W         seconds of load before measuring (default 1)\n"
	      "  --runs R           measured runs, the median reported (default 1)\n"
	      "  --threads T        load generator threads (default 1)\n"
	      "  --http             HTTP/1.1 keep-alive GET / instead of echo\n"
	      "  --idle D           idle test: one round trip each, then D s idle\n"
	      "  --server-pid PID   idle test: the server's CPU and RSS from /proc\n"
	      "  --impl NAME        the server's name in the JSON line (default unknown)\n"
	      "  --workers W        the server's workers, for the JSON line (default 0)\n"
	      "  --bench NAME       the workload's name (default echo, http, idle_conns)\n"
	      "  --quick            secs, warm-up and msgs / 10\n",
	      f);
}

static void
parse_opts(struct opts *o, int argc, char **argv)
{
	struct bench_args a;
	*o = (struct opts){.addr = "127.0.0.1:7000",
	                   .impl = "unknown",
	                   .conns = 64,
	                   .size = 64,
	                   .inflight = 1,
	                   .threads = 1,
	                   .runs = 1,
	                   .secs = 5,
	                   .warmup = 1};
	bench_args_init(&a, argc, argv, PROG, usage);
	while (bench_args_next(&a)) {
		if (bench_args_is(&a, "--addr"))
			o->addr = bench_args_value(&a);
		else if (bench_args_is(&a, "--conns"))
			o->conns = (uint32_t)bench_args_u64(&a, 1, 1000000);
		else if (bench_args_is(&a, "--size"))
			o->size = (uint32_t)bench_args_u64(&a, 1, 16u << 20);
		else if (bench_args_is(&a, "--inflight"))
			o->inflight = (uint32_t)bench_args_u64(&a, 1, 4096);
		else if (bench_args_is(&a, "--rate"))
			o->rate = bench_args_u64(&a, 0, 100000000);
		else if (bench_args_is(&a, "--secs"))
			o->secs = bench_args_double(&a, 0.01, 86400);
		else if (bench_args_is(&a, "--msgs"))
			o->msgs = bench_args_u64(&a, 0, UINT64_MAX / 2);
		else if (bench_args_is(&a, "--warmup"))
			o->warmup = bench_args_double(&a, 0, 3600);
		else if (bench_args_is(&a, "--runs"))
			o->runs = (uint32_t)bench_args_u64(&a, 1, MAX_RUNS);
		else if (bench_args_is(&a, "--threads"))
			o->threads = (uint32_t)bench_args_u64(&a, 1, 256);
		else if (bench_args_is(&a, "--http"))
			o->http = true;
		else if (bench_args_is(&a, "--idle"))
			o->idle = bench_args_double(&a, 0.01, 86400);
		else if (bench_args_is(&a, "--server-pid"))
			o->server_pid = (int)bench_args_u64(&a, 1, INT32_MAX);
		else if (bench_args_is(&a, "--impl"))
			o->impl = bench_args_value(&a);
		else if (bench_args_is(&a, "--workers"))
			o->workers = (uint32_t)bench_args_u64(&a, 0, 4096);
		else if (bench_args_is(&a, "--bench"))
			o->bench = bench_args_value(&a);
		else if (bench_args_is(&a, "--quick"))
			o->quick = true;
		else
			bench_args_bad(&a);
	}
	if (o->quick) {
		o->secs /= 10;
		o->warmup /= 10;
		o->msgs /= 10;
	}
	if (o->threads > o->conns)
		o->threads = o->conns;
	if (!o->bench)
		o->bench = o->idle > 0 ? "idle_conns" : o->http ? "http" : "echo";
}

/* ---- connecting --------------------------------------------------------------- */
static int
resolve(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return -1;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	char *h = host;
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		h[strlen(h) - 1] = '\0';
		h++;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
	if (getaddrinfo(h, colon + 1, &hints, &res) != 0)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Opens every connection of every thread, non-blocking, and waits until
 * each has connected: 0, or -1 with a message. */
static int
connect_all(struct worker *w, uint32_t nw, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (resolve(addr, &ss, &len) != 0) {
		note(PROG ": cannot resolve %s", addr);
		return -1;
	}
	for (uint32_t t = 0; t < nw; t++) {
		for (uint32_t i = 0; i < w[t].n; i++) {
			struct conn *c = &w[t].c[i];
			c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (c->fd < 0) {
				note(PROG ": socket: %s", strerror(errno));
				return -1;
			}
			int one = 1;
			setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			if (connect(c->fd, (struct sockaddr *)&ss, len) != 0 &&
			    errno != EINPROGRESS) {
				note(PROG ": connect %s: %s", addr, strerror(errno));
				return -1;
			}
			struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = i};
			epoll_ctl(w[t].ep, EPOLL_CTL_ADD, c->fd, &ev);
		}
	}
	for (uint32_t t = 0; t < nw; t++) {
		uint32_t pending = w[t].n;
		struct epoll_event evs[256];
		while (pending > 0) {
			int k = epoll_wait(w[t].ep, evs, 256, 10000);
			if (k <= 0) {
				note(PROG ": connecting to %s timed out", addr);
				return -1;
			}
			for (int e = 0; e < k; e++) {
				struct conn *c = &w[t].c[evs[e].data.u32];
				int err = 0;
				socklen_t el = sizeof(err);
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err != 0) {
					note(PROG ": connect %s: %s", addr, strerror(err));
					return -1;
				}
				struct epoll_event ev = {.events = EPOLLIN, .data.u32 = c->id};
				epoll_ctl(w[t].ep, EPOLL_CTL_MOD, c->fd, &ev);
				pending--;
			}
		}
	}
	return 0;
}

/* ---- sending ----------------------------------------------------------------------- */
static void
want_out(struct worker *w, struct conn *c, bool on)
{
	if (c->want_out == on)
		return;
	c->want_out = on;
	struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0u), .data.u32 = c->id};
	epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what is queued on c (messages sent and not yet written); arms
 * EPOLLOUT when the socket is full. */
static void
flush(struct worker *w, struct conn *c)
{
	uint64_t msg = w->o->http ? HTTP_REQ_LEN : w->o->size;
	uint64_t target = c->sent * msg;
	while (c->out_off < target) {
		uint64_t left = target - c->out_off;
		const char *p;
		size_t n;
		if (w->o->http) {
			uint64_t at = c->out_off % HTTP_REQ_LEN;
			p = http_reqs + at;
			n = sizeof(http_reqs) - at;
		} else {
			uint64_t at = c->out_off % PAT_PERIOD;
			p = (const char *)pat + at;
			n = PAT_LEN - at;
		}
		if (n > left)
			n = (size_t)left;
		ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				want_out(w, c, true);
				return;
			}
			if (errno == EINTR)
				continue;
			w->errors++;
			return;
		}
		c->out_off += (uint64_t)k;
	}
	want_out(w, c, false);
}

/* Closed loop: keeps --inflight messages in flight on c. */
static void
top_up(struct worker *w, struct conn *c, uint64_t now)
{
	const struct opts *o = w->o;
	if (o->rate > 0 ||
	    atomic_load_explicit(&window, memory_order_relaxed) >= (int)o->runs) /* a hint */
		return;
	uint64_t cap = one_each ? 1 : o->inflight;
	bool more = false;
	while (c->sent - c->done < cap && !(one_each && c->sent >= 1)) {
		c->t_sent[c->sent % o->inflight] = now;
		c->sent++;
		more = true;
	}
	if (more)
		flush(w, c);
}

/* Open loop: schedules every message due by now, round robin over the
 * thread's connections, and arms the timer for the next one. */
static void
schedule_due(struct worker *w, uint64_t now)
{
	if (atomic_load_explicit(&window, memory_order_relaxed) >= (int)w->o->runs)
		return; /* a hint: stopping */
	uint64_t due = (uint64_t)((double)(now - w->start_ns) * w->rate / 1e9) + 1;
	while (w->next_j < due) {
		struct conn *c = &w->c[w->next_j % w->n];
		c->sent++;
		w->next_j++;
		flush(w, c);
	}
	uint64_t next = w->start_ns + (uint64_t)((double)w->next_j * 1e9 / w->rate);
	struct itimerspec its = {.it_value = {.tv_sec = (time_t)(next / 1000000000u),
	                                      .tv_nsec = (long)(next % 1000000000u)}};
	timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ---- receiving ------------------------------------------------------------------------ */
/* One message on c has been answered at `now`. */
static void
completed(struct worker *w, struct conn *c, uint64_t now)
{
	const struct opts *o = w->o;
	uint64_t t0;
	if (o->rate > 0) /* message k of c is message j = id + k*n of the thread's grid */
		t0 = w->start_ns +
		     (uint64_t)((double)(c->id + c->done * (uint64_t)w->n) * 1e9 / w->rate);
	else
		t0 = c->t_sent[c->done % o->inflight];
	c->done++;
	/* relaxed: a counter only this thread writes; the main thread reads
	 * it for progress and the run's totals, and a stale value there only
	 * moves a message into the next run. */
	atomic_store_explicit(&w->completed,
	                      atomic_load_explicit(&w->completed, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	int win = atomic_load_explicit(&window, memory_order_relaxed);
	if (win >= 0 && win < (int)o->runs)
		hist_add(&w->hist, now > t0 ? now - t0 : 0);
}

static void
on_echo(struct worker *w, struct conn *c, const char *buf, size_t n, uint64_t now)
{
	uint64_t size = w->o->size;
	if (memcmp(buf, pat + c->in_off % PAT_PERIOD, n) != 0)
		w->mismatches++;
	uint64_t before = c->in_off / size;
	c->in_off += n;
	for (uint64_t k = c->in_off / size; before < k; before++)
		completed(w, c, now);
}

/* Parses the complete responses at the start of c->in; returns the bytes
 * used, or SIZE_MAX on a malformed response. */
static size_t
http_parse(struct worker *w, struct conn *c, uint64_t now)
{
	size_t used = 0;
	for (;;) {
		const char *p = c->in + used, *end = c->in + c->in_len;
		const char *hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (!hdr_end)
			return used;
		if ((size_t)(end - p) < 12 || memcmp(p, "HTTP/1.1 200", 12) != 0)
			return SIZE_MAX;
		long body = -1;
		for (const char *l = p; l < hdr_end;
		     l = (const char *)memchr(l, '\n', (size_t)(hdr_end - l)) + 1) {
			if (strncasecmp(l, "content-length:", 15) == 0)
				body = strtol(l + 15, NULL, 10);
			if (!memchr(l, '\n', (size_t)(hdr_end - l)))
				break;
		}
		if (body <= 0)
			return SIZE_MAX;
		if ((size_t)(end - hdr_end - 4) < (size_t)body)
			return used;
		used = (size_t)(hdr_end + 4 - c->in) + (size_t)body;
		completed(w, c, now);
	}
}

static void
on_http(struct worker *w, struct conn *c, const char *buf, size_t n, uint64_t now)
{
	if (c->in_len + n > CHUNK * 2) {
		w->mismatches++;
		c->in_len = 0;
		return;
	}
	memcpy(c->in + c->in_len, buf, n);
	c->in_len += n;
	size_t used = http_parse(w, c, now);
	if (used == SIZE_MAX) {
		w->mismatches++;
		c->in_len = 0;
		return;
	}
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
}

static void
on_readable(struct worker *w, struct conn *c)
{
	for (;;) {
		ssize_t k = recv(c->fd, w->rbuf, CHUNK, 0);
		if (k <= 0) {
			if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (k < 0 && errno == EINTR)
				continue;
			w->errors++; /* closed by the server, or reset */
			close(c->fd);
			c->fd = -1;
			return;
		}
		uint64_t now = bench_now_ns();
		if (w->o->http)
			on_http(w, c, w->rbuf, (size_t)k, now);
		else
			on_echo(w, c, w->rbuf, (size_t)k, now);
		if ((size_t)k < CHUNK)
			break;
	}
	top_up(w, c, bench_now_ns());
}

/* ---- one thread's loop --------------------------------------------------------------- */
static bool
drained(const struct worker *w)
{
	for (uint32_t i = 0; i < w->n; i++)
		if (w->c[i].done < w->c[i].sent && w->c[i].fd >= 0)
			return false;
	return true;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[512];
	uint64_t stop_at = 0;
	w->start_ns = bench_now_ns();
	if (w->o->rate > 0)
		schedule_due(w, w->start_ns);
	else
		for (uint32_t i = 0; i < w->n; i++)
			top_up(w, &w->c[i], w->start_ns);
	for (;;) {
		/* acquire: pairs with the main thread's release of the window. */
		if (atomic_load_explicit(&window, memory_order_acquire) >= (int)w->o->runs) {
			uint64_t now = bench_now_ns();
			if (stop_at == 0)
				stop_at = now + 2000000000u;
			if (drained(w) || now >= stop_at || w->errors > 0)
				break;
		}
		int k = epoll_wait(w->ep, evs, 512, 10);
		for (int e = 0; e < k; e++) {
			if (evs[e].data.u32 == UINT32_MAX) {
				uint64_t ticks;
				if (read(w->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					w->errors++;
				schedule_due(w, bench_now_ns());
				continue;
			}
			struct conn *c = &w->c[evs[e].data.u32];
			if (evs[e].events & EPOLLOUT)
				flush(w, c);
			if (evs[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				on_readable(w, c);
		}
	}
	return NULL;
}

/* ---- the main thread: set-up, phases, report ----------------------------------------- */
static void
sleep_s(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
	                      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static uint64_t
total_completed(struct worker *w, uint32_t nw)
{
	uint64_t sum = 0;
	for (uint32_t t = 0; t < nw; t++) /* relaxed: see completed() */
		sum += atomic_load_explicit(&w[t].completed, memory_order_relaxed);
	return sum;
}

static struct worker *
setup(const struct opts *o)
{
	for (uint32_t i = 0; i < PAT_LEN; i++)
		pat[i] = (uint8_t)('a' + (i % PAT_PERIOD) * 7 % 26);
	for (size_t i = 0; i < sizeof(http_reqs); i += HTTP_REQ_LEN)
		memcpy(http_reqs + i, HTTP_REQ, HTTP_REQ_LEN);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct worker *w = calloc(o->threads, sizeof(*w));
	if (!w)
		return NULL;
	for (uint32_t t = 0; t < o->threads; t++) {
		w[t].o = o;
		w[t].n = o->conns / o->threads + (t < o->conns % o->threads);
		w[t].c = calloc(w[t].n, sizeof(struct conn));
		w[t].rbuf = malloc(CHUNK);
		w[t].ep = epoll_create1(EPOLL_CLOEXEC);
		w[t].tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		w[t].rate = (double)o->rate / o->threads;
		if (!w[t].c || !w[t].rbuf || w[t].ep < 0 || w[t].tfd < 0)
			return NULL;
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
		epoll_ctl(w[t].ep, EPOLL_CTL_ADD, w[t].tfd, &ev);
		for (uint32_t i = 0; i < w[t].n; i++) {
			struct conn *c = &w[t].c[i];
			c->id = i;
			c->t_sent = calloc(o->inflight, sizeof(uint64_t));
			c->in = o->http ? malloc(CHUNK * 2) : NULL;
			if (!c->t_sent || (o->http && !c->in))
				return NULL;
		}
	}
	return w;
}

/* The server's CPU seconds (user + system) and RSS bytes, from /proc. */
static bool
server_usage(int pid, double *cpu, uint64_t *rss)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long ut, st;
	/* After the name: state, then fields 4..13, then utime (14), stime (15). */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return false;
	*cpu = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return false;
	*rss = 0;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "VmRSS: %" SCNu64 " kB", rss) == 1)
			*rss *= 1024;
	fclose(f);
	return true;
}

struct result {
	double secs[MAX_RUNS], mps[MAX_RUNS];
	uint64_t msgs[MAX_RUNS];
	double cpu;
	uint64_t rss, rss_delta;
	bool check;
};

/* Load phases: the warm-up, then each measured run. */
static void
run_phases(const struct opts *o, struct worker *w, struct result *r)
{
	note(PROG ": %s %s, %u conns, %s, warm-up %.2f s", o->impl, o->bench, o->conns,
	     o->rate ? "open loop" : "closed loop", o->warmup);
	sleep_s(o->warmup);
	for (uint32_t run = 0; run < o->runs; run++) {
		uint64_t c0 = total_completed(w, o->threads);
		double t0 = bench_now();
		/* release: pairs with the workers' acquire of the window. */
		atomic_store_explicit(&window, (int)run, memory_order_release);
		double end = t0 + o->secs;
		for (;;) {
			double now = bench_now();
			uint64_t done = total_completed(w, o->threads) - c0;
			if (o->msgs ? done >= o->msgs : now >= end)
				break;
			if (o->msgs && now >= t0 + 600)
				break; /* a count that never comes: fails below */
			progress("%s run %u: %" PRIu64 " msgs", o->impl, run + 1, done);
			sleep_s(o->msgs ? 0.001 : end - now < 0.05 ? end - now : 0.05);
		}
		r->secs[run] = bench_now() - t0;
		r->msgs[run] = total_completed(w, o->threads) - c0;
		r->mps[run] = (double)r->msgs[run] / r->secs[run];
		if (r->msgs[run] == 0 || (o->msgs && r->msgs[run] < o->msgs))
			r->check = false;
	}
}

/* The idle test: one round trip on every connection, then idle. */
static void
run_idle(const struct opts *o, struct worker *w, struct result *r)
{
	double cpu0 = 0, t0 = bench_now();
	while (total_completed(w, o->threads) < o->conns && bench_now() < t0 + 60)
		sleep_s(0.01);
	r->msgs[0] = total_completed(w, o->threads);
	if (r->msgs[0] < o->conns)
		r->check = false;
	uint64_t rss1 = 0;
	if (o->server_pid) {
		sleep_s(0.5); /* let the server settle after the round trips */
		if (!server_usage(o->server_pid, &cpu0, &rss1))
			r->check = false;
	}
	note(PROG ": %u connections open, idle for %.1f s", o->conns, o->idle);
	t0 = bench_now();
	sleep_s(o->idle);
	r->secs[0] = bench_now() - t0;
	r->mps[0] = 0;
	if (o->server_pid) {
		uint64_t rss2;
		if (!server_usage(o->server_pid, &r->cpu, &rss2))
			r->check = false;
		r->cpu -= cpu0;
		r->rss_delta = rss1 > r->rss ? rss1 - r->rss : 0;
		r->rss = rss2;
	}
}

static int
cmp_idx(const void *a, const void *b, void *mps)
{
	double x = ((double *)mps)[*(const uint32_t *)a], y = ((double *)mps)[*(const uint32_t *)b];
	return (x > y) - (x < y);
}

static void
report(const struct opts *o, struct worker *w, struct result *r)
{
	struct hist *h = calloc(1, sizeof(*h));
	uint64_t errors = 0, mism = 0;
	for (uint32_t t = 0; t < o->threads && h; t++) {
		hist_merge(h, &w[t].hist);
		errors += w[t].errors;
		mism += w[t].mismatches;
	}
	uint32_t idx[MAX_RUNS];
	for (uint32_t i = 0; i < o->runs; i++)
		idx[i] = i;
	qsort_r(idx, o->runs, sizeof(idx[0]), cmp_idx, r->mps);
	uint32_t m = idx[o->runs / 2];
	bool ok = r->check && errors == 0 && mism == 0 && h;
	if (!ok)
		note(PROG ": check FAILED: %" PRIu64 " connection errors, %" PRIu64
		          " wrong answers, %" PRIu64 " msgs in the median run",
		     errors, mism, r->msgs[m]);
	uint64_t msg = o->http ? HTTP_REQ_LEN : o->size;
	printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"workers\":%u,\"msgs\":%" PRIu64
	       ",\"secs\":%.3f,\"mps\":%.1f,\"runs\":%u,\"stat\":\"median\",\"check\":\"%s\","
	       "\"conns\":%u,\"size\":%" PRIu64 ",\"inflight\":%u,\"rate\":%" PRIu64
	       ",\"bytes_per_sec\":%.0f",
	       o->bench, o->impl, o->workers, r->msgs[m], r->secs[m], r->mps[m], o->runs,
	       ok ? "ok" : "fail", o->conns, msg, o->inflight, o->rate, r->mps[m] * (double)msg);
	if (o->idle > 0 && o->server_pid)
		printf(",\"cpu_secs\":%.3f,\"rss_bytes\":%" PRIu64 ",\"bytes_per_conn\":%.0f",
		       r->cpu, r->rss, (double)r->rss_delta / o->conns);
	else if (h)
		printf(",\"p50_ns\":%" PRIu64 ",\"p99_ns\":%" PRIu64 ",\"p999_ns\":%" PRIu64
		       ",\"max_ns\":%" PRIu64,
		       hist_quantile(h, 0.5), hist_quantile(h, 0.99), hist_quantile(h, 0.999),
		       h->max);
	printf("}\n");
	fflush(stdout);
	free(h);
	r->check = ok;
}

int
main(int argc, char **argv)
{
	struct opts o;
	progress_init();
	parse_opts(&o, argc, argv);
	if (o.idle > 0) {
		one_each = true;
		o.runs = 1;
		o.rate = 0;
		o.inflight = 1;
	}
	struct worker *w = setup(&o);
	struct result *r = calloc(1, sizeof(*r));
	if (!w || !r) {
		note(PROG ": out of memory or descriptors");
		return 1;
	}
	r->check = true;
	double cpu;
	if (o.idle > 0 && o.server_pid && !server_usage(o.server_pid, &cpu, &r->rss)) {
		note(PROG ": cannot read /proc/%d", o.server_pid);
		return 1;
	}
	if (connect_all(w, o.threads, o.addr) != 0)
		return 1;
	for (uint32_t t = 0; t < o.threads; t++)
		if (pthread_create(&w[t].tid, NULL, worker_main, &w[t]) != 0)
			return 1;
	if (o.idle > 0)
		run_idle(&o, w, r);
	else
		run_phases(&o, w, r);
	/* release: pairs with the workers' acquire; they drain and return. */
	atomic_store_explicit(&window, (int)o.runs, memory_order_release);
	for (uint32_t t = 0; t < o.threads; t++)
		pthread_join(w[t].tid, NULL);
	report(&o, w, r);
	return r->check ? 0 : 1;
}
