/* Cadre tests: nodes in one process (cadre/node.h). Each node is its own
 * cadre_system with an ipc:// endpoint under /tmp named after the pid, so
 * that parallel runs never clash; actors that count, echo and watch. */
#ifndef CADRE_TEST_DIST_HELPERS_H
#define CADRE_TEST_DIST_HELPERS_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cadre.h>

#include "check.h"

/* ThreadSanitizer: libzmq is not built with it, so the hand-offs between
 * its own threads (its lock-free pipes, its atomics) are invisible and
 * look like races inside libzmq (and the libstdc++ and libsodium it
 * calls). Those reports are suppressed; Cadre's
 * side of every exchange with ZeroMQ is on the dist thread. */
#if defined(__SANITIZE_THREAD__)
#define DIST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DIST_TSAN 1
#endif
#endif
#ifdef DIST_TSAN
const char *__tsan_default_suppressions(void);
const char *
__tsan_default_suppressions(void)
{
	return "called_from_lib:libzmq.so\ncalled_from_lib:libstdc++.so\n"
	       "called_from_lib:libsodium.so\nrace:libzmq.so\nrace:libsodium.so\n";
}
#endif

/* ipc:///tmp/cadre-<test>-<pid>-<name> */
static inline void
dist_endpoint(char *buf, size_t size, const char *test, const char *name)
{
	snprintf(buf, size, "ipc:///tmp/cadre-%s-%ld-%s", test, (long)getpid(), name);
}

static inline void
dist_unlink(const char *ep)
{
	if (strncmp(ep, "ipc://", 6) == 0)
		(void)unlink(ep + 6);
}

/* A node with 2 workers, insecure (or the given config, completed). */
static inline cadre_system *
dist_node_cfg(cadre_node_config *nc)
{
	cadre_config cfg = {.workers = 2, .node = nc};
	cadre_system *sys = NULL;
	int rc = cadre_system_new(&sys, &cfg);
	if (rc != 0)
		fprintf(stderr, "node %s: %s\n", nc->name, cadre_strerror(rc));
	CHECK_EQ(rc, 0);
	return sys;
}

static inline cadre_system *
dist_node(const char *name, const char *ep, uint32_t timeout_ms)
{
	cadre_node_config nc = {.name = name,
	                        .endpoint = ep,
	                        .insecure = true,
	                        .tick_ms = timeout_ms / 6,
	                        .timeout_ms = timeout_ms};
	return dist_node_cfg(&nc);
}

/* Sum of sent, handled and dead letters over n systems: checks sent ==
 * handled + dead letters. */
static inline void
dist_check_accounting(const cadre_stats *st, int n)
{
	uint64_t sent = 0, handled = 0, dead = 0;
	for (int i = 0; i < n; i++) {
		sent += st[i].sent;
		handled += st[i].handled;
		dead += st[i].dead_letters;
	}
	fprintf(stderr, "accounting: sent %llu, handled %llu, dead letters %llu\n",
	        (unsigned long long)sent, (unsigned long long)handled, (unsigned long long)dead);
	CHECK_EQ(sent, handled + dead);
}

/* ---- actors ------------------------------------------------------------------ */
/* Counts what it receives (of type 1). */
static int dist_counted;
static int
dist_count_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	if (m->type == 1)
		__atomic_add_fetch(&dist_counted, 1, __ATOMIC_RELAXED);
	return 0;
}
static const cadre_behaviour dist_counter = {
        .name = "counter", .size = sizeof(cadre_actor), .receive = dist_count_receive};

/* Answers every request (cadre_ask) with its payload, type 7. */
static int
dist_echo_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_request rq;
	if (cadre_ask_request(m, &rq) == 0)
		CHECK_EQ(cadre_reply(cadre_actor_system(self), &rq.reply_to, 7, rq.data, rq.size),
		         0);
	return 0;
}
static const cadre_behaviour dist_echo = {
        .name = "echo", .size = sizeof(cadre_actor), .receive = dist_echo_receive};

/* Records node events (cadre_node_monitor). Events are not replayed to a
 * late subscriber: a test waits for dist_watching before it connects. */
static int dist_ups, dist_downs, dist_refused, dist_watching;
static cadre_node_reason dist_last_down, dist_last_refused;
static int
dist_watch_start(cadre_actor *self, void *arg)
{
	(void)arg;
	CHECK_EQ(cadre_node_monitor(self, true), 0);
	/* Release: pairs with dist_load's acquire (the subscription is made
	 * before the count says so). */
	__atomic_add_fetch(&dist_watching, 1, __ATOMIC_RELEASE);
	return 0;
}
static int
dist_watch_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	cadre_node_event ev;
	if (cadre_node_event_read(m, &ev) != 0)
		return 0;
	if (ev.kind == CADRE_NODE_UP)
		__atomic_add_fetch(&dist_ups, 1, __ATOMIC_RELEASE);
	if (ev.kind == CADRE_NODE_DOWN) {
		__atomic_store_n(&dist_last_down, ev.reason, __ATOMIC_RELAXED);
		__atomic_add_fetch(&dist_downs, 1, __ATOMIC_RELEASE);
	}
	if (ev.kind == CADRE_NODE_REFUSED) {
		__atomic_store_n(&dist_last_refused, ev.reason, __ATOMIC_RELAXED);
		__atomic_add_fetch(&dist_refused, 1, __ATOMIC_RELEASE);
	}
	return 0;
}
static const cadre_behaviour dist_watcher = {.name = "watcher",
                                             .size = sizeof(cadre_actor),
                                             .start = dist_watch_start,
                                             .receive = dist_watch_receive};

/* Frees two nodes (b first) and removes their ipc endpoints' files. */
static inline void
dist_pair_free(cadre_system *a, cadre_system *b, const char *ea, const char *eb)
{
	cadre_system_free(b);
	cadre_system_free(a);
	dist_unlink(ea);
	dist_unlink(eb);
}

static inline int
dist_load(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

#endif /* CADRE_TEST_DIST_HELPERS_H */
