/* Cadre tests: what the supervisor tests share (test_supervisor_*.c in
 * tests/actors, one program per group of rules of cadre/supervisor.h and
 * docs/supervision.md).
 *
 * Child actors are "probes" configured by a small struct cfg (the child
 * spec's arg): they log their start, their stop (with the reason), the exit
 * signals they trap and the messages they get, and obey command messages
 * from the test thread (crash, stop, shutdown). The supervisors' on_event
 * hooks log into the same global log. Entries are reserved with an atomic
 * counter and published with a release store of a per-entry flag; the test
 * thread reads only published entries, after bounded waits.
 *
 * Orders are checked exactly as "traces": "+A" A started, "xA" A's start
 * failed, "<A" A's stop callback began (children that sleep in stop),
 * "-A:S" A stopped with reason S (N normal, S shutdown, K killed, F
 * failure). Supervisor events read as "started:A", "exited:B:F",
 * "restarting:B", "stopped:C:S", "startfailed:B:F", "intensity:B:F",
 * "shutdown:S".
 *
 * Only lower time bounds that the semantics guarantee are asserted. Each
 * program runs its cases one after the other on one system of 4 workers
 * (sup_begin, RUN, sup_end); run one case with: test_supervisor_<group>
 * <case>. */
#ifndef CADRE_TEST_SUP_HELPERS_H
#define CADRE_TEST_SUP_HELPERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cadre.h>
#include <cadre/supervisor.h>

#include "check.h"
#include "waits.h"

#define T_MS 10000L       /* timeout of every blocking call */
#define WAIT_ROUNDS 10000 /* x 1 ms: bound of every wait */

/* Timers count whole 1 ms ticks (cadre/timer.h): a delay is armed from the
 * current tick, so it may end up to one tick before "now + delay" measured
 * in ns. Lower time bounds allow that one tick and no more. */
#define TICK_NS 1000000u

static cadre_system *sys;

static const char *only;

/* ---- the event log ------------------------------------------------------------------ */
enum {
	E_START = 1, /* a child's start succeeded */
	E_FAILSTART, /* a child's start failed */
	E_STOP_BEGIN,
	E_STOP,
	E_EXIT, /* a child trapped an exit signal */
	E_MSG,  /* a child got CMD_MSG */
	E_SUP,  /* a supervisor event */
	E_WATCHING,
	E_DOWN, /* a watcher saw its target stop */
	E_HOLD, /* a child deferred its STARTED */
};

struct ev {
	int what;
	const char *name; /* the child's cfg name; E_SUP: the child id; watchers: theirs */
	const char *sup;  /* E_SUP: the supervisor's name (its event ctx) */
	int sup_kind;
	int kind, code; /* a reason */
	const char *detail;
	cadre_ref ref; /* the child itself; E_SUP: ev->child; E_EXIT: from; E_DOWN: actor */
	bool linked;
	int seq;
	uint32_t delay, mail;
	uint64_t t_ns;
};

#define LOG_MAX 8192
static struct ev evlog[LOG_MAX];
static atomic_uint ev_ready[LOG_MAX];
static atomic_uint log_reserved;

static inline void
log_add(struct ev e)
{
	/* relaxed: the slot is published by the release store below */
	unsigned i = atomic_fetch_add_explicit(&log_reserved, 1, memory_order_relaxed);
	CHECK(i < LOG_MAX);
	e.t_ns = now_ns();
	evlog[i] = e;
	atomic_store_explicit(&ev_ready[i], 1, memory_order_release); /* pairs with log_n */
}

/* Entries published without a gap from the start. */
static inline unsigned
log_n(void)
{
	unsigned n = atomic_load_explicit(&log_reserved, memory_order_relaxed), i = 0;
	while (i < n && atomic_load_explicit(&ev_ready[i], memory_order_acquire))
		i++;
	return i;
}

/* Only when no actor can write (the system is idle). */
static inline void
log_reset(void)
{
	unsigned n = atomic_load_explicit(&log_reserved, memory_order_relaxed);
	for (unsigned i = 0; i < n && i < LOG_MAX; i++)
		atomic_store_explicit(&ev_ready[i], 0, memory_order_relaxed);
	atomic_store_explicit(&log_reserved, 0, memory_order_relaxed);
}

