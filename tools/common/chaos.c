/* The chaos soak (chaos.h): the scenario, its actors and its checks. */
#include "chaos.h"

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cadre.h>
#include <cadre/supervisor.h>

enum { WORK = 0x100, TICK = 0x101 };
enum { NMIDS = 3, PER_MID = 4, NWORKERS = NMIDS * PER_MID, IN_FLIGHT = 4000, STALL_S = 5 };

/* Counters shared by the actors and the outside threads of one run. A
 * counter is atomic with relaxed adds: only the totals matter, read after
 * the threads are joined and the system is shut down. */
struct chaos {
	const struct chaos_params *p;
	cadre_system *sys;
	atomic_uint_fast64_t accepted, handled, dead, refused, crashes, restarts;
	atomic_uint_fast64_t ticks_armed, ticks_seen, spawned_temp, outside_accepted, stalls;
	atomic_bool senders_done;
};

/* Did a send make a message? 0: queued; ENOACTOR and ECLOSED: it was made
 * and dead-lettered at once (cadre_send's contract). Other errors made none. */
static bool
made(int rc)
{
	return rc == 0 || rc == CADRE_ENOACTOR || rc == CADRE_ECLOSED;
}

static uint64_t
next_rand(uint64_t *s)
{
	uint64_t x = (*s += 0x9E3779B97F4A7C15ull);
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static void
count(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed); /* a counter, read after the joins */
}

/* Relaxed: a pacing hint while running; exact after the joins and the
 * shutdown. */
static uint64_t
get(atomic_uint_fast64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void
dead_letter(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	struct chaos *c = ctx;
	(void)to;
	(void)why;
	if (m->type == WORK)
		count(&c->dead);
	else if (m->type == TICK)
		count(&c->ticks_seen);
}

static void
on_event(void *ctx, const cadre_sup_event *ev)
{
	if (ev->kind == CADRE_SUP_CHILD_RESTARTING)
		count(&((struct chaos *)ctx)->restarts);
}

/* ---- the actors ------------------------------------------------------------------------ */
struct worker {
	cadre_actor base;
	struct chaos *c;
	uint64_t rng;
};

/* A worker's start argument: the same at every restart. */
struct worker_arg {
	struct chaos *c;
	unsigned no;
};

static int
worker_start(cadre_actor *self, void *arg)
{
	struct worker *w = (struct worker *)self;
	const struct worker_arg *a = arg;
	w->c = a->c;
	w->rng = w->c->p->seed * 1000003u + a->no * 7u + cadre_self(self).gen;
	char name[16];
	snprintf(name, sizeof name, "c%u", a->no);
	(void)cadre_register(cadre_actor_system(self), name, cadre_self(self)); /* best effort */
	return 0;
}

/* A WORK message forwarded to the sink, counted like an outside send. */
static void
forward(struct chaos *c, cadre_system *sys, uint64_t v)
{
	cadre_ref sink;
	if (cadre_whereis(sys, "sink", &sink) == 0 &&
	    made(cadre_send(sys, sink, WORK, &v, sizeof v)))
		count(&c->accepted);
	else
		count(&c->refused);
}

static int
worker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct worker *w = (struct worker *)self;
	struct chaos *c = w->c;
	if (m->type == TICK) {
		count(&c->ticks_seen);
		return 0;
	}
	if (m->type != WORK)
		return 0;
	count(&c->handled);
	uint64_t r = next_rand(&w->rng);
	if (r % 1000 < c->p->crash_per_mille) {
		count(&c->crashes);
		return 1; /* a failure the scenario chose */
	}
	cadre_system *sys = cadre_actor_system(self);
	if ((r >> 10) % 16 == 0 &&
	    cadre_send_after(sys, cadre_self(self), TICK, NULL, 0, 1 + (r >> 20) % 3, NULL) == 0)
		count(&c->ticks_armed);
	if ((r >> 30) % 16 == 0)
		for (unsigned i = 0; i < 8; i++) /* a burst: the sink falls behind */
			forward(c, sys, r + i);
	return 0;
}

