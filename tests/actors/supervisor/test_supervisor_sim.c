/* Supervisors in the deterministic mode (cadre/sim.h): restart intensity
 * at its exact edges (N restarts within the period pass, N + 1 escalate,
 * a restart exactly one period old no longer counts), the sliding window,
 * and backoff delays to the millisecond, under several seeds each
 * (cadre_sim_check). The real-time versions (test_supervisor_intensity.c)
 * keep the threaded path covered. Run one case with:
 * test_supervisor_sim <case>; replay one seed with CADRE_SEED=<seed>. */
#include <string.h>

#include <cadre.h>
#include <cadre/supervisor.h>

#include "check.h"

#define SEEDS 16
#define MAX_EV 64

enum { T_CRASH = 1 };

/* What one run saw. */
struct run {
	cadre_system *sys;
	cadre_ref child;       /* the child's current incarnation */
	unsigned starts;       /* its starts */
	unsigned crash_starts; /* the next starts crash at once */
	uint64_t start_at[MAX_EV];
	unsigned restarting, intensity, shutdown;
	uint32_t delay[MAX_EV];
};

static struct run *cur; /* one thread: the run in progress */

struct child {
	cadre_actor base;
};

static int
child_start(cadre_actor *self, void *arg)
{
	struct run *r = arg;
	r->child = cadre_self(self);
	if (r->starts < MAX_EV)
		r->start_at[r->starts] = cadre_system_now_ms(r->sys);
	r->starts++;
	if (r->crash_starts > 0) {
		r->crash_starts--;
		return cadre_send(r->sys, r->child, T_CRASH, NULL, 0);
	}
	return 0;
}

static int
child_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	return m->type == T_CRASH ? 9 : 0;
}

static const cadre_behaviour child_beh = {
        .size = sizeof(struct child), .start = child_start, .receive = child_receive};

static void
on_event(void *ctx, const cadre_sup_event *ev)
{
	struct run *r = ctx;
	if (ev->kind == CADRE_SUP_CHILD_RESTARTING && r->restarting < MAX_EV)
		r->delay[r->restarting++] = ev->delay_ms;
	r->intensity += ev->kind == CADRE_SUP_INTENSITY;
	r->shutdown += ev->kind == CADRE_SUP_SHUTDOWN;
}

static cadre_child_spec kid;
static cadre_sup_spec spec;

/* A system with seed and a supervisor of one child, per `spec`. */
static cadre_ref
begin(struct run *r, uint64_t seed, uint32_t intensity, uint32_t period_ms)
{
	memset(r, 0, sizeof *r);
	cur = r;
	cadre_config cfg = {.seed = seed, .quiet = true};
	CHECK_EQ(cadre_system_new(&r->sys, &cfg), 0);
	kid = (cadre_child_spec){.id = "A", .beh = &child_beh, .arg = r};
	spec.strategy = CADRE_ONE_FOR_ONE;
	spec.intensity = intensity;
	spec.period_ms = period_ms;
	spec.children = &kid;
	spec.nchildren = 1;
	spec.on_event = on_event;
	spec.event_ctx = r;
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(r->sys, &spec, &sup, NULL, 1000), 0);
	CHECK_EQ(r->starts, 1);
	return sup;
}

/* Lets the clock reach exactly t ms (from the time now), then crashes the
 * child and runs until nothing more happens at that time. */
static void
crash_at(struct run *r, uint64_t t)
{
	uint64_t now = cadre_system_now_ms(r->sys);
	CHECK(t >= now);
	CHECK(cadre_sim_run(r->sys, (cadre_timeout)(t - now)) >= 0);
	CHECK_EQ(cadre_system_now_ms(r->sys), t);
	CHECK_EQ(cadre_send(r->sys, r->child, T_CRASH, NULL, 0), 0);
	CHECK(cadre_sim_run(r->sys, CADRE_NOWAIT) > 0);
}

static void
end(struct run *r)
{
	cadre_system_free(r->sys);
	cur = NULL;
}

