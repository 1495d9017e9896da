/* Asynchrony: actors that query PostgreSQL with libpq's non-blocking API,
 * driven by Cadre's fd watching, while other actors keep running.
 *
 * Each query actor opens its own connection (PQconnectStart, then
 * PQconnectPoll each time the socket is ready as libpq asked), sends one
 * query (PQsendQuery, PQflush), and reads the result as it arrives
 * (PQconsumeInput, PQisBusy, PQgetResult). It never waits: between two
 * READY events its worker runs other actors. A ticker actor counts 10 ms
 * ticks meanwhile. With 4 queries of `SELECT pg_sleep(0.5)` in flight at
 * once, the whole takes about 0.5 s, not 2 s, and the ticker keeps ticking.
 *
 * Usage: sample_pg_query [CONNINFO] (default: libpq's environment, e.g.
 * PGHOST=/tmp/socketdir PGPORT=5432 PGUSER=postgres). Exit status 0 when
 * every query succeeded, the queries overlapped and the ticker ran while
 * they were in flight. See samples/io/README.md. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include <cadre.h>

#define QUERIES 4
enum { TICK = 1, TICK_STOP = 2 };

static const char *conninfo = "";
static atomic_int done, failed, in_flight, max_in_flight;
static atomic_long ticks_total, ticks_during; /* ticks while >= 1 query was in flight */

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the ticker ------------------------------------------------------------ */
static int
ticker_start(cadre_actor *self, void *arg)
{
	(void)arg;
	return cadre_send_interval(cadre_actor_system(self), cadre_self(self), TICK, NULL, 0, 10,
	                           NULL);
}

static int
ticker_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type == TICK_STOP)
		return cadre_stop(self);
	atomic_fetch_add(&ticks_total, 1);
	if (atomic_load(&in_flight) > 0)
		atomic_fetch_add(&ticks_during, 1);
	return 0;
}

static const cadre_behaviour ticker = {.size = sizeof(cadre_actor),
                                       .start = ticker_start,
                                       .receive = ticker_receive,
                                       .name = "ticker"};

/* ---- a query actor ---------------------------------------------------------- */
struct query {
	cadre_actor base;
	int n; /* which query */
	PGconn *conn;
	cadre_io watch; /* the socket's watch; index 0: none */
	int fd;         /* the socket it watches */
	uint32_t want;  /* CADRE_IO_IN / CADRE_IO_OUT, as libpq asked */
	bool sent;      /* the query is sent (connected) */
	double t0;
};

/* Watches libpq's socket for `want` (a new watch when the socket or the
 * wish changed: libpq may move to another socket while it connects). */
static int
watch(struct query *q, uint32_t want)
{
	int fd = PQsocket(q->conn);
	if (fd < 0)
		return CADRE_EBADF;
	if (q->watch.index != 0 && fd == q->fd && want == q->want)
		return 0;
	if (q->watch.index != 0)
		(void)cadre_io_unwatch(&q->base, q->watch);
	q->watch.index = 0;
	q->fd = fd;
	q->want = want;
	return cadre_io_watch(&q->base, fd, want, &q->watch);
}

static int
finish(struct query *q, bool ok)
{
	if (!ok) {
		fprintf(stderr, "query %d: %s", q->n, PQerrorMessage(q->conn));
		atomic_fetch_add(&failed, 1);
	}
	if (q->sent)
		atomic_fetch_sub(&in_flight, 1);
	q->sent = false;
	atomic_fetch_add(&done, 1);
	return cadre_stop(&q->base);
}

static int
send_query(struct query *q)
{
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT %d AS n, pg_sleep(0.5), pg_backend_pid()", q->n);
	if (PQsetnonblocking(q->conn, 1) != 0 || !PQsendQuery(q->conn, sql))
		return finish(q, false);
	q->sent = true;
	int now = atomic_fetch_add(&in_flight, 1) + 1, m = atomic_load(&max_in_flight);
	while (now > m && !atomic_compare_exchange_weak(&max_in_flight, &m, now)) {
	}
	int f = PQflush(q->conn); /* 1: more to send once writable */
	return f < 0 ? finish(q, false) : watch(q, f == 1 ? CADRE_IO_OUT : CADRE_IO_IN);
}