static const cadre_behaviour worker_beh = {.size = sizeof(struct worker),
                                           .start = worker_start,
                                           .receive = worker_receive,
                                           .name = "chaos-worker"};

static int
sink_start(cadre_actor *self, void *arg)
{
	struct worker *w = (struct worker *)self;
	w->c = arg;
	w->rng = w->c->p->seed ^ 0x5151u;
	return cadre_register(cadre_actor_system(self), "sink", cadre_self(self)) == 0 ? 0 : 1;
}

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct worker *w = (struct worker *)self;
	if (m->type != WORK)
		return 0;
	count(&w->c->handled);
	volatile uint64_t x = 0;
	for (unsigned i = 0; i < 3000; i++) /* slow: its senders get muted */
		x = x + i;
	if (next_rand(&w->rng) % 2000 == 0) {
		count(&w->c->crashes);
		return 1;
	}
	return 0;
}

static const cadre_behaviour sink_beh = {.size = sizeof(struct worker),
                                         .start = sink_start,
                                         .receive = sink_receive,
                                         .name = "chaos-sink"};

/* A short-lived actor: handles three WORK messages, then stops. */
struct temp {
	cadre_actor base;
	struct chaos *c;
	unsigned n;
};

static int
temp_start(cadre_actor *self, void *arg)
{
	((struct temp *)self)->c = arg;
	return 0;
}

static int
temp_receive(cadre_actor *self, const cadre_msg *m)
{
	struct temp *t = (struct temp *)self;
	if (m->type != WORK)
		return 0;
	count(&t->c->handled);
	return ++t->n == 3 ? cadre_stop(self) : 0;
}

static const cadre_behaviour temp_beh = {.size = sizeof(struct temp),
                                         .start = temp_start,
                                         .receive = temp_receive,
                                         .name = "chaos-temp"};

/* ---- the tree --------------------------------------------------------------------------- */
struct tree {
	struct worker_arg args[NMIDS][PER_MID];
	cadre_child_spec workers[NMIDS][PER_MID];
	cadre_sup_spec mids[NMIDS];
	cadre_child_spec top[NMIDS + 1];
	cadre_sup_spec root;
};

static void
tree_init(struct tree *t, struct chaos *c)
{
	static const char *const ids[NMIDS][PER_MID] = {
	        {"w0", "w1", "w2", "w3"}, {"w4", "w5", "w6", "w7"}, {"w8", "w9", "w10", "w11"}};
	static const char *const mid_ids[NMIDS] = {"mid0", "mid1", "mid2"};
	static const cadre_strategy strat[NMIDS] = {CADRE_ONE_FOR_ONE, CADRE_ONE_FOR_ALL,
	                                            CADRE_REST_FOR_ONE};
	memset(t, 0, sizeof *t);
	for (unsigned m = 0; m < NMIDS; m++) {
		for (unsigned i = 0; i < PER_MID; i++) {
			t->args[m][i] = (struct worker_arg){c, m * PER_MID + i};
			t->workers[m][i] = (cadre_child_spec){.id = ids[m][i],
			                                      .beh = &worker_beh,
			                                      .arg = &t->args[m][i],
			                                      .restart = CADRE_PERMANENT,
			                                      .shutdown_ms = 1000,
			                                      .mailbox_capacity = m == 0 ? 32 : 0};
		}
		t->mids[m] = (cadre_sup_spec){.strategy = strat[m],
		                              .intensity = 1000000,
		                              .period_ms = 1000,
		                              .children = t->workers[m],
		                              .nchildren = PER_MID,
		                              .on_event = on_event,
		                              .event_ctx = c};
		t->top[m] = (cadre_child_spec){.id = mid_ids[m],
		                               .beh = cadre_supervisor_behaviour(),
		                               .arg = &t->mids[m],
		                               .restart = CADRE_PERMANENT,
		                               .shutdown_ms = CADRE_FOREVER,
		                               .type = CADRE_SUPERVISOR};
	}
	t->top[NMIDS] = (cadre_child_spec){.id = "sink",
	                                   .beh = &sink_beh,
	                                   .arg = c,
	                                   .restart = CADRE_PERMANENT,
	                                   .shutdown_ms = 1000};
	t->root = (cadre_sup_spec){.strategy = CADRE_ONE_FOR_ONE,
	                           .intensity = 1000000,
	                           .period_ms = 1000,
	                           .children = t->top,
	                           .nchildren = NMIDS + 1,
	                           .on_event = on_event,
	                           .event_ctx = c};
}

