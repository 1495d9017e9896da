/* Supervising work on other nodes, the OTP way: through a local process.
 *
 *   node a (boss)                         node b, node c (hosts)
 *   supervisor (one_for_one)
 *   `-- keeper  --- spawn_on + link --->  worker (on b; after b dies, on c)
 *
 * The keeper is a small local actor. It spawns its worker on the first live
 * host with cadre_spawn_on(..., CADRE_SPAWN_LINK, ...), sends it a job
 * every 300 ms and prints the answers. When the worker's node dies, the
 * link brings the keeper an exit signal with reason noconnection; the
 * keeper does not trap exits, so it dies of it, and the supervisor
 * restarts it: the new keeper places the worker on a host that is still
 * up. A "watch" actor on the boss prints the node events it subscribed to.
 *
 *   sample_dist_supervised host b 7102             (then c 7103)
 *   sample_dist_supervised boss a 7101 7102 7103   (the hosts' ports: its seeds)
 *
 * run.sh starts the three, kills the worker's node with kill -9 and stops
 * the others (README.md). Each node stops on SIGTERM or SIGINT, and by
 * itself after 20 seconds. Nodes here are insecure (no CURVE), for one
 * machine only: docs/distribution.md says how to give them keys. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cadre.h>
#include <cadre/node.h>

enum { TICK = 1, JOB = 2, RESULT = 3 };

static char me[CADRE_NODE_NAME_MAX + 1];
/* The hosts a keeper may place its worker on, in order of preference. */
static const char *hosts[] = {"b", "c"};

/* ---- the worker: runs on a host, spawned from the boss -------------------- */
static int
worker_start(cadre_actor *self, void *arg)
{
	const cadre_remote_arg *from = arg; /* the bytes the spawner gave: its name */
	(void)self;
	printf("[%s] worker started here for node %.*s\n", me, (int)from->size,
	       (const char *)from->data);
	return 0;
}

static int
worker_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type != JOB)
		return 0;
	long n = *(const long *)m->data, out[2] = {n, n * n};
	return cadre_respond(self, m, RESULT, out, sizeof out); /* back across the network */
}

static const cadre_behaviour worker = {.size = sizeof(cadre_actor),
                                       .start = worker_start,
                                       .receive = worker_receive,
                                       .name = "worker"};

/* ---- the keeper: local to the boss, owns one remote worker ---------------- */
struct keeper {
	cadre_actor base;
	size_t host;      /* the host asked last */
	uint64_t req;     /* the spawn request in flight */
	cadre_ref worker; /* the worker once placed */
	long job;
};

/* Asks the first host from `from` on that is up to spawn a linked worker. */
static int
keeper_place(struct keeper *k, size_t from)
{
	for (size_t i = from; i < sizeof hosts / sizeof hosts[0]; i++) {
		if (cadre_spawn_on(&k->base, hosts[i], "worker", me, strlen(me), CADRE_SPAWN_LINK,
		                   2000, &k->req) == 0) {
			k->host = i;
			return 0;
		}
	}
	return 1; /* no host up: fail; the supervisor tries again after a backoff */
}

static int
keeper_start(cadre_actor *self, void *arg)
{
	(void)arg;
	cadre_send_interval(cadre_actor_system(self), cadre_self(self), TICK, NULL, 0, 300, NULL);
	return keeper_place((struct keeper *)self, 0);
}

static int
keeper_receive(cadre_actor *self, const cadre_msg *m)
{
	struct keeper *k = (struct keeper *)self;
	cadre_node_reply r;
	if (cadre_node_reply_read(m, &r) == 0 && r.req == k->req) {
		if (r.status != 0) /* that host refused or timed out: the next one */
			return keeper_place(k, k->host + 1);
		k->worker = r.ref;
		printf("[%s] keeper: worker placed on %s\n", me, hosts[k->host]);
	} else if (m->type == TICK && !cadre_ref_is_none(k->worker)) {
		k->job++;
		cadre_send(cadre_actor_system(self), k->worker, JOB, &k->job, sizeof k->job);
	} else if (m->type == RESULT) {
		const long *out = m->data;
		printf("[%s] keeper: job %ld -> %ld, from %s\n", me, out[0], out[1],
		       hosts[k->host]);
	}
	return 0;
}

static const cadre_behaviour keeper = {.size = sizeof(struct keeper),
                                       .start = keeper_start,
                                       .receive = keeper_receive,
                                       .name = "keeper"};

