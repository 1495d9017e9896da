/* Bad input to every public function of the actor API (and the corners of
 * the mailbox and error APIs that tests/mailbox does not reach): NULLs and
 * out of range values given to systems, spawn, send, stop_ref, mailboxes
 * and the error names. Each is refused with its documented code, leaves no
 * trace in the counters unless documented, and leaves the system working.
 * Calls made in the wrong place are in test_bad_input_context, allocation
 * failures and cadre_send_move's destructor in test_bad_input_memory. */
#include <limits.h>

#include "bad_input_helpers.h"
#include "dead_letters.h"

/* ---- systems ------------------------------------------------------------- */

static void
system_new_bad(void)
{
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	CHECK_EQ(cadre_system_new(NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_system_new(NULL, &cfg), CADRE_EINVAL);
	cadre_system *sys = (cadre_system *)&cfg; /* must be reset to NULL */
	cfg.workers = 65;
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
	CHECK(sys == NULL);
	sys = (cadre_system *)&cfg;
	cfg.workers = 1000;
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
	CHECK(sys == NULL);
	sys = (cadre_system *)&cfg;
	cfg.workers = UINT_MAX;
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
	CHECK(sys == NULL);
	/* The largest accepted. */
	cfg.workers = 64;
	cfg.no_pinning = true;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK(sys != NULL);
	CHECK_EQ(cadre_system_workers(sys), 64);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, 63, &st), 0);
	CHECK_EQ(cadre_system_stats(sys, 64, &st), CADRE_EINVAL);
	cadre_system_free(sys);
	/* NULL everywhere a system is expected. */
	CHECK_EQ(cadre_system_shutdown(NULL, CADRE_FOREVER), CADRE_EINVAL);
	CHECK_EQ(cadre_system_await_stopped(NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_system_await_stopped(NULL, -1), CADRE_EINVAL);
	CHECK_EQ(cadre_system_workers(NULL), 0);
	CHECK_EQ(cadre_system_stats(NULL, -1, &st), CADRE_EINVAL);
	cadre_system_free(NULL);
}

static void
stats_bad(void)
{
	cadre_system *sys = dl_system(2, 0, NULL);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, 0, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, -2, &st), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, 2, &st), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, 3, &st), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, INT_MAX, &st), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, INT_MIN, &st), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, 0, &st), 0);
	CHECK_EQ(cadre_system_stats(sys, 1, &st), 0);
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent + st.handled + st.dead_letters + st.spawned, 0);
	/* timeouts: 0 and negative are fine on an idle system */
	CHECK_EQ(cadre_system_await_stopped(sys, 0), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

/* ---- spawn ------------------------------------------------------------------ */

static void
spawn_bad(void)
{
	cadre_system *sys = dl_system(2, 0, NULL);
	cadre_ref r;
	struct tally t = {0};
	cadre_behaviour b = sink_beh;
	CHECK_EQ(cadre_spawn(NULL, &sink_beh, NULL, &t, &r), CADRE_EINVAL);
	CHECK_EQ(cadre_spawn(sys, NULL, NULL, &t, &r), CADRE_EINVAL);
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, NULL), CADRE_EINVAL);
	b.receive = NULL;
	CHECK_EQ(cadre_spawn(sys, &b, NULL, &t, &r), CADRE_EINVAL);
	b = sink_beh;
	b.size = 0;
	CHECK_EQ(cadre_spawn(sys, &b, NULL, &t, &r), CADRE_EINVAL);
	b.size = sizeof(cadre_actor) - 1;
	CHECK_EQ(cadre_spawn(sys, &b, NULL, &t, &r), CADRE_EINVAL);
	/* An absurd size is refused, one way or the other, without a crash. */
	b.size = SIZE_MAX;
	int rc = cadre_spawn(sys, &b, NULL, &t, &r);
	CHECK(rc == CADRE_EINVAL || rc == CADRE_ENOMEM);
	b.size = SIZE_MAX - 64;
	rc = cadre_spawn(sys, &b, NULL, &t, &r);
	CHECK(rc == CADRE_EINVAL || rc == CADRE_ENOMEM);
	/* Nothing was spawned, nothing runs. */
	CHECK_EQ(cadre_system_await_stopped(sys, 0), 0);
	check_counts(sys, 0, 0, 0, 0);
	CHECK_EQ(ld(&t.started), 0);
	/* The smallest legal actor: just the header. */
	b = (cadre_behaviour){.size = sizeof(cadre_actor), .receive = noop_receive};
	CHECK_EQ(cadre_spawn(sys, &b, NULL, NULL, &r), 0);
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.spawned, 1);
	CHECK_EQ(st.sent, 1);
	cadre_system_free(sys);
}

