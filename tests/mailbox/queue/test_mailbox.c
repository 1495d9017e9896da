/* Unit tests for every mailbox operation: both lanes, bounded and
 * unbounded, the idle hand-off, and every error path. Single-threaded; the
 * concurrent properties are in test_mailbox_stress.c and test_mailbox_sched.c. */
#include <stdint.h>
#include <string.h>

#include <cadre.h>

#include "cadre__alloc.h"
#include "check.h"

struct msg {
	cadre_mb_node node; /* first member: the node's address is the message's */
	int id;
};

static struct msg *
as_msg(cadre_mb_node *n)
{
	return (struct msg *)n;
}

static cadre_mailbox *
new_mb(uint32_t cap)
{
	cadre_mailbox *mb = NULL;
	CHECK_EQ(cadre_mailbox_new(&mb, cap), 0);
	CHECK(mb != NULL);
	return mb;
}

static void
empty_mailbox(void)
{
	cadre_mailbox *mb = new_mb(0);
	cadre_lane lane = CADRE_LANE_SYSTEM;
	CHECK(cadre_mailbox_pop(mb, &lane) == NULL);
	cadre_mb_node *out[4];
	CHECK_EQ(cadre_mailbox_pop_batch(mb, out, 4), 0);
	CHECK_EQ(cadre_mailbox_count(mb), 0);
	CHECK_EQ(cadre_mailbox_capacity(mb), 0);
	/* Created idle: the first push is the waker. */
	struct msg m;
	CHECK_EQ(cadre_mailbox_push(mb, &m.node, CADRE_LANE_NORMAL), 1);
	CHECK(cadre_mailbox_pop(mb, NULL) == &m.node);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	cadre_mailbox_free(mb);
}

static void
fifo_normal_lane(void)
{
	cadre_mailbox *mb = new_mb(0);
	struct msg m[100];
	for (int i = 0; i < 100; i++) {
		m[i].id = i;
		int rc = cadre_mailbox_push(mb, &m[i].node, CADRE_LANE_NORMAL);
		/* Only the first push wakes the idle mailbox. */
		CHECK_EQ(rc, i == 0 ? 1 : 0);
	}
	for (int i = 0; i < 100; i++) {
		cadre_lane lane = CADRE_LANE_SYSTEM;
		cadre_mb_node *n = cadre_mailbox_pop(mb, &lane);
		CHECK(n != NULL);
		CHECK_EQ(as_msg(n)->id, i);
		CHECK_EQ(lane, CADRE_LANE_NORMAL);
	}
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	cadre_mailbox_free(mb);
}

static void
system_lane_first(void)
{
	cadre_mailbox *mb = new_mb(0);
	struct msg norm[5], sys[5];
	for (int i = 0; i < 5; i++) {
		norm[i].id = i;
		sys[i].id = 100 + i;
	}
	CHECK_EQ(cadre_mailbox_push(mb, &norm[0].node, CADRE_LANE_NORMAL), 1);
	CHECK_EQ(cadre_mailbox_push(mb, &norm[1].node, CADRE_LANE_NORMAL), 0);
	CHECK_EQ(cadre_mailbox_push(mb, &sys[0].node, CADRE_LANE_SYSTEM), 0);
	CHECK_EQ(cadre_mailbox_push(mb, &sys[1].node, CADRE_LANE_SYSTEM), 0);
	/* sys first, in FIFO order among themselves */
	cadre_lane lane;
	CHECK_EQ(as_msg(cadre_mailbox_pop(mb, &lane))->id, 100);
	CHECK_EQ(lane, CADRE_LANE_SYSTEM);
	/* a system message arriving now still jumps the normal queue, and
	 * stays behind the older system message already taken in. */
	CHECK_EQ(cadre_mailbox_push(mb, &sys[2].node, CADRE_LANE_SYSTEM), 0);
	CHECK_EQ(as_msg(cadre_mailbox_pop(mb, &lane))->id, 101);
	CHECK_EQ(as_msg(cadre_mailbox_pop(mb, &lane))->id, 102);
	CHECK_EQ(lane, CADRE_LANE_SYSTEM);
	CHECK_EQ(as_msg(cadre_mailbox_pop(mb, &lane))->id, 0);
	CHECK_EQ(lane, CADRE_LANE_NORMAL);
	CHECK_EQ(cadre_mailbox_push(mb, &sys[3].node, CADRE_LANE_SYSTEM), 0);
	CHECK_EQ(as_msg(cadre_mailbox_pop(mb, &lane))->id, 103);
	CHECK_EQ(as_msg(cadre_mailbox_pop(mb, &lane))->id, 1);
	CHECK(cadre_mailbox_pop(mb, &lane) == NULL);
	cadre_mailbox_free(mb);
}

