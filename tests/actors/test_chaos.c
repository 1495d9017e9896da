/* Chaos: a three-level supervision tree under message load while random
 * workers crash.
 *
 *   root (one_for_one)
 *   `-- mid0 .. mid2 (one_for_one / one_for_all / rest_for_one)
 *       `-- 4 workers each (permanent; half with handover_mail)
 *
 * Loader threads keep sending to the workers' current refs (looked up with
 * which_children); workers crash on ~1% of messages. Intensities are high
 * enough that crashes never escalate past the mids (they may escalate to a
 * mid's restart by root). At the end: every message was handled or counted
 * as a dead letter (exact), every crash the workers report was seen by a
 * supervisor, and the tree is whole: 3 mids running, 4 workers each. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <cadre.h>
#include <cadre/supervisor.h>

#include "check.h"

enum { WORK = 1 };

static atomic_ulong crashes;    /* crashes the workers caused */
static atomic_ulong exits_seen; /* CHILD_EXITED events of workers */
static atomic_ulong handled_ok;
static atomic_ulong dead_work; /* WORK messages dead-lettered */

static void
dead_letter(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	(void)ctx;
	(void)to;
	(void)why;
	if (m->type == WORK)
		atomic_fetch_add_explicit(&dead_work, 1, memory_order_relaxed); /* a counter */
}

struct worker {
	cadre_actor base;
	uint64_t seed;
};

static int
worker_start(cadre_actor *self, void *arg)
{
	struct worker *w = (struct worker *)self;
	w->seed = ((uint64_t)(uintptr_t)arg << 32) ^ cadre_self(self).gen ^ 0x2545F4914F6CDD1Dull;
	return 0;
}

static int
worker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct worker *w = (struct worker *)self;
	if (m->type != WORK)
		return 0;
	w->seed ^= w->seed << 13;
	w->seed ^= w->seed >> 7;
	w->seed ^= w->seed << 17;
	if (w->seed % 100 == 0) {
		/* relaxed: a counter read after shutdown */
		atomic_fetch_add_explicit(&crashes, 1, memory_order_relaxed);
		return 77;
	}
	atomic_fetch_add_explicit(&handled_ok, 1, memory_order_relaxed);
	return 0;
}

static const cadre_behaviour worker = {
        .size = sizeof(struct worker), .start = worker_start, .receive = worker_receive};

static void
on_event(void *ctx, const cadre_sup_event *ev)
{
	(void)ctx;
	/* A crash is seen as an exit, or as the end of a stop the supervisor
	 * had begun (a sibling stopped for a group restart can crash first). */
	if ((ev->kind == CADRE_SUP_CHILD_EXITED || ev->kind == CADRE_SUP_CHILD_STOPPED) &&
	    ev->reason.kind == CADRE_EXIT_FAILURE && ev->reason.code == 77)
		atomic_fetch_add_explicit(&exits_seen, 1, memory_order_relaxed); /* a counter */
	CHECK(ev->kind != CADRE_SUP_START_FAILED);
}

#define MIDS 3
#define WORKERS 4

static cadre_child_spec worker_specs[MIDS][WORKERS];
static cadre_sup_spec mid_specs[MIDS];
static cadre_child_spec mid_children[MIDS];
static const char *ids[MIDS][WORKERS] = {
        {"a0", "a1", "a2", "a3"}, {"b0", "b1", "b2", "b3"}, {"c0", "c1", "c2", "c3"}};
static const char *mid_ids[MIDS] = {"mid0", "mid1", "mid2"};

struct loader {
	cadre_system *sys;
	cadre_ref root;
	long sent;
	long rounds;
	unsigned seed;
};

static void *
load(void *arg)
{
	struct loader *l = arg;
	for (long r = 0; r < l->rounds; r++) {
		cadre_child_info mids[MIDS];
		size_t n;
		if (cadre_supervisor_which_children(l->sys, l->root, mids, MIDS, &n, 5000) != 0)
			continue;
		for (size_t i = 0; i < n && i < MIDS; i++) {
			cadre_child_info ws[WORKERS];
			size_t k;
			if (cadre_ref_is_none(mids[i].ref) ||
			    cadre_supervisor_which_children(l->sys, mids[i].ref, ws, WORKERS, &k,
			                                    5000) != 0)
				continue;
			for (size_t j = 0; j < k && j < WORKERS; j++) {
				for (int b = 0; b < 50; b++) {
					long v = r;
					int rc = cadre_send(l->sys, ws[j].ref, WORK, &v, sizeof v);
					CHECK(rc == 0 || rc == CADRE_ENOACTOR);
					l->sent++;
				}
			}
		}
	}
	return NULL;
}