/* Connecting: one PQconnectPoll step per readiness. */
static int
connect_step(struct query *q)
{
	switch (PQconnectPoll(q->conn)) {
	case PGRES_POLLING_READING:
		return watch(q, CADRE_IO_IN);
	case PGRES_POLLING_WRITING:
		return watch(q, CADRE_IO_OUT);
	case PGRES_POLLING_OK:
		return send_query(q);
	default:
		return finish(q, false);
	}
}

/* The query's result, as far as it has come. */
static int
read_step(struct query *q)
{
	if (q->want == CADRE_IO_OUT) { /* still flushing the query */
		int f = PQflush(q->conn);
		return f < 0 ? finish(q, false) : watch(q, f == 1 ? CADRE_IO_OUT : CADRE_IO_IN);
	}
	if (!PQconsumeInput(q->conn))
		return finish(q, false);
	bool ok = true;
	while (!PQisBusy(q->conn)) {
		PGresult *r = PQgetResult(q->conn);
		if (r == NULL) /* the query is complete */
			return finish(q, ok);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			printf("query %d: n=%s backend=%s after %.3f s\n", q->n,
			       PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 2), now_s() - q->t0);
		else
			ok = false;
		PQclear(r);
	}
	return 0; /* more to come: the watch is re-armed after this message */
}

static int
query_start(cadre_actor *self, void *arg)
{
	struct query *q = (struct query *)self;
	q->n = (int)(intptr_t)arg;
	q->t0 = now_s();
	q->conn = PQconnectStart(conninfo);
	if (q->conn == NULL || PQstatus(q->conn) == CONNECTION_BAD)
		return finish(q, false);
	return watch(q, CADRE_IO_OUT); /* libpq's rule: poll once writable first */
}

static int
query_receive(cadre_actor *self, const cadre_msg *m)
{
	struct query *q = (struct query *)self;
	cadre_io_event ev;
	if (cadre_io_event_read(m, &ev) != 0)
		return 0;
	if (ev.kind == CADRE_IO_CLOSED && ev.handle.index == q->watch.index &&
	    ev.handle.gen == q->watch.gen)
		return finish(q, false);
	if (ev.kind != CADRE_IO_READY || ev.handle.index != q->watch.index ||
	    ev.handle.gen != q->watch.gen)
		return 0; /* an event of a watch replaced since */
	return q->sent ? read_step(q) : connect_step(q);
}

static void
query_stop(cadre_actor *self, const cadre_exit *reason)
{
	struct query *q = (struct query *)self;
	(void)reason;
	if (q->watch.index != 0)
		(void)cadre_io_unwatch(self, q->watch); /* before libpq closes the fd */
	PQfinish(q->conn);
}

static const cadre_behaviour query = {.size = sizeof(struct query),
                                      .start = query_start,
                                      .receive = query_receive,
                                      .stop = query_stop,
                                      .name = "pg-query"};

int
main(int argc, char **argv)
{
	if (argc > 1)
		conninfo = argv[1];
	cadre_system *sys = NULL;
	cadre_config cfg = {.workers = 2};
	if (cadre_system_new(&sys, &cfg) != 0)
		return 1;
	cadre_ref tick, qref;
	double t0 = now_s();
	int rc = cadre_spawn(sys, &ticker, NULL, NULL, &tick);
	for (int i = 0; i < QUERIES && rc == 0; i++)
		rc = cadre_spawn(sys, &query, NULL, (void *)(intptr_t)i, &qref);
	for (int i = 0; i < 3000 && atomic_load(&done) < QUERIES; i++)
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	double secs = now_s() - t0;
	(void)cadre_send(sys, tick, TICK_STOP, NULL, 0);
	cadre_system_free(sys);
	int ok = rc == 0 && atomic_load(&done) == QUERIES && atomic_load(&failed) == 0;
	printf("%d queries of pg_sleep(0.5) in %.3f s, at most %d in flight at once; "
	       "the ticker ticked %ld times, %ld of them while queries were in flight\n",
	       QUERIES, secs, atomic_load(&max_in_flight), atomic_load(&ticks_total),
	       atomic_load(&ticks_during));
	ok = ok && atomic_load(&max_in_flight) >= 2 && atomic_load(&ticks_during) >= 5;
	printf("%s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