static void
idle_transitions(void)
{
	cadre_mailbox *mb = new_mb(0);
	struct msg a, b, s;
	/* system push wakes an idle mailbox too */
	CHECK_EQ(cadre_mailbox_push(mb, &s.node, CADRE_LANE_SYSTEM), 1);
	CHECK_EQ(cadre_mailbox_push(mb, &a.node, CADRE_LANE_NORMAL), 0);
	/* cannot go idle with mail queued, in either lane */
	CHECK_EQ(cadre_mailbox_mark_idle(mb), CADRE_EBUSY);
	CHECK(cadre_mailbox_pop(mb, NULL) == &s.node);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), CADRE_EBUSY);
	CHECK(cadre_mailbox_pop(mb, NULL) == &a.node);
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	/* the next push, of either lane, is the waker again, and only it */
	CHECK_EQ(cadre_mailbox_push(mb, &b.node, CADRE_LANE_NORMAL), 1);
	CHECK_EQ(cadre_mailbox_push(mb, &s.node, CADRE_LANE_SYSTEM), 0);
	CHECK(cadre_mailbox_pop(mb, NULL) == &s.node);
	CHECK(cadre_mailbox_pop(mb, NULL) == &b.node);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	CHECK_EQ(cadre_mailbox_push(mb, &s.node, CADRE_LANE_SYSTEM), 1);
	CHECK(cadre_mailbox_pop(mb, NULL) == &s.node);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	/* a push after mark_idle but before the consumer noticed: mark_idle
	 * must fail while a pushed node is unconsumed */
	CHECK_EQ(cadre_mailbox_push(mb, &a.node, CADRE_LANE_NORMAL), 1);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), CADRE_EBUSY);
	CHECK(cadre_mailbox_pop(mb, NULL) == &a.node);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	cadre_mailbox_free(mb);
}

/* The node a consumer is holding can be pushed again at once (nodes are
 * reused immediately; no safe-memory reclamation needed). */
static void
immediate_reuse(void)
{
	cadre_mailbox *mb = new_mb(0);
	struct msg a;
	a.id = 7;
	for (int i = 0; i < 1000; i++) {
		CHECK(cadre_mailbox_push(mb, &a.node, CADRE_LANE_NORMAL) >= 0);
		cadre_mb_node *n = cadre_mailbox_pop(mb, NULL);
		CHECK(n == &a.node);
	}
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	cadre_mailbox_free(mb);
}

static void
bounded(void)
{
	cadre_mailbox *mb = new_mb(3);
	CHECK_EQ(cadre_mailbox_capacity(mb), 3);
	struct msg m[5], s[3];
	for (int i = 0; i < 5; i++)
		m[i].id = i;
	for (int i = 0; i < 3; i++) {
		CHECK(cadre_mailbox_push(mb, &m[i].node, CADRE_LANE_NORMAL) >= 0);
		CHECK_EQ(cadre_mailbox_count(mb), i + 1);
	}
	CHECK_EQ(cadre_mailbox_push(mb, &m[3].node, CADRE_LANE_NORMAL), CADRE_EFULL);
	CHECK_EQ(cadre_mailbox_count(mb), 3);
	/* system messages are never refused */
	for (int i = 0; i < 3; i++)
		CHECK(cadre_mailbox_push(mb, &s[i].node, CADRE_LANE_SYSTEM) >= 0);
	CHECK_EQ(cadre_mailbox_count(mb), 3);
	for (int i = 0; i < 3; i++)
		CHECK(cadre_mailbox_pop(mb, NULL) == &s[i].node);
	/* popping a normal message frees one slot */
	CHECK(cadre_mailbox_pop(mb, NULL) == &m[0].node);
	CHECK_EQ(cadre_mailbox_count(mb), 2);
	CHECK(cadre_mailbox_push(mb, &m[3].node, CADRE_LANE_NORMAL) >= 0);
	CHECK_EQ(cadre_mailbox_push(mb, &m[4].node, CADRE_LANE_NORMAL), CADRE_EFULL);
	/* the refused node was not queued: FIFO is 1, 2, 3 */
	for (int i = 1; i <= 3; i++)
		CHECK(cadre_mailbox_pop(mb, NULL) == &m[i].node);
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	CHECK_EQ(cadre_mailbox_count(mb), 0);
	cadre_mailbox_free(mb);
}

static void
link_chain(struct msg *m, int n)
{
	for (int i = 0; i < n; i++)
		m[i].node.next = i + 1 < n ? &m[i + 1].node : NULL;
}