static inline bool
same(const char *a, const char *b)
{
	return b == NULL || (a != NULL && strcmp(a, b) == 0);
}

/* The index of the k-th (from 0) event `what` of `name` (NULL: any), or -1. */
static inline int
nth_ev(int what, const char *name, int k)
{
	unsigned n = log_n();
	for (unsigned i = 0; i < n; i++)
		if (evlog[i].what == what && same(evlog[i].name, name) && k-- == 0)
			return (int)i;
	return -1;
}

static inline int
count_ev(int what, const char *name)
{
	int c = 0;
	unsigned n = log_n();
	for (unsigned i = 0; i < n; i++)
		c += evlog[i].what == what && same(evlog[i].name, name);
	return c;
}

/* Supervisor events of kind (of supervisor sup and child id; NULL: any). */
static inline int
nth_sup(const char *sup, int kind, const char *id, int k)
{
	unsigned n = log_n();
	for (unsigned i = 0; i < n; i++) {
		const struct ev *e = &evlog[i];
		if (e->what == E_SUP && e->sup_kind == kind && same(e->sup, sup) &&
		    same(e->name, id) && k-- == 0)
			return (int)i;
	}
	return -1;
}

static inline int
count_sup(const char *sup, int kind, const char *id)
{
	int c = 0;
	while (nth_sup(sup, kind, id, c) >= 0)
		c++;
	return c;
}

static inline char
reason_letter(int kind)
{
	switch (kind) {
	case CADRE_EXIT_NORMAL:
		return 'N';
	case CADRE_EXIT_SHUTDOWN:
		return 'S';
	case CADRE_EXIT_KILLED:
		return 'K';
	case CADRE_EXIT_FAILURE:
		return 'F';
	case CADRE_EXIT_NOPROC:
		return 'P';
	default:
		return '?';
	}
}

static inline void
append(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s%s", n > 0 ? " " : "", s);
}

/* The children's starts and stops from index `from` on. */
static inline void
child_trace(unsigned from, char *buf, size_t cap)
{
	buf[0] = '\0';
	unsigned n = log_n();
	for (unsigned i = from; i < n; i++) {
		const struct ev *e = &evlog[i];
		char one[64];
		switch (e->what) {
		case E_START:
			snprintf(one, sizeof one, "+%s", e->name);
			break;
		case E_FAILSTART:
			snprintf(one, sizeof one, "x%s", e->name);
			break;
		case E_STOP_BEGIN:
			snprintf(one, sizeof one, "<%s", e->name);
			break;
		case E_STOP:
			snprintf(one, sizeof one, "-%s:%c", e->name, reason_letter(e->kind));
			break;
		default:
			continue;
		}
		append(buf, cap, one);
	}
}

#define SK(k) (1u << (k))
#define SK_ALL 0x7Fu

/* Supervisor sup's events (NULL: any supervisor) of the kinds in mask. */
static inline void
sup_trace(unsigned from, const char *sup, unsigned mask, char *buf, size_t cap)
{
	static const char *names[] = {"started",     "exited",    "restarting", "stopped",
	                              "startfailed", "intensity", "shutdown"};
	buf[0] = '\0';
	unsigned n = log_n();
	for (unsigned i = from; i < n; i++) {
		const struct ev *e = &evlog[i];
		if (e->what != E_SUP || !same(e->sup, sup) || !(mask & SK(e->sup_kind)))
			continue;
		char one[96];
		int k = e->sup_kind;
		if (k == CADRE_SUP_CHILD_STARTED || k == CADRE_SUP_CHILD_RESTARTING)
			snprintf(one, sizeof one, "%s:%s", names[k], e->name);
		else if (k == CADRE_SUP_SHUTDOWN)
			snprintf(one, sizeof one, "%s:%c", names[k], reason_letter(e->kind));
		else
			snprintf(one, sizeof one, "%s:%s:%c", names[k], e->name,
			         reason_letter(e->kind));
		append(buf, cap, one);
	}
}

