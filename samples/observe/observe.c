/* A system to watch with cadre-top (docs/guide.md, "Observing a running
 * system"): a few hundred actors with loads you can tell apart.
 *
 *   flooded   a slow consumer (blocking work, on the blocking pool) sent
 *             more than it can handle: its mailbox grows (to at most
 *             --backlog messages; its producer looks at the mailbox with
 *             cadre_actor_stats and holds back above that)
 *   busy      one actor that sends itself 5000 small messages every 100 ms:
 *             the most messages a second, for little CPU
 *   crasher   a supervised worker that crashes every --crash-ms and is
 *             restarted
 *   idler     --idle actors, each poked about once a second by a ticker
 *
 * It serves the observe endpoint at --socket (cadre-top's) and, with
 * --metrics ADDR, Prometheus metrics at http://ADDR/metrics, and stops by
 * itself after --secs seconds (or at SIGINT / SIGTERM).
 *
 *   sample_observe --secs 60 --socket /tmp/app.cadre &
 *   cadre-top /tmp/app.cadre
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cadre.h>
#include <cadre/stats.h>
#include <cadre/supervisor.h>

enum { WORK = 1, TICK = 2, CRASH = 3, POKE = 4 };

static struct {
	unsigned secs, workers, idle, backlog, crash_ms;
	const char *socket, *metrics;
} opt = {.secs = 10, .idle = 300, .backlog = 20000, .crash_ms = 1500};

/* ---- flooded: a slow consumer, 100 us of blocking work a message, on the
 * blocking pool (so that it slows nobody else), sent 50,000 a second ----- */
static int
flood_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	if (m->type == WORK) /* blocking: allowed on the blocking pool */
		nanosleep(&(struct timespec){0, 100000}, NULL);
	return 0;
}

static const cadre_behaviour flood = {
        .size = sizeof(cadre_actor), .receive = flood_receive, .name = "flood"};

struct producer {
	cadre_actor base;
	cadre_ref to;
};

static int
producer_start(cadre_actor *self, void *arg)
{
	struct producer *p = (struct producer *)self;
	p->to = *(const cadre_ref *)arg;
	return cadre_send_interval(cadre_actor_system(self), cadre_self(self), TICK, NULL, 0, 10,
	                           NULL);
}

static int
producer_receive(cadre_actor *self, const cadre_msg *m)
{
	struct producer *p = (struct producer *)self;
	cadre_system *sys = cadre_actor_system(self);
	cadre_actor_info info;
	if (m->type != TICK)
		return 0;
	if (cadre_actor_stats(sys, p->to, &info) == 0 && info.mailbox >= opt.backlog)
		return 0; /* enough waiting already */
	for (int i = 0; i < 500; i++)
		cadre_send(sys, p->to, WORK, &i, sizeof i);
	return 0;
}

static const cadre_behaviour producer = {.size = sizeof(struct producer),
                                         .start = producer_start,
                                         .receive = producer_receive,
                                         .name = "producer"};

/* ---- busy: 5000 messages to itself every 100 ms, handled at once ------ */
static int
busy_start(cadre_actor *self, void *arg)
{
	(void)arg;
	return cadre_send_interval(cadre_actor_system(self), cadre_self(self), TICK, NULL, 0, 100,
	                           NULL);
}

static int
busy_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_system *sys = cadre_actor_system(self);
	if (m->type == TICK)
		for (int i = 0; i < 5000; i++)
			cadre_send(sys, cadre_self(self), WORK, &i, sizeof i);
	return 0; /* WORK: nothing to do, quickly */
}

static const cadre_behaviour busy = {
        .size = sizeof(cadre_actor), .start = busy_start, .receive = busy_receive, .name = "busy"};

/* ---- crasher: fails every crash_ms; its supervisor restarts it -------- */
static int
crasher_start(cadre_actor *self, void *arg)
{
	(void)arg;
	return cadre_send_after(cadre_actor_system(self), cadre_self(self), CRASH, NULL, 0,
	                        opt.crash_ms, NULL);
}

static int
crasher_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	return m->type == CRASH ? 42 : 0; /* non-zero: a failure */
}

static const cadre_behaviour crasher = {.size = sizeof(cadre_actor),
                                        .start = crasher_start,
                                        .receive = crasher_receive,
                                        .name = "crasher"};

/* ---- idlers and their ticker: each idler poked about once a second ---- */
static int
idler_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	return 0;
}

static const cadre_behaviour idler = {
        .size = sizeof(cadre_actor), .receive = idler_receive, .name = "idler"};

struct ticker {
	cadre_actor base;
	cadre_ref *idlers;
	unsigned n, next;
};

static int
ticker_start(cadre_actor *self, void *arg)
{
	struct ticker *t = (struct ticker *)self;
	cadre_system *sys = cadre_actor_system(self);
	t->n = opt.idle;
	t->idlers = calloc(t->n ? t->n : 1, sizeof *t->idlers);
	if (t->idlers == NULL)
		return CADRE_ENOMEM;
	for (unsigned i = 0; i < t->n; i++)
		if (cadre_spawn(sys, &idler, NULL, NULL, &t->idlers[i]) != 0)
			t->idlers[i] = CADRE_REF_NONE;
	(void)arg;
	return cadre_send_interval(sys, cadre_self(self), TICK, NULL, 0, 100, NULL);
}

static int
ticker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ticker *t = (struct ticker *)self;
	if (m->type != TICK)
		return 0;
	for (unsigned k = 0; k < (t->n + 9) / 10; k++, t->next = (t->next + 1) % t->n)
		cadre_send(cadre_actor_system(self), t->idlers[t->next], POKE, NULL, 0);
	return 0;
}

