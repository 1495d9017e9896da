/* Three ways to do more than one thing, made concrete and timed:
 *
 *  1. Concurrency: 1,000 actors, each a ten-step conversation, all in
 *     progress at once on ONE worker thread. Nothing runs in parallel; the
 *     worker interleaves them, one message at a time.
 *  2. Parallelism: one CPU-bound job (counting primes) split over every
 *     worker with scatter-gather, timed on one worker and on all of them.
 *  3. Asynchrony: one actor, on one worker, has 64 requests to a slow
 *     network service (100 ms each) in flight at once: the answers come
 *     back in about 100 ms, not 6.4 s, and the worker never blocks.
 *
 * docs/guide.md opens with this program. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- 1. concurrency: many actors, one thread ------------------------------------------ */
enum { STEP = 1 };
#define TALKERS 1000
#define STEPS 10

static atomic_int in_progress, most_in_progress, switches, last_talker = -1, finished;

/* Bookkeeping for the printout: one worker runs the talkers one at a time,
 * so relaxed order is enough; the atomics let main read the counts after
 * its wait. */
static void
tally(int me, int step)
{
	if (atomic_exchange_explicit(&last_talker, me, memory_order_relaxed) != me)
		atomic_fetch_add_explicit(&switches, 1, memory_order_relaxed);
	if (step == 0) {
		int n = atomic_fetch_add_explicit(&in_progress, 1, memory_order_relaxed) + 1;
		if (n > atomic_load_explicit(&most_in_progress, memory_order_relaxed))
			atomic_store_explicit(&most_in_progress, n, memory_order_relaxed);
	} else if (step == STEPS - 1) {
		atomic_fetch_sub_explicit(&in_progress, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&finished, 1, memory_order_relaxed);
	}
}

static int
talker_receive(cadre_actor *self, const cadre_msg *m)
{
	int step = *(const int *)m->data;
	tally((int)cadre_self(self).index, step);
	if (step == STEPS - 1)
		return 0;    /* this conversation is over */
	int next = step + 1; /* the next step goes to the back of the line */
	return cadre_send(cadre_actor_system(self), cadre_self(self), STEP, &next, sizeof next);
}

static const cadre_behaviour talker = {
        .size = sizeof(cadre_actor), .receive = talker_receive, .name = "talker"};

/* The starter spawns every talker and sends each its first step in one
 * receive: with one worker nothing else runs meanwhile, so the
 * conversations start together and the worker interleaves them. */
static int
starter_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	cadre_system *sys = cadre_actor_system(self);
	int rc = 0;
	for (int i = 0; rc == 0 && i < TALKERS; i++) {
		cadre_ref r;
		rc = cadre_spawn(sys, &talker, NULL, NULL, &r);
		if (rc == 0)
			rc = cadre_send(sys, r, STEP, &(int){0}, sizeof(int));
	}
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour starter = {
        .size = sizeof(cadre_actor), .receive = starter_receive, .name = "starter"};

static int
concurrency(void)
{
	cadre_system *sys;
	cadre_ref r;
	if (cadre_system_new(&sys, &(cadre_config){.workers = 1}) != 0)
		return 1;
	double t0 = now_ms();
	int rc = cadre_spawn(sys, &starter, NULL, NULL, &r);
	if (rc == 0)
		rc = cadre_send(sys, r, STEP, NULL, 0);
	if (rc == 0)
		rc = cadre_system_await_quiescent(sys, 10000);
	double ms = now_ms() - t0;
	cadre_system_free(sys);
	if (rc != 0 || atomic_load(&finished) != TALKERS)
		return 1;
	printf("1. concurrency: %d actors x %d steps on 1 worker thread in %.1f ms; up to %d "
	       "conversations in progress at once, and the thread switched actors %d times in %d "
	       "messages\n",
	       TALKERS, STEPS, ms, atomic_load(&most_in_progress), atomic_load(&switches),
	       TALKERS * STEPS);
	return 0;
}

/* ---- 2. parallelism: one job, every worker -------------------------------------------- */
enum { COUNT = 2 };
#define PIECES 64
#define LIMIT 2000000u
#define BLOCK 4096u

struct counter {
	cadre_actor base;
	unsigned piece; /* counts the primes of blocks piece, piece + PIECES, ... */
};