static inline void
dump_log(void)
{
	char buf[8192];
	child_trace(0, buf, sizeof buf);
	fprintf(stderr, "  children: %s\n", buf);
	sup_trace(0, NULL, SK_ALL, buf, sizeof buf);
	fprintf(stderr, "  supervisors: %s\n", buf);
}

#define CHECK_TRACE(from, expect)                                                                \
	do {                                                                                     \
		char trace_[4096];                                                               \
		child_trace((from), trace_, sizeof trace_);                                      \
		if (strcmp(trace_, (expect)) != 0) {                                             \
			fprintf(stderr, "%s:%d: children's trace\n  got:    %s\n  wanted: %s\n", \
			        __FILE__, __LINE__, trace_, (expect));                           \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#define CHECK_SUP_TRACE(from, sup, mask, expect)                                                   \
	do {                                                                                       \
		char trace_[4096];                                                                 \
		sup_trace((from), (sup), (mask), trace_, sizeof trace_);                           \
		if (strcmp(trace_, (expect)) != 0) {                                               \
			fprintf(stderr, "%s:%d: supervisor's trace\n  got:    %s\n  wanted: %s\n", \
			        __FILE__, __LINE__, trace_, (expect));                             \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Bounded wait (WAIT_ROUNDS ms) for a condition on the log or the system. */
#define WAIT(cond)                                                                             \
	do {                                                                                   \
		for (long wait_i_ = 0; !(cond); wait_i_++) {                                   \
			if (wait_i_ >= WAIT_ROUNDS) {                                          \
				fprintf(stderr, "%s:%d: timed out waiting for %s\n", __FILE__, \
				        __LINE__, #cond);                                      \
				dump_log();                                                    \
				abort();                                                       \
			}                                                                      \
			nap_ms(1);                                                             \
		}                                                                              \
	} while (0)

/* Lets in-flight signals and restarts land before an exact check. */
static inline void
settle(void)
{
	nap_ms(50);
}

/* ---- the children -------------------------------------------------------------------- */
enum { CMD_CRASH = 1, CMD_STOP, CMD_SHUTDOWN, CMD_MSG, CMD_SLOW_DONE, CMD_STARTED };

#define CRASH_CODE 42

struct cfg {
	const char *name;
	atomic_int fail_starts;   /* the next N starts fail (start returns 7) */
	atomic_int crash_starts;  /* the next N starts are followed by a crash */
	bool trap_ignore;         /* traps exits and ignores `shutdown` */
	uint32_t slow_ms;         /* > 0: traps exits; stops (SHUTDOWN) slow_ms after `shutdown` */
	uint32_t start_sleep_ms;  /* sleeps in start */
	uint32_t stop_sleep_ms;   /* sleeps in stop */
	atomic_int defer_started; /* the next N starts defer STARTED until CMD_STARTED */
};

static inline void
cfg_reset(struct cfg *c, const char *name)
{
	c->name = name;
	atomic_store(&c->fail_starts, 0);
	atomic_store(&c->crash_starts, 0);
	c->trap_ignore = false;
	c->slow_ms = 0;
	c->start_sleep_ms = 0;
	c->stop_sleep_ms = 0;
	atomic_store(&c->defer_started, 0);
}

static inline bool
take(atomic_int *n)
{
	int v = atomic_load(n);
	while (v > 0)
		if (atomic_compare_exchange_weak(n, &v, v - 1))
			return true;
	return false;
}

struct child {
	cadre_actor base;
	struct cfg *cfg;
	cadre_ref me;
};

static inline int
child_start(cadre_actor *self, void *arg)
{
	struct child *c = (struct child *)self;
	struct cfg *cf = arg;
	CHECK(cf != NULL);
	c->cfg = cf;
	c->me = cadre_self(self);
	if (cf->start_sleep_ms != 0)
		nap_ms(cf->start_sleep_ms);
	if (take(&cf->fail_starts)) {
		log_add((struct ev){.what = E_FAILSTART, .name = cf->name, .ref = c->me});
		return 7;
	}
	if (cf->trap_ignore || cf->slow_ms != 0)
		CHECK_EQ(cadre_trap_exits(self, true), 0);
	if (take(&cf->defer_started)) {
		CHECK_EQ(cadre_started_later(self), 0);
		log_add((struct ev){.what = E_HOLD, .name = cf->name, .ref = c->me});
	}
	log_add((struct ev){.what = E_START, .name = cf->name, .ref = c->me});
	if (take(&cf->crash_starts)) {
		int code = CRASH_CODE;
		CHECK_EQ(cadre_send(cadre_actor_system(self), c->me, CMD_CRASH, &code, sizeof code),
		         0);
	}
	return 0;
}

static const cadre_exit shutdown_reason = {CADRE_EXIT_SHUTDOWN, 0, NULL};

static inline int
child_receive(cadre_actor *self, const cadre_msg *m)
{
	struct child *c = (struct child *)self;
	switch (m->type) {
	case CADRE_MSG_EXIT: {
		const cadre_exit_msg *e = m->data;
		log_add((struct ev){.what = E_EXIT,
		                    .name = c->cfg->name,
		                    .kind = (int)e->reason.kind,
		                    .code = e->reason.code,
		                    .ref = e->from,
		                    .linked = e->linked});
		if (c->cfg->slow_ms != 0 && e->reason.kind == CADRE_EXIT_SHUTDOWN)
			CHECK_EQ(cadre_send_after(cadre_actor_system(self), c->me, CMD_SLOW_DONE,
			                          NULL, 0, c->cfg->slow_ms, NULL),
			         0);
		return 0; /* trap_ignore: ignored */
	}
	case CMD_CRASH:
		return *(const int *)m->data;
	case CMD_STOP:
		return cadre_stop(self);
	case CMD_STARTED:
		return cadre_started(self);
	case CMD_SHUTDOWN:
	case CMD_SLOW_DONE:
		return cadre_stop_with(self, &shutdown_reason);
	case CMD_MSG:
		log_add((struct ev){.what = E_MSG,
		                    .name = c->cfg->name,
		                    .ref = c->me,
		                    .seq = *(const int *)m->data});
		return 0;
	default:
		return 0;
	}
}

static inline void
child_stop(cadre_actor *self, const cadre_exit *why)
{
	struct child *c = (struct child *)self;
	if (c->cfg == NULL)
		return;
	if (c->cfg->stop_sleep_ms != 0) {
		log_add((struct ev){.what = E_STOP_BEGIN, .name = c->cfg->name, .ref = c->me});
		nap_ms(c->cfg->stop_sleep_ms);
	}
	log_add((struct ev){.what = E_STOP,
	                    .name = c->cfg->name,
	                    .kind = (int)why->kind,
	                    .code = why->code,
	                    .detail = why->detail,
	                    .ref = c->me});
}

static const cadre_behaviour child_beh = {.size = sizeof(struct child),
                                          .start = child_start,
                                          .receive = child_receive,
                                          .stop = child_stop,
                                          .name = "probe"};

/* A watcher monitors one actor and logs its DOWN. */
struct watch_arg {
	const char *name;
	cadre_ref target;
};

struct watcher {
	cadre_actor base;
	const char *name;
};

static inline int
watcher_start(cadre_actor *self, void *arg)
{
	struct watcher *w = (struct watcher *)self;
	const struct watch_arg *a = arg;
	w->name = a->name;
	uint64_t id;
	CHECK_EQ(cadre_monitor(self, a->target, &id), 0);
	log_add((struct ev){.what = E_WATCHING, .name = w->name, .ref = a->target});
	return 0;
}

static inline int
watcher_receive(cadre_actor *self, const cadre_msg *m)
{
	struct watcher *w = (struct watcher *)self;
	if (m->type != CADRE_MSG_DOWN)
		return 0;
	const cadre_down_msg *d = m->data;
	log_add((struct ev){.what = E_DOWN,
	                    .name = w->name,
	                    .kind = (int)d->reason.kind,
	                    .code = d->reason.code,
	                    .detail = d->reason.detail,
	                    .ref = d->actor});
	return cadre_stop(self);
}

static const cadre_behaviour watcher_beh = {
        .size = sizeof(struct watcher), .start = watcher_start, .receive = watcher_receive};

static inline void
watch(cadre_system *s, const char *name, cadre_ref target)
{
	struct watch_arg a = {name, target};
	int before = count_ev(E_WATCHING, name);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(s, &watcher_beh, NULL, &a, &r), 0);
	WAIT(count_ev(E_WATCHING, name) > before); /* a is read by then */
}

/* The supervisors' hook: ctx is the supervisor's name. */
static inline void
on_event(void *ctx, const cadre_sup_event *e)
{
	log_add((struct ev){.what = E_SUP,
	                    .sup = ctx,
	                    .sup_kind = (int)e->kind,
	                    .name = e->id,
	                    .ref = e->child,
	                    .kind = (int)e->reason.kind,
	                    .code = e->reason.code,
	                    .detail = e->reason.detail,
	                    .delay = e->delay_ms,
	                    .mail = e->mail});
}

/* ---- helpers ------------------------------------------------------------------------- */
static inline cadre_child_spec
wspec(struct cfg *c, cadre_restart r, cadre_timeout shutdown_ms)
{
	return (cadre_child_spec){.id = c->name,
	                          .beh = &child_beh,
	                          .arg = c,
	                          .restart = r,
	                          .shutdown_ms = shutdown_ms,
	                          .type = CADRE_WORKER};
}

/* A child that is a supervisor (permanent, shutdown infinity, as OTP's
 * default for a supervisor child). */
static inline cadre_child_spec
supspec(const char *id, const cadre_sup_spec *spec)
{
	return (cadre_child_spec){.id = id,
	                          .beh = cadre_supervisor_behaviour(),
	                          .arg = (void *)(uintptr_t)spec,
	                          .restart = CADRE_PERMANENT,
	                          .shutdown_ms = CADRE_FOREVER,
	                          .type = CADRE_SUPERVISOR};
}

static inline cadre_sup_spec
sspec(cadre_strategy st, uint32_t intensity, uint32_t period_ms, const cadre_child_spec *kids,
      size_t n, const char *name)
{
	return (cadre_sup_spec){.strategy = st,
	                        .intensity = intensity,
	                        .period_ms = period_ms,
	                        .children = kids,
	                        .nchildren = n,
	                        .on_event = on_event,
	                        .event_ctx = (void *)(uintptr_t)name};
}

static inline cadre_ref
start_sup(cadre_system *s, const cadre_sup_spec *sp)
{
	cadre_ref r;
	const char *failed = NULL;
	int rc = cadre_supervisor_start(s, sp, &r, &failed, T_MS);
	if (rc != 0)
		fprintf(stderr, "cadre_supervisor_start: %s (failed id %s)\n", cadre_err_name(rc),
		        failed != NULL ? failed : "-");
	CHECK_EQ(rc, 0);
	return r;
}

static inline void
send_cmd(cadre_system *s, cadre_ref to, uint32_t type, int v)
{
	CHECK_EQ(cadre_send(s, to, type, &v, sizeof v), 0);
}

/* The ref of name's latest start. */
static inline cadre_ref
last_ref(const char *name)
{
	int c = count_ev(E_START, name);
	CHECK(c > 0);
	return evlog[nth_ev(E_START, name, c - 1)].ref;
}

static inline void
crash(cadre_system *s, const char *name)
{
	send_cmd(s, last_ref(name), CMD_CRASH, CRASH_CODE);
}

/* A CHILD_STARTED event of any supervisor for that child. */
static inline bool
sup_saw_started(cadre_ref child)
{
	unsigned n = log_n();
	for (unsigned i = 0; i < n; i++)
		if (evlog[i].what == E_SUP && evlog[i].sup_kind == CADRE_SUP_CHILD_STARTED &&
		    cadre_ref_is_equal(evlog[i].ref, child))
			return true;
	return false;
}

/* Waits until name has started n times in all, and its supervisor has seen
 * the n-th start. */
static inline void
wait_starts(const char *name, int n)
{
	WAIT(count_ev(E_START, name) >= n);
	WAIT(sup_saw_started(evlog[nth_ev(E_START, name, n - 1)].ref));
}

static inline size_t
which(cadre_system *s, cadre_ref sup, cadre_child_info *out, size_t max)
{
	size_t n = 0;
	CHECK_EQ(cadre_supervisor_which_children(s, sup, out, max, &n, T_MS), 0);
	return n;
}

/* The info of id in which_children; CHECKs it is there once. */
static inline cadre_child_info
info_of(cadre_system *s, cadre_ref sup, const char *id)
{
	cadre_child_info inf[32], r = {0};
	size_t n = which(s, sup, inf, 32);
	CHECK(n <= 32);
	int found = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(inf[i].id, id) == 0) {
			r = inf[i];
			found++;
		}
	CHECK_EQ(found, 1);
	return r;
}

static inline bool
listed(cadre_system *s, cadre_ref sup, const char *id)
{
	cadre_child_info inf[32];
	size_t n = which(s, sup, inf, 32);
	CHECK(n <= 32);
	for (size_t i = 0; i < n; i++)
		if (strcmp(inf[i].id, id) == 0)
			return true;
	return false;
}

static inline cadre_child_counts
counts(cadre_system *s, cadre_ref sup)
{
	cadre_child_counts k;
	CHECK_EQ(cadre_supervisor_count_children(s, sup, &k, T_MS), 0);
	return k;
}

#define CHECK_COUNTS(k, specs_, active_, sups_, workers_) \
	do {                                              \
		CHECK_EQ((k).specs, (specs_));            \
		CHECK_EQ((k).active, (active_));          \
		CHECK_EQ((k).supervisors, (sups_));       \
		CHECK_EQ((k).workers, (workers_));        \
	} while (0)

static inline bool
sup_gone(cadre_system *s, cadre_ref sup)
{
	cadre_child_counts k;
	int rc = cadre_supervisor_count_children(s, sup, &k, T_MS);
	CHECK(rc == 0 || rc == CADRE_ENOACTOR);
	return rc == CADRE_ENOACTOR;
}

static inline void
wait_sup_gone(cadre_system *s, cadre_ref sup)
{
	WAIT(sup_gone(s, sup));
}

static inline void
stop_sup(cadre_system *s, cadre_ref sup)
{
	CHECK_EQ(cadre_supervisor_stop(s, sup, T_MS), 0);
	wait_sup_gone(s, sup);
}

static inline const struct ev *
ev_at(int i)
{
	CHECK(i >= 0);
	return &evlog[i];
}

/* ---- a two-level tree (escalation, a killed top) ------------------------------------- */
static struct cfg cw, cw2;

/* A two-level tree: "top" (one_for_one, 3 in 60 s) supervises the
 * supervisor "CS" ("inner": one_for_one, 1 in 60 s) of workers W and W2. */
static inline cadre_ref
start_nested_tree(void)
{
	cfg_reset(&cw, "W");
	cfg_reset(&cw2, "W2");
	static cadre_child_spec inner_kids[2];
	inner_kids[0] = wspec(&cw, CADRE_PERMANENT, 1000);
	inner_kids[1] = wspec(&cw2, CADRE_PERMANENT, 1000);
	static cadre_sup_spec inner;
	inner = sspec(CADRE_ONE_FOR_ONE, 1, 60000, inner_kids, 2, "inner");
	static cadre_child_spec top_kids[1];
	top_kids[0] = supspec("CS", &inner);
	static cadre_sup_spec top;
	top = sspec(CADRE_ONE_FOR_ONE, 3, 60000, top_kids, 1, "top");
	return start_sup(sys, &top);
}

/* ---- main ------------------------------------------------------------------------------ */
#define RUN(fn)                                                           \
	do {                                                              \
		if (only == NULL || strcmp(only, #fn) == 0) {             \
			log_reset();                                      \
			TEST_CASE(fn);                                    \
			/* every case leaves nothing behind */            \
			if (cadre_system_await_stopped(sys, T_MS) != 0) { \
				dump_log();                               \
				CHECK(!"actors left alive after " #fn);   \
			}                                                 \
		}                                                         \
	} while (0)

/* The start of each program's main: the system its cases share. */
static inline void
sup_begin(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	cadre_config cfg = {.workers = 4, .no_pinning = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
}

/* The end of each program's main: nothing lost, the system freed. */
static inline int
sup_end(const char *name)
{
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	cadre_system_free(sys);
	fprintf(stderr, "%s: ok\n", name);
	return 0;
}

#endif /* CADRE_TEST_SUP_HELPERS_H */