/* ---- send -------------------------------------------------------------------- */

static void
send_bad(void)
{
	struct dl_log dl;
	dl_init(&dl);
	const uint32_t max = 100;
	cadre_system *sys = dl_system(2, max, &dl);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	unsigned char buf[256];
	fill(buf, sizeof buf);
	long d0 = dtors();

	CHECK_EQ(cadre_send(NULL, r, M_DATA, buf, 4), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, 1), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, SIZE_MAX), CADRE_EINVAL);
	/* EINVAL comes before the ref is looked at: not a dead letter. */
	CHECK_EQ(cadre_send(sys, CADRE_REF_NONE, M_DATA, NULL, 1), CADRE_EINVAL);
	/* Too big: refused, not counted, whatever the ref. */
	fill(buf, max + 1);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, max + 1), CADRE_ETOOBIG);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, sizeof buf), CADRE_ETOOBIG);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, SIZE_MAX), CADRE_ETOOBIG);
	CHECK_EQ(cadre_send(sys, CADRE_REF_NONE, M_DATA, buf, max + 1), CADRE_ETOOBIG);
	check_counts(sys, 0, 0, 0, 1);
	CHECK_EQ(ld(&dl.calls), 0);

	/* send_move: EINVAL leaves the payload with the caller. */
	struct moved *p = new_moved(8);
	CHECK_EQ(cadre_send_move(NULL, r, M_DATA, p, p->size, count_dtor), CADRE_EINVAL);
	CHECK_EQ(cadre_send_move(sys, r, M_DATA, NULL, 8, count_dtor), CADRE_EINVAL);
	if (SIZE_MAX > UINT32_MAX)
		CHECK_EQ(cadre_send_move(sys, r, M_DATA, p, (size_t)UINT32_MAX + 1, count_dtor),
		         CADRE_EINVAL);
	CHECK_EQ(dtors(), d0);
	check_counts(sys, 0, 0, 0, 1);

	/* The limits themselves are fine: size max, size 0 with and without
	 * data; and send_move of more than max_message_size (nothing is copied). */
	fill(buf, max);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, max), 0);
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, 0), 0);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, p, p->size, count_dtor), 0);
	struct moved *big = new_moved(4 * max);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, big, big->size, count_dtor), 0);
	CHECK_EQ(cadre_send_move(sys, r, M_DATA, NULL, 0, NULL), 0);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.sent, 7);
	CHECK_EQ(st.handled, 7);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(ld(&t.data), 4);
	CHECK_EQ(ld(&t.bytes_ok), 4);
	CHECK_EQ(dtors(), d0 + 2);
	CHECK_EQ(ld(&dtor_bad_size), 0);

	/* The default limit is 1 MiB. */
	cadre_system *dsys = NULL;
	CHECK_EQ(cadre_system_new(&dsys, NULL), 0);
	struct tally t2 = {0};
	CHECK_EQ(cadre_spawn(dsys, &sink_beh, NULL, &t2, &r), 0);
	size_t mib = (size_t)1 << 20;
	unsigned char *huge = malloc(mib + 1);
	CHECK(huge != NULL);
	fill(huge, mib);
	CHECK_EQ(cadre_send(dsys, r, M_DATA, huge, mib + 1), CADRE_ETOOBIG);
	CHECK_EQ(cadre_send(dsys, r, M_DATA, huge, mib), 0);
	free(huge); /* the copy was made */
	CHECK_EQ(cadre_send(dsys, r, M_STOP, NULL, 0), 0);
	st = await_quiet(dsys);
	CHECK_EQ(st.sent, 2);
	CHECK_EQ(ld(&t2.data), 1);
	CHECK_EQ(ld(&t2.bytes_ok), 1);
	cadre_system_free(dsys);
	cadre_system_free(sys);
	dl_fini(&dl);
}