static int
counter_start(cadre_actor *self, void *arg)
{
	((struct counter *)self)->piece = (unsigned)(uintptr_t)arg;
	return 0;
}

static int
is_prime(unsigned n)
{
	if (n < 2 || (n % 2 == 0 && n != 2))
		return 0;
	for (unsigned d = 3; d * d <= n; d += 2)
		if (n % d == 0)
			return 0;
	return 1;
}

static int
counter_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_request rq;
	if (cadre_ask_request(m, &rq) != 0)
		return 0;
	long count = 0;
	for (unsigned b = ((struct counter *)self)->piece * BLOCK; b < LIMIT; b += PIECES * BLOCK)
		for (unsigned n = b; n < b + BLOCK && n < LIMIT; n++)
			count += is_prime(n);
	return cadre_reply(cadre_actor_system(self), &rq.reply_to, COUNT, &count, sizeof count);
}

static const cadre_behaviour counter = {.size = sizeof(struct counter),
                                        .start = counter_start,
                                        .receive = counter_receive,
                                        .name = "prime counter"};

/* Counts the primes below LIMIT with `workers` workers (0: one per CPU). */
static int
count_primes(unsigned workers, long *primes, double *ms, unsigned *used)
{
	cadre_system *sys;
	cadre_ref pieces[PIECES];
	cadre_gather *g = NULL;
	if (cadre_system_new(&sys, &(cadre_config){.workers = workers}) != 0)
		return 1;
	*used = cadre_system_workers(sys);
	int rc = 0;
	for (unsigned i = 0; rc == 0 && i < PIECES; i++)
		rc = cadre_spawn(sys, &counter, NULL, (void *)(uintptr_t)i, &pieces[i]);
	double t0 = now_ms();
	if (rc == 0)
		rc = cadre_ask_gather_wait(sys, pieces, PIECES, COUNT, NULL, 0, CADRE_GATHER_ALL, 0,
		                           60000, &g);
	*ms = now_ms() - t0;
	*primes = 0;
	for (uint32_t i = 0; rc == 0 && i < g->nreplies; i++) {
		long c;
		memcpy(&c, g->replies[i].data, sizeof c);
		*primes += c;
	}
	cadre_gather_free(g);
	cadre_system_free(sys);
	return rc;
}

static int
parallelism(void)
{
	long p1, pn;
	double ms1, msn;
	unsigned w1, wn;
	if (count_primes(1, &p1, &ms1, &w1) != 0 || count_primes(0, &pn, &msn, &wn) != 0)
		return 1;
	if (p1 != 148933 || pn != p1) /* pi(2,000,000) */
		return 1;
	printf("2. parallelism: %ld primes below %u, %d pieces gathered: %.1f ms on %u worker, "
	       "%.1f ms on %u workers (%.2fx)\n",
	       pn, LIMIT, PIECES, ms1, w1, msn, wn, ms1 / msn);
	return 0;
}

/* ---- 3. asynchrony: many slow requests in flight from one actor ---------------------- */
enum { ANSWER = 3 };
#define REQUESTS 64
#define SERVICE_MS 100

/* The slow service: one actor per connection; each 4-byte request id is
 * answered SERVICE_MS later (a timer, not a sleep: the worker goes on). */
struct slow_conn {
	cadre_actor base;
	cadre_io conn;
	unsigned char buf[4];
	size_t have;
};