/* ---- intensity 3 in 1000 ms: three crashes at 0 pass, the fourth at 999
 * escalates, at 1000 it does not (the first restart is one period old) */
static int
intensity_edge_run(uint64_t seed, void *ctx)
{
	uint64_t fourth = *(const uint64_t *)ctx;
	static struct run r;
	begin(&r, seed, 3, 1000);
	for (int i = 0; i < 3; i++)
		crash_at(&r, 0);
	int bad = r.restarting != 3 || r.intensity != 0 || r.starts != 4;
	crash_at(&r, fourth);
	if (fourth < 1000)
		bad |= r.intensity != 1 || r.shutdown != 1 || r.starts != 4;
	else
		bad |= r.intensity != 0 || r.restarting != 4 || r.starts != 5;
	end(&r);
	return bad;
}

static void
intensity_edges(void)
{
	uint64_t fourth = 999;
	CHECK_EQ(cadre_sim_check(intensity_edge_run, &fourth, 1, SEEDS, NULL), 0);
	fourth = 1000;
	CHECK_EQ(cadre_sim_check(intensity_edge_run, &fourth, 1, SEEDS, NULL), 0);
	fourth = 500;
	CHECK_EQ(cadre_sim_check(intensity_edge_run, &fourth, 1, SEEDS, NULL), 0);
}

/* ---- intensity 1 in 200 ms: one crash every 200 ms goes on for ever (each
 * restart is exactly one period after the last); two within 199 do not */
static int
window_slides_run(uint64_t seed, void *ctx)
{
	(void)ctx;
	static struct run r;
	begin(&r, seed, 1, 200);
	for (uint64_t t = 0; t <= 1000; t += 200)
		crash_at(&r, t);
	int bad = r.restarting != 6 || r.intensity != 0 || r.starts != 7;
	crash_at(&r, 1199);
	bad |= r.intensity != 1 || r.shutdown != 1;
	end(&r);
	return bad;
}

static void
intensity_window_slides(void)
{
	CHECK_EQ(cadre_sim_check(window_slides_run, NULL, 100, SEEDS, NULL), 0);
}

/* ---- backoff: 50, 100, 200, 200 ms, to the millisecond ------------------ */
static int
backoff_run(uint64_t seed, void *ctx)
{
	(void)ctx;
	static struct run r;
	begin(&r, seed, 10, 60000);
	r.crash_starts = 3;
	crash_at(&r, 10);
	CHECK(cadre_sim_run(r.sys, 10000) >= 0);
	static const uint32_t want[] = {50, 100, 200, 200};
	int bad = r.starts != 5 || r.restarting != 4 || r.intensity != 0;
	uint64_t t = 10;
	for (int i = 0; i < 4 && !bad; i++) {
		t += want[i];
		bad |= r.delay[i] != want[i] || r.start_at[i + 1] != t;
	}
	end(&r);
	return bad;
}

static void
backoff(void)
{
	memset(&spec, 0, sizeof spec);
	spec.backoff_min_ms = 50;
	spec.backoff_max_ms = 200;
	/* begin() keeps the backoff fields of spec */
	CHECK_EQ(cadre_sim_check(backoff_run, NULL, 200, SEEDS, NULL), 0);
}

/* ---- jitter: within its bounds, each start exactly its delay after the
 * crash, and the same seed gives the same delays */
static int
jitter_run(uint64_t seed, void *ctx)
{
	uint32_t *out = ctx;
	static struct run r;
	spec.backoff_min_ms = 20;
	spec.backoff_max_ms = 1000;
	spec.backoff_jitter = 0.5;
	begin(&r, seed, 10, 60000);
	r.crash_starts = 3;
	crash_at(&r, 0);
	CHECK(cadre_sim_run(r.sys, 10000) >= 0);
	static const uint32_t base[] = {20, 40, 80, 160};
	int bad = r.starts != 5 || r.restarting != 4;
	uint64_t t = 0;
	for (int i = 0; i < 4 && !bad; i++) {
		t += r.delay[i];
		bad |= r.delay[i] < base[i] || r.delay[i] > base[i] + base[i] / 2 ||
		       r.start_at[i + 1] != t;
		out[i] = r.delay[i];
	}
	end(&r);
	return bad;
}

