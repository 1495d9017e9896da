/* Bad input to the actor API: cadre_send_move's destructor runs exactly
 * when the documentation says (handled, dead-lettered, refused as full,
 * out of memory), and allocation failures (cadre_system_new, spawn, send)
 * are refused cleanly, count nothing and leave the system working. NULLs and
 * out of range values are in test_bad_input_args, calls in the wrong place
 * in test_bad_input_context. */
#include "cadre__alloc.h"
#include "bad_input_helpers.h"
#include "dead_letters.h"
#include "gate.h"

/* ---- cadre_send_move's destructor ---------------------------------------------- */

static void
send_move_ownership(void)
{
	struct dl_log dl;
	dl_init(&dl);
	long d0 = dtors();

	/* Handled: once each, after the receive. */
	cadre_system *sys = dl_system(2, 0, &dl);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	for (int i = 0; i < 10; i++) {
		struct moved *p = new_moved((size_t)i * 30);
		CHECK_EQ(cadre_send_move(sys, r, M_PROBE, p, p->size, count_dtor), 0);
	}
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.handled, 11);
	CHECK_EQ(dtors(), d0 + 10);

	/* Dead-lettered (ENOACTOR): once, before send_move returns. */
	struct moved *p = new_moved(5);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, p, p->size, count_dtor), CADRE_ENOACTOR);
	CHECK_EQ(dtors(), d0 + 11);
	CHECK_EQ(ld(&dl.enoactor), 1);
	/* NULL destructor: nothing to call, nothing breaks */
	static unsigned char fixed[16];
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, fixed, sizeof fixed, NULL), CADRE_ENOACTOR);
	st = await_quiet(sys);
	CHECK_EQ(st.sent, 13);
	CHECK_EQ(st.dead_letters, 2);
	cadre_system_free(sys);

	/* EFULL: the caller keeps the payload; no destructor. */
	sys = dl_system(1, 0, &dl);
	struct gate g;
	block_worker(sys, &g);
	struct tally tb = {0};
	cadre_spawn_opts opts = {.mailbox_capacity = 1};
	CHECK_EQ(cadre_spawn(sys, &sink_beh, &opts, &tb, &r), 0);
	struct moved *first = new_moved(3);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, first, first->size, count_dtor), 0);
	struct moved *kept = new_moved(4);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, kept, kept->size, count_dtor), CADRE_EFULL);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, kept, kept->size, count_dtor), CADRE_EFULL);
	CHECK_EQ(dtors(), d0 + 11);
	CHECK(matches(kept->bytes, 4)); /* still ours, untouched */
	check_counts(sys, 1, 0, 0, 2);

	/* ENOMEM: the caller keeps the payload; no destructor; nothing counted. */
	cadre__alloc_fail_after(0);
	int rc = cadre_send_move(sys, r, M_PROBE, kept, kept->size, count_dtor);
	cadre__alloc_fail_after(-1);
	CHECK_EQ(rc, CADRE_ENOMEM);
	CHECK_EQ(dtors(), d0 + 11);
	CHECK(matches(kept->bytes, 4));
	check_counts(sys, 1, 0, 0, 2);
	free(kept);

	unblock_worker(&g);
	CHECK(wait_at_least(&tb.started, 1, 10000));
	CHECK_EQ(ld(&g.timed_out), 0);
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	st = await_quiet(sys);
	/* the first one was handled or dead-lettered (the stop may pass it):
	 * destroyed once either way (a dead letter is counted just before its
	 * payload is destroyed: wait for the destructor, bounded) */
	CHECK_EQ(st.sent, 1);
	CHECK(wait_at_least(&dtor_calls, d0 + 12, 10000));
	CHECK_EQ(dtors(), d0 + 12);
	CHECK_EQ(ld(&dtor_bad_size), 0);
	cadre_system_free(sys);
	CHECK_EQ(dtors(), d0 + 12);
	dl_fini(&dl);
}

/* ---- allocation failure ------------------------------------------------------- */

static void
out_of_memory(void)
{
	/* cadre_system_new fails cleanly at each of its allocations in turn. */
	int failures = 0;
	for (long n = 0; n < 1000; n++) {
		cadre_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.workers = 2;
		cfg.no_pinning = true;
		cadre_system *sys = (cadre_system *)&cfg;
		cadre__alloc_fail_after(n);
		int rc = cadre_system_new(&sys, &cfg);
		cadre__alloc_fail_after(-1);
		if (rc == CADRE_ENOMEM) {
			CHECK(sys == NULL);
			failures++;
			continue;
		}
		CHECK_EQ(rc, 0);
		CHECK(sys != NULL);
		cadre_system_free(sys);
		break;
	}
	CHECK(failures >= 1);

	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(2, 0, &dl);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	CHECK(wait_at_least(&t.started, 1, 10000));
	/* The system is idle now: the next allocation is ours. */
	cadre_ref r2 = CADRE_REF_NONE;
	struct tally t2 = {0};
	cadre__alloc_fail_after(0);
	int rc = cadre_spawn(sys, &sink_beh, NULL, &t2, &r2);
	cadre__alloc_fail_after(-1);
	CHECK_EQ(rc, CADRE_ENOMEM);
	check_counts(sys, 0, 0, 0, 1);
	unsigned char buf[200];
	fill(buf, sizeof buf);
	cadre__alloc_fail_after(0);
	rc = cadre_send(sys, r, M_DATA, buf, 8);
	cadre__alloc_fail_after(-1);
	CHECK_EQ(rc, CADRE_ENOMEM);
	cadre__alloc_fail_after(0);
	rc = cadre_send(sys, r, M_DATA, buf, sizeof buf);
	cadre__alloc_fail_after(-1);
	CHECK_EQ(rc, CADRE_ENOMEM);
	check_counts(sys, 0, 0, 0, 1);
	CHECK_EQ(ld(&dl.calls), 0);

	/* Everything still works. */
	fill(buf, 8);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, 8), 0);
	fill(buf, sizeof buf);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, sizeof buf), 0);
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t2, &r2), 0);
	CHECK_EQ(cadre_send(sys, r2, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, r2, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.sent, 5);
	CHECK_EQ(st.handled, 5);
	CHECK_EQ(st.spawned, 2);
	CHECK_EQ(ld(&t.data), 2);
	CHECK_EQ(ld(&t.bytes_ok), 2);
	CHECK_EQ(ld(&t2.data), 1);
	cadre_system_free(sys);
	dl_fini(&dl);
}

int
main(void)
{
	TEST_CASE(send_move_ownership);
	TEST_CASE(out_of_memory);
	fprintf(stderr, "test_bad_input_memory: ok\n");
	return 0;
}
