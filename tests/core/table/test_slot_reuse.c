/* Slot indexes freed anywhere are reusable everywhere; the table's
 * capacity is its own error.
 *
 * An actor spawned from a thread that is not a worker (here: main) takes
 * its slot index from the system; it dies on a worker, whose cache and
 * magazines keep the index. Main must get those indexes back: with the
 * table's capacity lowered to CAP (an internal, tests-only setting) main
 * spawns many times CAP short-lived actors, never more than WINDOW alive
 * at once, and every spawn must succeed. Without the reuse, main's spawns
 * fail for good after about CAP spawns (with the real capacity: after
 * 16,777,214 then).
 *
 * The capacity itself: with CAP actors alive, one more spawn fails with
 * CADRE_ELIMIT (before, CADRE_ENOMEM: no memory was short), from main and
 * from a worker; the system stays usable: the live actors still take
 * messages, and once they have stopped, main and workers spawn again, and
 * the new actors take messages too (exact counts).
 *
 * Bounded: every wait has a deadline and then fails. */
#include <stdint.h>
#include <time.h>

#include <cadre.h>

#include "cadre__system.h"
#include "check.h"
#include "quiet.h"

#define CAP 16384u
#define WINDOW 512

static long started_n, stopped_n, child_rc_seen, pinged_n;
static int child_rc;

static int
brief_start(cadre_actor *self, void *arg)
{
	(void)arg;
	__atomic_add_fetch(&started_n, 1, __ATOMIC_RELEASE); /* read by main (acquire) */
	return cadre_stop(self);
}

static void
count_stop(cadre_actor *self, const cadre_exit *reason)
{
	(void)self;
	(void)reason;
	__atomic_add_fetch(&stopped_n, 1, __ATOMIC_RELEASE); /* read by main (acquire) */
}

static const cadre_behaviour brief = {.size = sizeof(cadre_actor),
                                      .start = brief_start,
                                      .receive = noop_receive,
                                      .stop = count_stop};

/* Stays until stopped; on message 1 it tries one spawn and reports; it
 * counts message 2. */
static int
stay_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type == 2)
		__atomic_add_fetch(&pinged_n, 1, __ATOMIC_RELEASE); /* read by main (acquire) */
	if (m->type != 1)
		return 0;
	cadre_ref r;
	child_rc = cadre_spawn(cadre_actor_system(self), &brief, NULL, NULL, &r);
	__atomic_store_n(&child_rc_seen, 1, __ATOMIC_RELEASE); /* publishes child_rc */
	return 0;
}

static const cadre_behaviour stay = {
        .size = sizeof(cadre_actor), .receive = stay_receive, .stop = count_stop};

static cadre_system *
small_system(void)
{
	cadre_config cfg = {.workers = 2};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre__table_set_capacity(&sys->table, CAP), 0);
	return sys;
}

/* Main spawns n short-lived actors, at most WINDOW alive at once. */
static void
spawn_many_from_main(cadre_system *sys, long n)
{
	long base = ld(&stopped_n);
	for (long i = 0; i < n; i++) {
		if (i - (ld(&stopped_n) - base) >= WINDOW)
			CHECK(wait_at_least(&stopped_n, base + i - WINDOW / 2, 30000));
		cadre_ref r;
		int rc = cadre_spawn(sys, &brief, NULL, NULL, &r);
		if (rc != 0)
			fprintf(stderr, "spawn %ld of %ld from main: %s\n", i, n,
			        cadre_err_name(rc));
		CHECK_EQ(rc, 0);
	}
	CHECK(wait_at_least(&stopped_n, base + n, 30000));
}

static void
outside_spawns_reuse_slots(void)
{
	cadre_system *sys = small_system();
	long n = test_size("CADRE_SLOT_SPAWNS", 10L * CAP);
	if (n < 3L * CAP)
		n = 3L * CAP; /* the point is to go well past the capacity */
	long s0 = ld(&started_n);
	spawn_many_from_main(sys, n);
	CHECK_EQ(ld(&started_n) - s0, n);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.spawned, n);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

/* Sends message 2 to each of refs[0..n) and waits until all are handled. */
static void
ping_all(cadre_system *sys, const cadre_ref *refs, unsigned n)
{
	long base = ld(&pinged_n);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(cadre_send(sys, refs[i], 2, NULL, 0), 0);
	CHECK(wait_at_least(&pinged_n, base + n, 30000));
	CHECK_EQ(ld(&pinged_n), base + n);
}

/* Has the actor at live[0] try one spawn from its worker; its result. */
static int
spawn_from_worker(cadre_system *sys, cadre_ref at)
{
	__atomic_store_n(&child_rc_seen, 0, __ATOMIC_RELEASE); /* main only */
	CHECK_EQ(cadre_send(sys, at, 1, NULL, 0), 0);
	CHECK(wait_at_least(&child_rc_seen, 1, 30000));
	return child_rc; /* published by child_rc_seen (acquire in ld) */
}

static void
capacity_is_enforced(void)
{
	cadre_system *sys = small_system();
	static cadre_ref live[CAP];
	for (unsigned i = 0; i < CAP; i++)
		CHECK_EQ(cadre_spawn(sys, &stay, NULL, NULL, &live[i]), 0);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &brief, NULL, NULL, &r), CADRE_ELIMIT); /* table full */
	CHECK_EQ(spawn_from_worker(sys, live[0]), CADRE_ELIMIT); /* the same from a worker */
	CHECK_EQ(cadre_spawn(sys, &brief, NULL, NULL, &r), CADRE_ELIMIT); /* still full */
	ping_all(sys, live, CAP); /* the full system still works */
	long base = ld(&stopped_n);
	for (unsigned i = 0; i < CAP; i++)
		CHECK_EQ(cadre_stop_ref(sys, live[i]), 0);
	CHECK(wait_at_least(&stopped_n, base + CAP, 30000));
	/* Their indexes are all free now, on the workers' side. */
	spawn_many_from_main(sys, CAP / 4);
	/* Actors that stay, from main and from a worker, and take messages. */
	for (unsigned i = 0; i < CAP / 4; i++)
		CHECK_EQ(cadre_spawn(sys, &stay, NULL, NULL, &live[i]), 0);
	ping_all(sys, live, CAP / 4);
	long started = ld(&started_n);
	base = ld(&stopped_n);
	CHECK_EQ(spawn_from_worker(sys, live[0]), 0); /* a brief one: it stops itself */
	CHECK(wait_at_least(&started_n, started + 1, 30000));
	for (unsigned i = 0; i < CAP / 4; i++)
		CHECK_EQ(cadre_stop_ref(sys, live[i]), 0);
	CHECK(wait_at_least(&stopped_n, base + CAP / 4 + 1, 30000));
	cadre_stats st = await_quiet(sys);
	/* Exact: the refused spawns count nowhere. */
	CHECK_EQ(st.spawned, CAP + CAP / 4 + CAP / 4 + 1);
	CHECK_EQ(st.handled, CAP + CAP / 4 + 2); /* the pings and the two spawn requests */
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	static struct cadre__table t;
	CHECK_EQ(cadre__table_set_capacity(&t, 0), CADRE_EINVAL);
	CHECK_EQ(cadre__table_set_capacity(&t, CADRE__MAX_ACTORS + 1u), CADRE_EINVAL);
	TEST_CASE_IF(only, outside_spawns_reuse_slots);
	TEST_CASE_IF(only, capacity_is_enforced);
	return 0;
}