static void
backoff_jitter(void)
{
	memset(&spec, 0, sizeof spec);
	uint32_t a[4], b[4];
	CHECK_EQ(cadre_sim_check(jitter_run, a, 300, SEEDS, NULL), 0);
	CHECK_EQ(jitter_run(77, a), 0);
	CHECK_EQ(jitter_run(77, b), 0);
	CHECK(memcmp(a, b, sizeof a) == 0);
	memset(&spec, 0, sizeof spec);
}

/* ---- zero shutdown: a worker's default is 5000 ms, a supervisor's
 * infinity. CS (a child supervisor, shutdown 0) stops W2 first (it stops
 * 1000 ms after `shutdown`), then W1 (it ignores `shutdown` and, with
 * shutdown 0, is killed exactly 5000 ms later): 6000 ms in all, more than a
 * worker's 5000, and CS still ends with SHUTDOWN, not KILLED. */
enum { T_SLOW_DONE = 2 };

struct stub {
	cadre_actor base;
	unsigned idx;
};

static uint64_t told_at[2], stopped_at[2];
static cadre_exit_kind stop_kind[2];
static unsigned cs_exits_shutdown, cs_errors;
static const uint32_t slow_ms[2] = {0, 1000}; /* W1 ignores; W2 is slow */

static int
stub_start(cadre_actor *self, void *arg)
{
	struct stub *st = (struct stub *)self;
	st->idx = (unsigned)(uintptr_t)arg;
	return cadre_trap_exits(self, true);
}

static int
stub_receive(cadre_actor *self, const cadre_msg *m)
{
	struct stub *st = (struct stub *)self;
	cadre_system *sys = cadre_actor_system(self);
	if (m->type == CADRE_MSG_EXIT) {
		told_at[st->idx] = cadre_system_now_ms(sys);
		if (slow_ms[st->idx] != 0)
			return cadre_send_after(sys, cadre_self(self), T_SLOW_DONE, NULL, 0,
			                        slow_ms[st->idx], NULL);
		return 0; /* ignored */
	}
	if (m->type == T_SLOW_DONE) {
		static const cadre_exit shut = {.kind = CADRE_EXIT_SHUTDOWN};
		return cadre_stop_with(self, &shut);
	}
	return 0;
}

static void
stub_stop(cadre_actor *self, const cadre_exit *why)
{
	struct stub *st = (struct stub *)self;
	stopped_at[st->idx] = cadre_system_now_ms(cadre_actor_system(self));
	stop_kind[st->idx] = why->kind;
}

static const cadre_behaviour stub_beh = {.size = sizeof(struct stub),
                                         .start = stub_start,
                                         .receive = stub_receive,
                                         .stop = stub_stop};

static void
top_event(void *ctx, const cadre_sup_event *ev)
{
	(void)ctx;
	cs_exits_shutdown +=
	        ev->kind == CADRE_SUP_CHILD_STOPPED && ev->reason.kind == CADRE_EXIT_SHUTDOWN;
	cs_errors += ev->kind == CADRE_SUP_SHUTDOWN_ERROR;
}

