/* Monitor ids are unique in a system, whichever thread makes them.
 *
 * An id is made by the thread running the monitoring actor, from that
 * thread's own sequence and its index among the system's threads (per-core
 * workers, then the blocking pool: up to 64 + 256). Here 2 workers and 128
 * pool threads make ids at the same time: NB blocking watchers meet at a
 * barrier in their start (so each of the NB pool threads runs one of them),
 * and per-core watchers run on the workers. Each watcher monitors every
 * target ROUNDS times and demonitors every other monitor. Checked:
 *   - no two ids are equal (before the fix, ids of thread i and thread
 *     i + 64 collided, e.g. thread 2's first id and thread 66's first);
 *   - once the targets stop, every watcher gets exactly one DOWN for each
 *     monitor it kept, with its id and target, and none for one it removed
 *     (a duplicate id let one watcher's demonitor remove another's monitor
 *     at the target: that DOWN was never sent);
 *   - an outside thread cannot make a monitor id (CADRE_ESTATE).
 * Bounded: every wait fails after its deadline. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "check.h"
#include "quiet.h"

#define NB 128   /* pool threads, each running one blocking watcher */
#define NC 16    /* per-core watchers */
#define NT 8     /* targets */
#define ROUNDS 4 /* monitors of each target per watcher */
#define PER (NT * ROUNDS)
#define NW (NB + NC)

struct watcher {
	cadre_actor base;
	uint64_t id[PER];
	cadre_ref target[PER];
	int kept[PER]; /* 1: still monitored; 2: its DOWN came */
};

static cadre_ref targets[NT];
static uint64_t all_ids[NW * PER];
static long nids, arrived, done, downs_ok, downs_bad, errors;

static void
make_monitors(cadre_actor *self)
{
	struct watcher *wa = (struct watcher *)self;
	for (int i = 0; i < PER; i++) {
		wa->target[i] = targets[i % NT];
		if (cadre_monitor(self, wa->target[i], &wa->id[i]) != 0)
			__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
		long k = __atomic_fetch_add(&nids, 1, __ATOMIC_RELAXED);    /* a unique slot */
		__atomic_store_n(&all_ids[k], wa->id[i], __ATOMIC_RELAXED); /* published by done */
		wa->kept[i] = 1;
	}
	for (int i = 1; i < PER; i += 2) {
		if (cadre_demonitor(self, wa->id[i]) != 0)
			__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
		wa->kept[i] = 0;
	}
	__atomic_add_fetch(&done, 1, __ATOMIC_RELEASE); /* read by main (acquire) */
}

static int
blocking_start(cadre_actor *self, void *arg)
{
	(void)arg;
	__atomic_add_fetch(&arrived, 1, __ATOMIC_RELEASE); /* read by the others */
	/* Every pool thread holds one watcher before any makes an id. */
	for (int i = 0; ld(&arrived) < NB; i++) {
		CHECK(i < 60000); /* 60 s */
		nap_us(1000);
	}
	make_monitors(self);
	return 0;
}

static int
core_start(cadre_actor *self, void *arg)
{
	(void)arg;
	make_monitors(self);
	return 0;
}

static int
watcher_receive(cadre_actor *self, const cadre_msg *m)
{
	struct watcher *wa = (struct watcher *)self;
	if (m->type != CADRE_MSG_DOWN)
		return 0;
	const cadre_down_msg *d = m->data;
	for (int i = 0; i < PER; i++) {
		if (wa->id[i] == d->monitor && wa->kept[i] == 1 &&
		    cadre_ref_is_equal(wa->target[i], d->actor)) {
			wa->kept[i] = 2;
			__atomic_add_fetch(&downs_ok, 1, __ATOMIC_RELEASE); /* read by main */
			return 0;
		}
	}
	__atomic_add_fetch(&downs_bad, 1, __ATOMIC_RELEASE); /* read by main */
	return 0;
}

static const cadre_behaviour blocking_watcher = {
        .size = sizeof(struct watcher), .start = blocking_start, .receive = watcher_receive};
static const cadre_behaviour core_watcher = {
        .size = sizeof(struct watcher), .start = core_start, .receive = watcher_receive};
static const cadre_behaviour target = {.size = sizeof(cadre_actor), .receive = noop_receive};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static long
duplicates(void)
{
	qsort(all_ids, NW * PER, sizeof all_ids[0], cmp_u64);
	long dups = 0;
	for (long i = 1; i < NW * PER; i++)
		dups += all_ids[i] == all_ids[i - 1];
	return dups;
}

static void
ids_unique_across_threads(void)
{
	cadre_config cfg = {.workers = 2, .blocking_threads = NB};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	for (int i = 0; i < NT; i++)
		CHECK_EQ(cadre_spawn(sys, &target, NULL, NULL, &targets[i]), 0);
	cadre_spawn_opts bo = {.flags = CADRE_SPAWN_BLOCKING};
	cadre_ref w[NW];
	for (int i = 0; i < NW; i++)
		CHECK_EQ(cadre_spawn(sys, i < NB ? &blocking_watcher : &core_watcher,
		                     i < NB ? &bo : NULL, NULL, &w[i]),
		         0);
	CHECK(wait_at_least(&done, NW, 60000));
	CHECK_EQ(__atomic_load_n(&nids, __ATOMIC_ACQUIRE), NW * PER);
	CHECK_EQ(__atomic_load_n(&errors, __ATOMIC_ACQUIRE), 0);
	long dups = duplicates();
	for (int i = 0; i < NT; i++)
		CHECK_EQ(cadre_stop_ref(sys, targets[i]), 0);
	long want = (long)NW * (PER / 2);
	int all_came = wait_at_least(&downs_ok, want, 30000);
	for (int i = 0; i < NW; i++)
		CHECK_EQ(cadre_stop_ref(sys, w[i]), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	fprintf(stderr, "ids %d, duplicates %ld; DOWNs %ld of %ld, unexpected %ld\n", NW * PER,
	        dups, ld(&downs_ok), want, ld(&downs_bad));
	CHECK_EQ(dups, 0);
	CHECK(all_came);
	CHECK_EQ(ld(&downs_ok), want);
	CHECK_EQ(ld(&downs_bad), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

static void
outside_thread_makes_no_id(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 1};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	struct watcher fake;
	memset(&fake, 0, sizeof fake);
	uint64_t id = 7;
	CHECK_EQ(cadre_monitor(&fake.base, targets[0], &id), CADRE_ESTATE);
	CHECK_EQ(id, 7);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

int
main(void)
{
	TEST_CASE(ids_unique_across_threads);
	TEST_CASE(outside_thread_makes_no_id);
	return 0;
}