static void
chaos(void)
{
	static const cadre_strategy strategies[MIDS] = {CADRE_ONE_FOR_ONE, CADRE_ONE_FOR_ALL,
	                                                CADRE_REST_FOR_ONE};
	for (int i = 0; i < MIDS; i++) {
		for (int j = 0; j < WORKERS; j++)
			worker_specs[i][j] =
			        (cadre_child_spec){.id = ids[i][j],
			                           .beh = &worker,
			                           .arg = (void *)(uintptr_t)(i * 8 + j + 1),
			                           .shutdown_ms = 200,
			                           .handover_mail = (j % 2) == 0};
		mid_specs[i] = (cadre_sup_spec){.strategy = strategies[i],
		                                .intensity = 1000000,
		                                .period_ms = 1000,
		                                .children = worker_specs[i],
		                                .nchildren = WORKERS,
		                                .on_event = on_event};
		mid_children[i] = (cadre_child_spec){.id = mid_ids[i],
		                                     .beh = cadre_supervisor_behaviour(),
		                                     .arg = &mid_specs[i],
		                                     .shutdown_ms = CADRE_FOREVER,
		                                     .type = CADRE_SUPERVISOR};
	}
	cadre_sup_spec root_spec = {.strategy = CADRE_ONE_FOR_ONE,
	                            .intensity = 1000,
	                            .period_ms = 1000,
	                            .children = mid_children,
	                            .nchildren = MIDS,
	                            .on_event = on_event};
	cadre_config cfg = {.workers = 2, .dead_letter = dead_letter};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref root;
	CHECK_EQ(cadre_supervisor_start(sys, &root_spec, &root, NULL, 10000), 0);

	long rounds = test_size("CADRE_CHAOS_ROUNDS", 200);
	struct loader ls[2];
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		ls[i] = (struct loader){sys, root, 0, rounds, (unsigned)i};
		CHECK_EQ(pthread_create(&th[i], NULL, load, &ls[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_join(th[i], NULL), 0);

	/* Let the last restarts finish, then the tree must be whole. */
	for (int attempt = 0;; attempt++) {
		CHECK(attempt < 500);
		nanosleep(&(struct timespec){0, 10000000}, NULL);
		cadre_child_info mids[MIDS];
		size_t n;
		CHECK_EQ(cadre_supervisor_which_children(sys, root, mids, MIDS, &n, 5000), 0);
		CHECK_EQ(n, MIDS);
		int whole = 1;
		for (int i = 0; i < MIDS && whole; i++) {
			if (mids[i].state != CADRE_CHILD_RUNNING) {
				whole = 0;
				break;
			}
			cadre_child_counts c;
			CHECK_EQ(cadre_supervisor_count_children(sys, mids[i].ref, &c, 5000), 0);
			CHECK_EQ(c.specs, WORKERS);
			whole = c.active == WORKERS;
		}
		if (whole)
			break;
	}
	CHECK_EQ(cadre_supervisor_stop(sys, root, 10000), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	unsigned long cr = atomic_load(&crashes), seen = atomic_load(&exits_seen);
	fprintf(stderr, "chaos: sent %llu handled %llu dead %llu crashes %lu seen %lu\n",
	        (unsigned long long)st.sent, (unsigned long long)st.handled,
	        (unsigned long long)st.dead_letters, cr, seen);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK(cr > 0);
	CHECK_EQ(seen, cr); /* every crash was seen by its supervisor */
	/* Every WORK message sent (accepted or refused as ENOACTOR) was handled
	 * by a worker (crashing on it counts as handling) or is a dead letter. */
	long sends = 0;
	for (int i = 0; i < 2; i++)
		sends += ls[i].sent;
	CHECK_EQ(atomic_load(&handled_ok) + cr + atomic_load(&dead_work), (unsigned long)sends);
	cadre_system_free(sys);
}

int
main(void)
{
	TEST_CASE(chaos);
	fprintf(stderr, "test_chaos: ok\n");
	return 0;
}
