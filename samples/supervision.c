/* A supervision tree you can watch.
 *
 *   service (one_for_one)
 *   |-- cache              permanent worker: keeps the answers
 *   `-- workers (one_for_one, intensity 10 per second, backoff 5..50 ms)
 *       |-- w1, w2, w3     permanent workers: square numbers, crash now and then
 *
 * The main thread sends requests to the workers. A worker crashes on about
 * one request in forty (its receive returns an error); its supervisor
 * restarts it, and every step is printed. A crashed worker's queued
 * requests are handed to its restarted self (handover_mail), so none is
 * lost: at the end, every request sent was either answered or counted as a
 * dead letter (a request sent to a worker while it was down). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cadre.h>
#include <cadre/supervisor.h>

enum { SQUARE = 1, STORE = 2 };

/* ---- the cache --------------------------------------------------------------- */
struct cache {
	cadre_actor base;
	long stored;
	long long sum;
};

static int
cache_receive(cadre_actor *self, const cadre_msg *m)
{
	struct cache *c = (struct cache *)self;
	if (m->type != STORE)
		return 0; /* exit signals from the tree are not our business */
	c->stored++;
	c->sum += *(const long long *)m->data;
	return 0;
}

static void
cache_stop(cadre_actor *self, const cadre_exit *why)
{
	struct cache *c = (struct cache *)self;
	char reason[96];
	cadre_exit_format(why, reason, sizeof reason);
	printf("cache: stopping (%s) with %ld answers, sum %lld\n", reason, c->stored, c->sum);
}

static const cadre_behaviour cache = {.size = sizeof(struct cache),
                                      .receive = cache_receive,
                                      .stop = cache_stop,
                                      .name = "cache"};

/* ---- the workers --------------------------------------------------------------- */
struct worker {
	cadre_actor base;
	unsigned seed;
};

static int
worker_start(cadre_actor *self, void *arg)
{
	struct worker *w = (struct worker *)self;
	w->seed = (unsigned)(uintptr_t)arg * 2654435761u ^ (unsigned)cadre_self(self).gen;
	return 0;
}

/* The cache's ref, found by the main thread before the workers get work. */
static cadre_ref cache_ref;

static int
worker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct worker *w = (struct worker *)self;
	if (m->type != SQUARE)
		return 0;
	w->seed = w->seed * 1103515245u + 12345u;
	if ((w->seed >> 16) % 40 == 0)
		return 13; /* crash: this request is lost with the old worker */
	long long x = *(const long *)m->data;
	long long sq = x * x;
	return cadre_send(cadre_actor_system(self), cache_ref, STORE, &sq, sizeof sq);
}

static const cadre_behaviour worker = {.size = sizeof(struct worker),
                                       .start = worker_start,
                                       .receive = worker_receive,
                                       .name = "worker"};

/* ---- the tree ------------------------------------------------------------------ */
static void
print_event(void *ctx, const cadre_sup_event *ev)
{
	static const char *what[] = {"started",       "exited",          "restarting",
	                             "stopped",       "failed to start", "too many restarts",
	                             "shutting down", "shutdown error",  "ignored"};
	printf("[%s] %s %s", (const char *)ctx, ev->id != NULL ? ev->id : "supervisor",
	       what[ev->kind]);
	char reason[96];
	cadre_exit_format(&ev->reason, reason, sizeof reason);
	if (ev->kind == CADRE_SUP_CHILD_EXITED || ev->kind == CADRE_SUP_SHUTDOWN)
		printf(" (%s)", reason);
	if (ev->kind == CADRE_SUP_CHILD_EXITED && ev->mail != 0)
		printf(", %u queued requests handed over", ev->mail);
	if (ev->kind == CADRE_SUP_CHILD_RESTARTING)
		printf(" after %u ms", ev->delay_ms);
	printf("\n");
}

static const cadre_child_spec worker_specs[] = {
        {.id = "w1", .beh = &worker, .arg = (void *)1, .shutdown_ms = 100, .handover_mail = true},
        {.id = "w2", .beh = &worker, .arg = (void *)2, .shutdown_ms = 100, .handover_mail = true},
        {.id = "w3", .beh = &worker, .arg = (void *)3, .shutdown_ms = 100, .handover_mail = true},
};

static const cadre_sup_spec workers_spec = {.strategy = CADRE_ONE_FOR_ONE,
                                            .intensity = 10,
                                            .period_ms = 1000,
                                            .backoff_min_ms = 5,
                                            .backoff_max_ms = 50,
                                            .backoff_jitter = 0.2,
                                            .children = worker_specs,
                                            .nchildren = 3,
                                            .on_event = print_event,
                                            .event_ctx = "workers"};

static const cadre_child_spec service_children[] = {
        {.id = "cache", .beh = &cache, .shutdown_ms = 1000},
        {.id = "workers",
         .beh = NULL, /* set in main: cadre_supervisor_behaviour() */
         .arg = (void *)&workers_spec,
         .shutdown_ms = CADRE_FOREVER,
         .type = CADRE_SUPERVISOR},
};

int
main(void)
{
	cadre_system *sys;
	if (cadre_system_new(&sys, NULL) != 0)
		return 1;
	cadre_child_spec children[2];
	memcpy(children, service_children, sizeof children);
	children[1].beh = cadre_supervisor_behaviour();
	cadre_sup_spec service = {.strategy = CADRE_ONE_FOR_ONE,
	                          .intensity = 3,
	                          .period_ms = 5000,
	                          .children = children,
	                          .nchildren = 2,
	                          .on_event = print_event,
	                          .event_ctx = "service"};
	cadre_ref root;
	const char *failed = NULL;
	int rc = cadre_supervisor_start(sys, &service, &root, &failed, 5000);
	if (rc != 0) {
		fprintf(stderr, "service: %s (%s)\n", cadre_strerror(rc), failed ? failed : "-");
		return 1;
	}
	cadre_child_info top[2];
	size_t n;
	cadre_supervisor_which_children(sys, root, top, 2, &n, 5000);
	cache_ref = top[0].ref; /* published to the workers by the sends below */

	long sent = 0;
	for (int round = 0; round < 40; round++) {
		cadre_child_info w[3];
		if (cadre_supervisor_which_children(sys, top[1].ref, w, 3, &n, 5000) != 0)
			break;
		for (long i = 0; i < 25; i++) {
			long x = round * 100 + i;
			for (size_t k = 0; k < 3; k++)
				if (!cadre_ref_is_none(w[k].ref) &&
				    cadre_send(sys, w[k].ref, SQUARE, &x, sizeof x) == 0)
					sent++;
		}
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	printf("main: %ld requests accepted; stopping the service\n", sent);
	cadre_supervisor_stop(sys, root, 10000);
	cadre_system_shutdown(sys, CADRE_FOREVER);
	cadre_stats st;
	cadre_system_stats(sys, -1, &st);
	printf("main: messages sent %llu = handled %llu + dead letters %llu\n",
	       (unsigned long long)st.sent, (unsigned long long)st.handled,
	       (unsigned long long)st.dead_letters);
	cadre_system_free(sys);
	return st.sent == st.handled + st.dead_letters ? 0 : 1;
}