static void
chains(void)
{
	cadre_mailbox *mb = new_mb(0);
	struct msg one, m[10];
	for (int i = 0; i < 10; i++)
		m[i].id = i;
	CHECK_EQ(cadre_mailbox_push(mb, &one.node, CADRE_LANE_NORMAL), 1);
	link_chain(m, 10);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &m[0].node, &m[9].node, 10), 0);
	CHECK(cadre_mailbox_pop(mb, NULL) == &one.node);
	cadre_mb_node *out[16];
	CHECK_EQ(cadre_mailbox_pop_batch(mb, out, 4), 4);
	for (int i = 0; i < 4; i++)
		CHECK(out[i] == &m[i].node);
	CHECK_EQ(cadre_mailbox_pop_batch(mb, out, 16), 6);
	for (int i = 0; i < 6; i++)
		CHECK(out[i] == &m[4 + i].node);
	CHECK_EQ(cadre_mailbox_pop_batch(mb, out, 16), 0);
	CHECK_EQ(cadre_mailbox_pop_batch(mb, out, 0), 0);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	/* a chain wakes an idle mailbox exactly like a single push */
	link_chain(m, 3);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &m[0].node, &m[2].node, 3), 1);
	CHECK_EQ(cadre_mailbox_pop_batch(mb, out, 16), 3);
	cadre_mailbox_free(mb);

	/* bounded: all or nothing */
	mb = new_mb(5);
	link_chain(m, 4);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &m[0].node, &m[3].node, 4), 1);
	link_chain(m + 4, 2);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &m[4].node, &m[5].node, 2), CADRE_EFULL);
	CHECK_EQ(cadre_mailbox_count(mb), 4);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &m[4].node, &m[4].node, 1), 0);
	CHECK_EQ(cadre_mailbox_count(mb), 5);
	CHECK_EQ(cadre_mailbox_pop_batch(mb, out, 16), 5);
	for (int i = 0; i < 5; i++)
		CHECK(out[i] == &m[i].node);
	CHECK_EQ(cadre_mailbox_count(mb), 0);
	cadre_mailbox_free(mb);
}

static void
bad_input(void)
{
	cadre_mailbox *mb = new_mb(0);
	struct msg m;
	cadre_mb_node *out[1];
	_Alignas(8) char raw[32];
	cadre_mb_node *misaligned = (cadre_mb_node *)(void *)(raw + 1);

	CHECK_EQ(cadre_mailbox_new(NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push(NULL, &m.node, CADRE_LANE_NORMAL), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push(mb, NULL, CADRE_LANE_NORMAL), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push(mb, NULL, CADRE_LANE_SYSTEM), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push(mb, misaligned, CADRE_LANE_NORMAL), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push(mb, &m.node, (cadre_lane)7), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push_chain(NULL, &m.node, &m.node, 1), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push_chain(mb, NULL, &m.node, 1), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &m.node, NULL, 1), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &m.node, &m.node, 0), CADRE_EINVAL);
	CHECK(cadre_mailbox_pop(NULL, NULL) == NULL);
	CHECK_EQ(cadre_mailbox_pop_batch(NULL, out, 1), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_pop_batch(mb, NULL, 1), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_pop_batch(mb, out, -1), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_mark_idle(NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_count(NULL), 0);
	CHECK_EQ(cadre_mailbox_capacity(NULL), 0);
	cadre_mailbox_free(NULL);
	/* nothing was queued by the failed calls, and the mailbox is still
	 * idle: the next good push is the waker and the only message */
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	CHECK_EQ(cadre_mailbox_push(mb, &m.node, CADRE_LANE_NORMAL), 1);
	CHECK(cadre_mailbox_pop(mb, NULL) == &m.node);
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	cadre_mailbox_free(mb);
}

static void
out_of_memory(void)
{
	cadre_mailbox *mb = (cadre_mailbox *)&mb; /* must be reset to NULL */
	cadre__alloc_fail_after(0);
	CHECK_EQ(cadre_mailbox_new(&mb, 0), CADRE_ENOMEM);
	CHECK(mb == NULL);
	/* the injected failure was one-shot */
	CHECK_EQ(cadre_mailbox_new(&mb, 0), 0);
	cadre_mailbox_free(mb);
}

int
main(void)
{
	TEST_CASE(empty_mailbox);
	TEST_CASE(fifo_normal_lane);
	TEST_CASE(system_lane_first);
	TEST_CASE(idle_transitions);
	TEST_CASE(immediate_reuse);
	TEST_CASE(bounded);
	TEST_CASE(chains);
	TEST_CASE(bad_input);
	TEST_CASE(out_of_memory);
	fprintf(stderr, "test_mailbox: ok\n");
	return 0;
}