/* ---- the outside threads ---------------------------------------------------------------- */
struct sender {
	struct chaos *c;
	uint64_t quota, rng;
	pthread_t th;
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A sender paced for long: what is in flight, and where (for debugging). */
static void
stall_report(struct chaos *c)
{
	cadre_stats st;
	cadre_system_stats(c->sys, -1, &st);
	fprintf(stderr,
	        "chaos: stalled: accepted %" PRIu64 " handled %" PRIu64 " dead %" PRIu64
	        "; sent %" PRIu64 " handled %" PRIu64 " dead %" PRIu64 " alive %" PRIu64
	        " mutes %" PRIu64 " unmutes %" PRIu64 "\n",
	        get(&c->accepted), get(&c->handled), get(&c->dead), st.sent, st.handled,
	        st.dead_letters, st.actors_alive, st.mutes, st.unmutes);
}

static void *
sender_main(void *arg)
{
	struct sender *s = arg;
	struct chaos *c = s->c;
	uint64_t done = 0;
	while (done < s->quota) {
		/* Paced: at most IN_FLIGHT messages not yet handled or dead, so
		 * that the soak exercises handling, not only the final drain. */
		double since = now_s();
		while (get(&c->accepted) - get(&c->handled) - get(&c->dead) > IN_FLIGHT) {
			sched_yield();
			if (now_s() - since > STALL_S) {
				/* No progress for STALL_S: messages sit in mailboxes
				 * while the workers idle. Report it, count it, stop
				 * pacing: the shutdown at the end still accounts for
				 * every message (see chaos.h, "stalls"). */
				stall_report(c);
				count(&c->stalls);
				break;
			}
		}
		uint64_t r = next_rand(&s->rng);
		char name[16];
		snprintf(name, sizeof name, "c%u", (unsigned)(r % NWORKERS));
		cadre_ref to;
		if (cadre_whereis(c->sys, name, &to) == 0 &&
		    made(cadre_send(c->sys, to, WORK, &r, sizeof r))) {
			count(&c->accepted);
			done++;
		} else {
			count(&c->refused);
		}
	}
	return NULL;
}

static void *
spawner_main(void *arg)
{
	struct sender *s = arg;
	struct chaos *c = s->c;
	while (!atomic_load_explicit(&c->senders_done,
	                             memory_order_acquire)) { /* pairs with main */
		if (get(&c->accepted) - get(&c->handled) - get(&c->dead) > IN_FLIGHT) {
			sched_yield(); /* paced as the senders are */
			continue;
		}
		cadre_ref t;
		if (cadre_spawn(c->sys, &temp_beh, NULL, c, &t) != 0)
			continue;
		count(&c->spawned_temp);
		uint64_t r = next_rand(&s->rng);
		for (unsigned i = 0; i < 3; i++)
			if (made(cadre_send(c->sys, t, WORK, &r, sizeof r)))
				count(&c->accepted);
		if (r % 4 == 0)
			(void)cadre_stop_ref(c->sys, t); /* may race its own stop: both fine */
	}
	return NULL;
}

/* ---- the run ------------------------------------------------------------------------------ */

static int
fail(struct chaos_result *r, const char *what)
{
	snprintf(r->why, sizeof r->why, "%s", what);
	return -1;
}

static int
check(struct chaos *c, struct chaos_result *r)
{
	r->accepted = get(&c->accepted);
	r->handled = get(&c->handled);
	r->dead = get(&c->dead);
	r->refused = get(&c->refused);
	r->crashes = get(&c->crashes);
	r->restarts = get(&c->restarts);
	r->ticks_armed = get(&c->ticks_armed);
	r->ticks_seen = get(&c->ticks_seen);
	r->spawned_temp = get(&c->spawned_temp);
	r->stalls = get(&c->stalls);
	if (r->accepted != r->handled + r->dead) {
		snprintf(r->why, sizeof r->why,
		         "WORK: %" PRIu64 " accepted != %" PRIu64 " handled + %" PRIu64 " dead",
		         r->accepted, r->handled, r->dead);
		return -1;
	}
	if (r->st.sent != r->st.handled + r->st.dead_letters)
		return fail(r, "system counters: sent != handled + dead_letters");
	if (r->st.mutes != r->st.unmutes)
		return fail(r, "a muted sender was never unmuted");
	if (r->ticks_seen > r->ticks_armed)
		return fail(r, "more timer messages than timers armed");
	if (c->p->crash_per_mille != 0 && (r->crashes == 0 || r->restarts == 0))
		return fail(r, "no crash or no restart: the scenario did not run");
	return 0;
}

static int
run_load(struct chaos *c, const struct chaos_params *p)
{
	struct sender s[16 + 16];
	unsigned ns = p->senders < 1 ? 1 : p->senders > 16 ? 16 : p->senders;
	unsigned nsp = p->spawners > 16 ? 16 : p->spawners;
	for (unsigned i = 0; i < ns + nsp; i++) {
		s[i] = (struct sender){.c = c, .quota = p->work / ns, .rng = p->seed * 7919u + i};
		if (pthread_create(&s[i].th, NULL, i < ns ? sender_main : spawner_main, &s[i]) != 0)
			return -1;
	}
	for (unsigned i = 0; i < ns; i++)
		pthread_join(s[i].th, NULL);
	atomic_store_explicit(&c->senders_done, true, memory_order_release); /* to the spawners */
	for (unsigned i = ns; i < ns + nsp; i++)
		pthread_join(s[i].th, NULL);
	return 0;
}

int
chaos_run(const struct chaos_params *p, struct chaos_result *r)
{
	memset(r, 0, sizeof *r);
	static struct chaos c; /* one run at a time; the actors point into it */
	memset(&c, 0, sizeof c);
	c.p = p;
	/* quiet: the chaos fails actors on purpose, thousands a second; its
	 * report counts them */
	cadre_config cfg = {.workers = p->workers,
	                    .dead_letter = dead_letter,
	                    .dead_letter_ctx = &c,
	                    .quiet = true};
	if (cadre_system_new(&c.sys, &cfg) != 0)
		return fail(r, "cadre_system_new failed");
	struct tree t;
	tree_init(&t, &c);
	cadre_ref root;
	int rc = cadre_supervisor_start(c.sys, &t.root, &root, NULL, 5000);
	double t0 = now_s();
	if (rc == 0 && run_load(&c, p) != 0)
		rc = CADRE_ESYS;
	/* Shut down under load: the tree, timers in flight, muted senders. */
	if (cadre_system_shutdown(c.sys, CADRE_FOREVER) != 0 && rc == 0)
		rc = -1;
	r->secs = now_s() - t0;
	cadre_system_stats(c.sys, -1, &r->st);
	cadre_system_free(c.sys);
	if (rc != 0) {
		snprintf(r->why, sizeof r->why,
		         "the supervision tree or a load thread could not start: %s",
		         cadre_strerror(rc));
		return -1;
	}
	return check(&c, r);
}