static int
zero_shutdown_run(uint64_t seed, void *ctx)
{
	(void)ctx;
	memset(told_at, 0, sizeof told_at);
	memset(stopped_at, 0, sizeof stopped_at);
	cs_exits_shutdown = cs_errors = 0;
	cadre_system *sys;
	cadre_config cfg = {.seed = seed, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	static cadre_child_spec inner_kids[2];
	inner_kids[0] = (cadre_child_spec){.id = "W1", .beh = &stub_beh, .arg = (void *)0};
	inner_kids[1] = (cadre_child_spec){
	        .id = "W2", .beh = &stub_beh, .arg = (void *)1, .shutdown_ms = 3000};
	static cadre_sup_spec inner;
	inner = (cadre_sup_spec){
	        .intensity = 3, .period_ms = 60000, .children = inner_kids, .nchildren = 2};
	static cadre_child_spec top_kids[1];
	top_kids[0] = (cadre_child_spec){.id = "CS",
	                                 .beh = cadre_supervisor_behaviour(),
	                                 .arg = &inner,
	                                 .type = CADRE_SUPERVISOR};
	static cadre_sup_spec top;
	top = (cadre_sup_spec){.intensity = 3,
	                       .period_ms = 60000,
	                       .children = top_kids,
	                       .nchildren = 1,
	                       .on_event = top_event};
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(sys, &top, &sup, NULL, 1000), 0);
	CHECK(cadre_sim_run(sys, 100) >= 0);
	uint64_t t0 = cadre_system_now_ms(sys);
	CHECK_EQ(cadre_supervisor_stop(sys, sup, 30000), 0);
	/* W2 first (told at t0, stopped 1000 later), then W1 (told then,
	 * killed exactly 5000 later) */
	int bad = told_at[1] != t0 || stopped_at[1] != t0 + 1000 ||
	          stop_kind[1] != CADRE_EXIT_SHUTDOWN || told_at[0] != t0 + 1000 ||
	          stopped_at[0] != t0 + 6000 || stop_kind[0] != CADRE_EXIT_KILLED ||
	          cs_exits_shutdown != 1 || cs_errors != 0;
	cadre_system_free(sys);
	return bad;
}

static void
zero_shutdown(void)
{
	CHECK_EQ(cadre_sim_check(zero_shutdown_run, NULL, 400, SEEDS, NULL), 0);
}

/* ---- shutdown modes, to the millisecond: brutal kills at once (even a
 * child that traps exits), a timeout kills a child that ignores `shutdown`
 * exactly when it is up, a slow child within its timeout (or with
 * infinity) stops by itself exactly when it is done */
struct mode_arg {
	uint32_t slow;  /* ms from `shutdown` to its stop; 0: ignores it */
	uint64_t told;  /* when `shutdown` came (0: never) */
	uint64_t ended; /* when it stopped */
	cadre_exit_kind kind;
};

struct moder {
	cadre_actor base;
	struct mode_arg *m;
};

static int
moder_start(cadre_actor *self, void *arg)
{
	((struct moder *)self)->m = arg;
	return cadre_trap_exits(self, true);
}

static int
moder_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct mode_arg *m = ((struct moder *)self)->m;
	cadre_system *sys = cadre_actor_system(self);
	if (msg->type == CADRE_MSG_EXIT) {
		m->told = cadre_system_now_ms(sys) + 1; /* +1: 0 means never */
		return m->slow == 0 ? 0
		                    : cadre_send_after(sys, cadre_self(self), T_SLOW_DONE, NULL, 0,
		                                       m->slow, NULL);
	}
	if (msg->type == T_SLOW_DONE) {
		static const cadre_exit shut = {.kind = CADRE_EXIT_SHUTDOWN};
		return cadre_stop_with(self, &shut);
	}
	return 0;
}

static void
moder_stop(cadre_actor *self, const cadre_exit *why)
{
	struct mode_arg *m = ((struct moder *)self)->m;
	m->ended = cadre_system_now_ms(cadre_actor_system(self));
	m->kind = why->kind;
}

static const cadre_behaviour moder_beh = {.size = sizeof(struct moder),
                                          .start = moder_start,
                                          .receive = moder_receive,
                                          .stop = moder_stop};