/* ---- watch: node events on the boss ---------------------------------------- */
static int
watch_start(cadre_actor *self, void *arg)
{
	(void)arg;
	return cadre_node_monitor(self, true);
}

static int
watch_receive(cadre_actor *self, const cadre_msg *m)
{
	static const char *what[] = {"?", "up", "down", "refused"};
	static const char *why[] = {"",        " (connection lost)", " (silent too long)",
	                            " (left)", " (restarted)",       " (session)",
	                            " (key)",  " (handshake)"};
	cadre_node_event ev;
	(void)self;
	if (cadre_node_event_read(m, &ev) == 0)
		printf("[%s] node %s is %s%s\n", me, ev.name, what[ev.kind],
		       ev.kind == CADRE_NODE_UP ? "" : why[ev.reason]);
	return 0;
}

static const cadre_behaviour watch = {
        .size = sizeof(cadre_actor), .start = watch_start, .receive = watch_receive};

/* ---- the supervisor's spec ---------------------------------------------------- */
static void
on_event(void *ctx, const cadre_sup_event *ev)
{
	char reason[64];
	(void)ctx;
	cadre_exit_format(&ev->reason, reason, sizeof reason);
	if (ev->kind == CADRE_SUP_CHILD_EXITED)
		printf("[%s] supervisor: keeper exited (%s): restarting it\n", me, reason);
}

static const cadre_child_spec keeper_spec = {.id = "keeper", .beh = &keeper, .shutdown_ms = 500};
static const cadre_sup_spec sup_spec = {.strategy = CADRE_ONE_FOR_ONE,
                                        .intensity = 10,
                                        .period_ms = 10000,
                                        .backoff_min_ms = 100,
                                        .backoff_max_ms = 1000,
                                        .children = &keeper_spec,
                                        .nchildren = 1,
                                        .on_event = on_event};

/* ---- main ---------------------------------------------------------------------- */
static int
usage(void)
{
	fprintf(stderr, "usage: sample_dist_supervised host NAME PORT\n"
	                "       sample_dist_supervised boss NAME PORT HOST_PORT...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[1], "boss") != 0 && strcmp(argv[1], "host") != 0))
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	bool boss = strcmp(argv[1], "boss") == 0;
	snprintf(me, sizeof me, "%s", argv[2]);
	/* SIGTERM and SIGINT are waited for below: blocked here, before the
	 * system's threads start (they inherit the mask). */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	char endpoint[64], seeds[8][64];
	const char *seed_list[8];
	snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%s", argv[3]);
	size_t nseeds = 0;
	for (int i = 4; i < argc && nseeds < 8; i++, nseeds++) {
		snprintf(seeds[nseeds], sizeof seeds[0], "tcp://127.0.0.1:%s", argv[i]);
		seed_list[nseeds] = seeds[nseeds];
	}
	cadre_node_config node = {.name = me,
	                          .endpoint = endpoint,
	                          .insecure = true, /* one machine; see docs/distribution.md */
	                          .seeds = seed_list,
	                          .n_seeds = nseeds};
	cadre_config cfg = {.workers = 2, .no_pinning = true, .node = &node};
	cadre_system *sys;
	int rc = cadre_system_new(&sys, &cfg);
	if (rc != 0) {
		fprintf(stderr, "[%s] cannot start the node: %s\n", me, cadre_strerror(rc));
		return 1;
	}
	cadre_ref sup = CADRE_REF_NONE, w;
	if (boss) {
		rc = cadre_spawn(sys, &watch, NULL, NULL, &w);
		for (size_t i = 0; rc == 0 && i < nseeds; i++)
			rc = cadre_node_wait(sys, hosts[i], 5000); /* the hosts are up */
		if (rc == 0)
			rc = cadre_supervisor_start(sys, &sup_spec, &sup, NULL, 5000);
	} else {
		rc = cadre_node_behaviour(sys, "worker", &worker);
	}
	if (rc == 0) {
		printf("[%s] node up at %s\n", me, endpoint);
		struct timespec life = {.tv_sec = 20};
		sigtimedwait(&stop, NULL, &life); /* a signal, or 20 s */
	} else {
		fprintf(stderr, "[%s] %s\n", me, cadre_strerror(rc));
	}
	cadre_system_shutdown(sys, 5000);
	cadre_system_free(sys);
	printf("[%s] stopped\n", me);
	return rc == 0 ? 0 : 1;
}