static void
stop_ref_bad(void)
{
	cadre_system *sys = dl_system(1, 0, NULL);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	CHECK_EQ(cadre_stop_ref(NULL, r), CADRE_EINVAL);
	CHECK_EQ(cadre_stop_ref(sys, CADRE_REF_NONE), CADRE_ENOACTOR);
	CHECK(wait_at_least(&t.started, 1, 10000));
	CHECK_EQ(ld(&t.stopped), 0);
	/* twice: the second finds it stopping (0) or gone (ENOACTOR) */
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	int rc = cadre_stop_ref(sys, r);
	CHECK(rc == 0 || rc == CADRE_ENOACTOR);
	await_quiet(sys);
	CHECK_EQ(ld(&t.stopped), 1);
	CHECK_EQ(cadre_stop_ref(sys, r), CADRE_ENOACTOR);
	cadre_system_free(sys);
}

/* ---- mailbox and error corners ------------------------------------------------ */

struct node {
	cadre_mb_node node;
	int id;
};

static void
mailbox_corners(void)
{
	cadre_mailbox *mb = NULL;
	CHECK_EQ(cadre_mailbox_new(&mb, 2), 0);
	struct node n[4];
	_Alignas(8) char raw[32];
	cadre_mb_node *misaligned = (cadre_mb_node *)(void *)(raw + 1);
	cadre_mb_node *out[4];
	CHECK_EQ(cadre_mailbox_pop_batch(mb, out, 0), 0);
	CHECK_EQ(cadre_mailbox_push(mb, misaligned, CADRE_LANE_SYSTEM), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push(mb, &n[0].node, (cadre_lane)-1), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push_chain(mb, misaligned, &n[0].node, 1), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &n[0].node, misaligned, 1), CADRE_EINVAL);
	/* a chain longer than the capacity can never be admitted */
	n[0].node.next = &n[1].node;
	n[1].node.next = &n[2].node;
	CHECK_EQ(cadre_mailbox_push_chain(mb, &n[0].node, &n[2].node, 3), CADRE_EFULL);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &n[0].node, &n[2].node, UINT32_MAX), CADRE_EFULL);
	CHECK_EQ(cadre_mailbox_count(mb), 0);
	/* nothing was queued: still idle, the next push wakes it */
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	CHECK_EQ(cadre_mailbox_push(mb, &n[3].node, CADRE_LANE_NORMAL), 1);
	CHECK_EQ(cadre_mailbox_count(mb), 1);
	CHECK(cadre_mailbox_pop(mb, NULL) == &n[3].node);
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	CHECK_EQ(cadre_mailbox_count(mb), 0);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	cadre_mailbox_free(mb);
	/* the largest capacity */
	CHECK_EQ(cadre_mailbox_new(&mb, UINT32_MAX), 0);
	CHECK_EQ(cadre_mailbox_capacity(mb), UINT32_MAX);
	CHECK_EQ(cadre_mailbox_push(mb, &n[0].node, CADRE_LANE_NORMAL), 1);
	CHECK(cadre_mailbox_pop(mb, NULL) == &n[0].node);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	cadre_mailbox_free(mb);

	/* error names and messages at the ends of int */
	CHECK(strcmp(cadre_err_name(INT_MIN), "CADRE_UNKNOWN") == 0);
	CHECK(strcmp(cadre_err_name(INT_MAX), "CADRE_UNKNOWN") == 0);
	CHECK(strcmp(cadre_strerror(INT_MIN), "unknown error") == 0);
	CHECK(strcmp(cadre_strerror(INT_MAX), "unknown error") == 0);
	CHECK(strcmp(cadre_err_name(CADRE_ESERIAL - 1), "CADRE_UNKNOWN") == 0);
	CHECK(strcmp(cadre_err_name(CADRE_ELIMIT), "CADRE_ELIMIT") == 0);
	CHECK(strcmp(cadre_err_name(CADRE_ESERIAL), "CADRE_ESERIAL") == 0);
	CHECK(strcmp(cadre_strerror(CADRE_ELIMIT), "unknown error") != 0);
	CHECK(strcmp(cadre_err_name(CADRE_EWOULDBLOCK), "CADRE_EWOULDBLOCK") == 0);
	CHECK(strcmp(cadre_err_name(CADRE_ESTATE), "CADRE_ESTATE") == 0);
}

int
main(void)
{
	TEST_CASE(system_new_bad);
	TEST_CASE(stats_bad);
	TEST_CASE(spawn_bad);
	TEST_CASE(send_bad);
	TEST_CASE(stop_ref_bad);
	TEST_CASE(mailbox_corners);
	fprintf(stderr, "test_bad_input_args: ok\n");
	return 0;
}