static void
ticker_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	free(((struct ticker *)self)->idlers);
}

static const cadre_behaviour ticker = {.size = sizeof(struct ticker),
                                       .start = ticker_start,
                                       .receive = ticker_receive,
                                       .stop = ticker_stop,
                                       .name = "ticker"};

/* ---- main ---------------------------------------------------------------- */
static int
usage(const char *bad)
{
	if (bad != NULL)
		fprintf(stderr, "sample_observe: bad argument '%s'\n", bad);
	fprintf(bad ? stderr : stdout,
	        "usage: sample_observe [--secs N (10; 0: until a signal)] [--socket PATH]\n"
	        "         [--metrics HOST:PORT] [--workers N] [--idle N (300)]\n"
	        "         [--backlog N (20000)] [--crash-ms MS (1500)]\n");
	return bad != NULL ? 2 : 0;
}

static int
parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i += 2) { /* every option but --help takes a value */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned *num = strcmp(a, "--secs") == 0       ? &opt.secs
		                : strcmp(a, "--workers") == 0  ? &opt.workers
		                : strcmp(a, "--idle") == 0     ? &opt.idle
		                : strcmp(a, "--backlog") == 0  ? &opt.backlog
		                : strcmp(a, "--crash-ms") == 0 ? &opt.crash_ms
		                                               : NULL;
		if (strcmp(a, "--help") == 0)
			return usage(NULL) + 1;
		if (v == NULL)
			return usage(a);
		if (num != NULL) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);
			if (*v < '0' || *v > '9' || *end != '\0' || n > 1000000)
				return usage(v);
			*num = (unsigned)n;
		} else if (strcmp(a, "--socket") == 0) {
			opt.socket = v;
		} else if (strcmp(a, "--metrics") == 0) {
			opt.metrics = v;
		} else {
			return usage(a);
		}
	}
	if (opt.crash_ms == 0)
		return usage("--crash-ms 0");
	return 0;
}

static int
start_actors(cadre_system *sys)
{
	static const cadre_child_spec child = {
	        .id = "crasher", .beh = &crasher, .shutdown_ms = 100};
	static const cadre_sup_spec spec = {.strategy = CADRE_ONE_FOR_ONE,
	                                    .intensity = 100,
	                                    .period_ms = 1000,
	                                    .children = &child,
	                                    .nchildren = 1};
	/* f outlives this function: the producer's start reads it later, on a
	 * worker (a spawn's arg must stay valid until start runs). */
	static cadre_ref f;
	cadre_ref b, r;
	cadre_spawn_opts blocking = {.flags = CADRE_SPAWN_BLOCKING};
	int rc = cadre_spawn(sys, &flood, &blocking, NULL, &f);
	if (rc == 0)
		rc = cadre_register(sys, "flooded", f);
	if (rc == 0)
		rc = cadre_spawn(sys, &producer, NULL, &f, &r);
	if (rc == 0)
		rc = cadre_spawn(sys, &busy, NULL, NULL, &b);
	if (rc == 0)
		rc = cadre_register(sys, "busy", b);
	if (rc == 0)
		rc = cadre_spawn(sys, &ticker, NULL, NULL, &r);
	if (rc == 0)
		rc = cadre_supervisor_start(sys, &spec, &r, NULL, 5000);
	if (rc == 0)
		rc = cadre_register(sys, "crashers", r);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc = parse(argc, argv);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	char path[64];
	if (opt.socket == NULL) {
		snprintf(path, sizeof path, "/tmp/cadre-observe-%ld.sock", (long)getpid());
		opt.socket = path;
	}
	/* SIGINT and SIGTERM end the run early; blocked here, so every thread
	 * the system starts inherits the mask, and awaited below. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	cadre_config cfg = {.workers = opt.workers,
	                    .quiet = true, /* the crasher's failures are the point */
	                    .observe_path = opt.socket,
	                    .metrics_address = opt.metrics};
	cadre_system *sys;
	rc = cadre_system_new(&sys, &cfg);
	if (rc != 0) {
		fprintf(stderr, "sample_observe: cannot start: %s\n", cadre_strerror(rc));
		return 1;
	}
	rc = start_actors(sys);
	if (rc != 0) {
		fprintf(stderr, "sample_observe: %s\n", cadre_strerror(rc));
		cadre_system_free(sys);
		return 1;
	}
	fprintf(stderr, "sample_observe: pid %ld, %u workers, %u actors; cadre-top %s%s%s%s\n",
	        (long)getpid(), cadre_system_workers(sys), opt.idle + 6, opt.socket,
	        opt.metrics ? "; metrics http://" : "", opt.metrics ? opt.metrics : "",
	        opt.metrics ? "/metrics" : "");
	struct timespec limit = {(time_t)opt.secs, 0};
	int sig = opt.secs > 0 ? sigtimedwait(&sigs, NULL, &limit) : sigwaitinfo(&sigs, NULL);
	cadre_stats st;
	cadre_system_shutdown(sys, 5000);
	cadre_system_stats(sys, -1, &st);
	fprintf(stderr, "sample_observe: %s; %llu messages sent, %llu handled, %llu restarts\n",
	        sig > 0 ? "stopped by a signal" : "time is up", (unsigned long long)st.sent,
	        (unsigned long long)st.handled, (unsigned long long)st.restarts);
	cadre_system_free(sys);
	return 0;
}
