/* Cadre tests: cadre_respond, the reply idiom. A reply never fails the
 * replier because of the requester: a requester that is CADRE_REF_NONE (a
 * send from the main thread), has stopped, or whose bounded mailbox is full
 * gets a dead letter, and the replier goes on. Before cadre_respond the
 * guide's idiom (return cadre_send(sys, msg->sender, ...)) failed the
 * replier in each of these cases. */
#include <stdatomic.h>

#include <cadre.h>

#include "check.h"
#include "dead_letters.h"

enum { REQ = 1, REP = 2, REQ_FOR = 3 };

static atomic_long handled, bad_rc;

/* Replies to every REQ; to REQ_FOR, replies as if the message had come
 * from the ref in its payload (a requester that is gone by now). */
static int
replier_receive(cadre_actor *self, const cadre_msg *msg)
{
	int rc;
	if (msg->type == REQ_FOR) {
		cadre_msg m = *msg;
		memcpy(&m.sender, msg->data, sizeof m.sender);
		rc = cadre_respond(self, &m, REP, "pong", 4);
	} else {
		rc = cadre_respond(self, msg, REP, msg->data, msg->size);
	}
	if (rc != 0)
		atomic_fetch_add(&bad_rc, 1);
	atomic_fetch_add(&handled, 1);
	return rc; /* the idiom: a failed reply fails the replier */
}

static const cadre_behaviour replier = {
        .size = sizeof(cadre_actor), .receive = replier_receive, .name = "replier"};

static int
nop_receive(cadre_actor *self, const cadre_msg *msg)
{
	(void)self, (void)msg;
	return 0;
}

static const cadre_behaviour nop = {.size = sizeof(cadre_actor), .receive = nop_receive};

/* Waits (bounded) until the replier has handled n messages: a replier
 * that failed handles no more, and the test fails here. */
static void
wait_handled(long n)
{
	for (int i = 0; i < 100000 && atomic_load(&handled) < n; i++)
		nap_us(100);
	CHECK_EQ(atomic_load(&handled), n);
}

static void
settle_and_check(cadre_system *sys, long want_dead, struct dl_log *l)
{
	CHECK_EQ(dl_wait(l, want_dead), want_dead);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(st.dead_letters, want_dead);
	CHECK_EQ(atomic_load(&bad_rc), 0);
	cadre_system_free(sys);
}

/* Sent from the main thread: msg->sender is CADRE_REF_NONE. */
static void
reply_to_none(void)
{
	struct dl_log l;
	dl_init(&l);
	cadre_system *sys = dl_system(2, 0, &l);
	atomic_store(&handled, 0);
	atomic_store(&bad_rc, 0);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &replier, NULL, NULL, &r), 0);
	int v = 7;
	for (int i = 0; i < 3; i++)
		CHECK_EQ(cadre_send(sys, r, REQ, &v, sizeof v), 0);
	wait_handled(3);
	CHECK_EQ(dl_wait(&l, 3), 3);
	CHECK_EQ(l.enoactor, 3);
	CHECK(cadre_ref_is_none(l.to));
	CHECK_EQ(l.type, REP);
	/* the replier is still there */
	CHECK_EQ(cadre_send(sys, r, REQ, &v, sizeof v), 0);
	wait_handled(4);
	settle_and_check(sys, 4, &l);
	dl_fini(&l);
}

/* The requester stopped before the reply. */
static void
reply_to_stopped(void)
{
	struct dl_log l;
	dl_init(&l);
	cadre_system *sys = dl_system(2, 0, &l);
	atomic_store(&handled, 0);
	atomic_store(&bad_rc, 0);
	cadre_ref gone, r;
	CHECK_EQ(cadre_spawn(sys, &nop, NULL, NULL, &gone), 0);
	CHECK_EQ(cadre_stop_ref(sys, gone), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_spawn(sys, &replier, NULL, NULL, &r), 0);
	CHECK_EQ(cadre_send(sys, r, REQ_FOR, &gone, sizeof gone), 0);
	CHECK_EQ(cadre_send(sys, r, REQ_FOR, &gone, sizeof gone), 0);
	wait_handled(2);
	CHECK_EQ(dl_wait(&l, 2), 2);
	CHECK_EQ(l.enoactor, 2);
	CHECK(cadre_ref_is_equal(l.to, gone));
	CHECK_EQ(l.size, 4);
	settle_and_check(sys, 2, &l);
	dl_fini(&l);
}

/* The requester's bounded mailbox (capacity 1, FAIL) is full: it is held
 * in its start callback (on the blocking pool) until the replies are out. */
static atomic_int hold_full;

static int
held_start(cadre_actor *self, void *arg)
{
	(void)self, (void)arg;
	for (int i = 0; i < 100000 && atomic_load(&hold_full); i++)
		nap_us(100);
	return 0;
}

static const cadre_behaviour held = {
        .size = sizeof(cadre_actor), .start = held_start, .receive = nop_receive};

static void
reply_to_full(void)
{
	struct dl_log l;
	dl_init(&l);
	cadre_system *sys = dl_system(2, 0, &l);
	atomic_store(&handled, 0);
	atomic_store(&bad_rc, 0);
	atomic_store(&hold_full, 1);
	cadre_ref full, r;
	cadre_spawn_opts o = {.mailbox_capacity = 1, .flags = CADRE_SPAWN_BLOCKING};
	CHECK_EQ(cadre_spawn(sys, &held, &o, NULL, &full), 0);
	CHECK_EQ(cadre_spawn(sys, &replier, NULL, NULL, &r), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(cadre_send(sys, r, REQ_FOR, &full, sizeof full), 0);
	wait_handled(3);
	CHECK_EQ(dl_wait(&l, 2), 2); /* one reply queued, two refused */
	CHECK_EQ(l.efull, 2);
	CHECK(cadre_ref_is_equal(l.to, full));
	atomic_store(&hold_full, 0);
	/* the queued reply may be handled, or dead-lettered by the shutdown */
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK(st.dead_letters == 2 || st.dead_letters == 3);
	CHECK_EQ(atomic_load(&bad_rc), 0);
	cadre_system_free(sys);
	dl_fini(&l);
}

static int
bad_input_receive(cadre_actor *self, const cadre_msg *msg)
{
	CHECK_EQ(cadre_respond(self, NULL, REP, NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_respond(NULL, msg, REP, NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_respond(self, msg, 0xFFFF0001u, NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_respond(self, msg, REP, NULL, 3), CADRE_EINVAL);
	CHECK_EQ(cadre_respond(self, msg, REP, "x", 100000), CADRE_ETOOBIG);
	atomic_fetch_add(&handled, 1);
	return 0;
}

static const cadre_behaviour bad_input_beh = {.size = sizeof(cadre_actor),
                                              .receive = bad_input_receive};

static void
bad_input(void)
{
	cadre_system *sys = dl_system(1, 1024, NULL);
	atomic_store(&handled, 0);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &bad_input_beh, NULL, NULL, &r), 0);
	CHECK_EQ(cadre_send(sys, r, REQ, NULL, 0), 0);
	wait_handled(1);
	/* outside any callback of self */
	cadre_actor fake = {0};
	cadre_msg m = {REQ, 0, NULL, r};
	CHECK_EQ(cadre_respond(&fake, &m, REP, NULL, 0), CADRE_ESTATE);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, reply_to_none);
	TEST_CASE_IF(only, reply_to_stopped);
	TEST_CASE_IF(only, reply_to_full);
	TEST_CASE_IF(only, bad_input);
	return 0;
}