static int
slow_conn_receive(cadre_actor *self, const cadre_msg *m)
{
	struct slow_conn *c = (struct slow_conn *)self;
	cadre_io_event ev;
	if (m->type == ANSWER)
		return cadre_io_write(self, c->conn, m->data, 4);
	if (cadre_io_event_read(m, &ev) != 0)
		return 0;
	if (ev.kind == CADRE_IO_ACCEPTED)
		c->conn = ev.conn;
	else if (ev.kind == CADRE_IO_PEER_CLOSED || ev.kind == CADRE_IO_CLOSED)
		return cadre_stop(self); /* its connection closes with it */
	for (size_t i = 0; ev.kind == CADRE_IO_DATA && i < ev.size; i++) {
		c->buf[c->have++] = ((const unsigned char *)ev.data)[i];
		if (c->have < 4)
			continue;
		c->have = 0;
		int rc = cadre_send_after(cadre_actor_system(self), cadre_self(self), ANSWER,
		                          c->buf, 4, SERVICE_MS, NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static const cadre_behaviour slow_conn = {
        .size = sizeof(struct slow_conn), .receive = slow_conn_receive, .name = "slow service"};

static char service_addr[64];
static atomic_int service_up;

static int
service_start(cadre_actor *self, void *arg)
{
	(void)arg;
	cadre_io listener;
	int rc = cadre_tcp_listen(self, "127.0.0.1:0", &(cadre_tcp_opts){.conn_beh = &slow_conn},
	                          &listener);
	if (rc == 0)
		rc = cadre_io_local_addr(cadre_actor_system(self), listener, service_addr,
		                         sizeof service_addr);
	/* release: pairs with main's acquire load, which then reads service_addr */
	atomic_store_explicit(&service_up, rc == 0 ? 1 : -1, memory_order_release);
	return rc;
}

static int
service_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self, (void)m;
	return 0;
}

static const cadre_behaviour service = {.size = sizeof(cadre_actor),
                                        .start = service_start,
                                        .receive = service_receive,
                                        .name = "slow service listener"};

/* The client: one actor, REQUESTS connections, one request on each, all
 * sent at once; it counts the answers as they come. */
struct client {
	cadre_actor base;
	cadre_io conns[REQUESTS];
	int answered;
	double t0;
};

static double async_ms;
static atomic_int async_done;

static int
client_start(cadre_actor *self, void *arg)
{
	struct client *c = (struct client *)self;
	c->t0 = now_ms();
	for (uint32_t i = 0; i < REQUESTS; i++) {
		/* connect and write at once: the write waits in the queue until
		 * the connection is up */
		int rc = cadre_tcp_connect(self, arg, NULL, &c->conns[i]);
		if (rc == 0)
			rc = cadre_io_write(self, c->conns[i], &i, sizeof i);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
client_receive(cadre_actor *self, const cadre_msg *m)
{
	struct client *c = (struct client *)self;
	cadre_io_event ev;
	if (cadre_io_event_read(m, &ev) != 0)
		return 0;
	if (ev.kind == CADRE_IO_CONNECTED && ev.status != 0)
		return ev.status;
	if (ev.kind != CADRE_IO_DATA)
		return 0;
	c->answered += (int)(ev.size / 4); /* answers are 4 bytes: one per connection */
	if (c->answered == REQUESTS) {
		async_ms = now_ms() - c->t0;
		/* release: pairs with main's acquire load, which then reads async_ms */
		atomic_store_explicit(&async_done, 1, memory_order_release);
		return cadre_stop(self); /* closes the connections */
	}
	return 0;
}

static const cadre_behaviour client = {.size = sizeof(struct client),
                                       .start = client_start,
                                       .receive = client_receive,
                                       .name = "client"};

static int
wait_for(atomic_int *flag)
{
	for (int i = 0; i < 10000 && atomic_load_explicit(flag, memory_order_acquire) == 0; i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	return atomic_load_explicit(flag, memory_order_acquire) == 1 ? 0 : 1;
}

static int
asynchrony(void)
{
	cadre_system *sys;
	cadre_ref r;
	if (cadre_system_new(&sys, &(cadre_config){.workers = 1}) != 0)
		return 1;
	int rc = cadre_spawn(sys, &service, NULL, NULL, &r);
	if (rc == 0)
		rc = wait_for(&service_up);
	if (rc == 0)
		rc = cadre_spawn(sys, &client, NULL, service_addr, &r);
	if (rc == 0)
		rc = wait_for(&async_done);
	cadre_system_free(sys);
	if (rc != 0)
		return 1;
	printf("3. asynchrony: 1 actor on 1 worker had %d requests to a %d ms service in flight "
	       "at once: all answered in %.1f ms (one after another: %d ms)\n",
	       REQUESTS, SERVICE_MS, async_ms, REQUESTS * SERVICE_MS);
	return 0;
}

int
main(void)
{
	if (concurrency() != 0 || parallelism() != 0 || asynchrony() != 0) {
		fprintf(stderr, "three_ways: failed\n");
		return 1;
	}
	return 0;
}