static int
modes_run(uint64_t seed, void *ctx)
{
	(void)ctx;
	enum { K, S, CS, IS, N };
	static const char *ids[N] = {"K", "S", "CS", "IS"};
	static const cadre_timeout shut[N] = {CADRE_SHUTDOWN_BRUTAL, 200, 5000, CADRE_FOREVER};
	static const uint32_t slow[N] = {0, 0, 100, 300};
	static const uint64_t took[N] = {0, 200, 100, 300};
	static const cadre_exit_kind kind[N] = {CADRE_EXIT_KILLED, CADRE_EXIT_KILLED,
	                                        CADRE_EXIT_SHUTDOWN, CADRE_EXIT_SHUTDOWN};
	static struct mode_arg m[N];
	static cadre_child_spec kids[N];
	for (int i = 0; i < N; i++) {
		m[i] = (struct mode_arg){.slow = slow[i]};
		kids[i] = (cadre_child_spec){
		        .id = ids[i], .beh = &moder_beh, .arg = &m[i], .shutdown_ms = shut[i]};
	}
	cadre_system *sys;
	cadre_config cfg = {.seed = seed, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	static cadre_sup_spec sp;
	sp = (cadre_sup_spec){.intensity = 3, .period_ms = 5000, .children = kids, .nchildren = N};
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, NULL, 1000), 0);
	int bad = 0;
	for (int i = 0; i < N; i++) {
		CHECK(cadre_sim_run(sys, 7) >= 0);
		uint64_t t0 = cadre_system_now_ms(sys);
		CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, ids[i], CADRE_REF_NONE, 10000),
		         0);
		bad |= m[i].ended != t0 + took[i] || m[i].kind != kind[i] ||
		       (i == K ? m[i].told != 0 : m[i].told != t0 + 1) ||
		       cadre_system_now_ms(sys) != t0 + took[i];
	}
	cadre_system_free(sys);
	return bad;
}

static void
shutdown_modes(void)
{
	CHECK_EQ(cadre_sim_check(modes_run, NULL, 600, SEEDS, NULL), 0);
}

/* ---- RESTARTING: a crashed child waits for its backoff (1000 ms) in state
 * RESTARTING, with no live ref, and runs again exactly at its end */
static cadre_child_info
info_of(cadre_system *sys, cadre_ref sup)
{
	cadre_child_info ci[1];
	size_t n = 0;
	CHECK_EQ(cadre_supervisor_which_children(sys, sup, ci, 1, &n, 1000), 0);
	CHECK_EQ(n, 1);
	return ci[0];
}

static int
restarting_run(uint64_t seed, void *ctx)
{
	(void)ctx;
	static struct run r;
	spec.backoff_min_ms = spec.backoff_max_ms = 1000;
	cadre_ref sup = begin(&r, seed, 5, 60000);
	crash_at(&r, 20);
	cadre_child_info ci = info_of(r.sys, sup);
	int bad = ci.state != CADRE_CHILD_RESTARTING || !cadre_ref_is_none(ci.ref) ||
	          r.restarting != 1 || r.delay[0] != 1000;
	CHECK(cadre_sim_run(r.sys, 999) >= 0);
	bad |= info_of(r.sys, sup).state != CADRE_CHILD_RESTARTING || r.starts != 1;
	CHECK(cadre_sim_run(r.sys, 1) >= 0);
	ci = info_of(r.sys, sup);
	bad |= ci.state != CADRE_CHILD_RUNNING || r.starts != 2 || r.start_at[1] != 1020 ||
	       !cadre_ref_is_equal(ci.ref, r.child);
	end(&r);
	return bad;
}

static void
restarting_state(void)
{
	memset(&spec, 0, sizeof spec);
	CHECK_EQ(cadre_sim_check(restarting_run, NULL, 500, SEEDS, NULL), 0);
	memset(&spec, 0, sizeof spec);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, intensity_edges);
	TEST_CASE_IF(only, intensity_window_slides);
	TEST_CASE_IF(only, backoff);
	TEST_CASE_IF(only, backoff_jitter);
	TEST_CASE_IF(only, zero_shutdown);
	TEST_CASE_IF(only, restarting_state);
	TEST_CASE_IF(only, shutdown_modes);
	return 0;
}
