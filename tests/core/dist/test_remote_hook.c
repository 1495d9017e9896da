/* Core's hook for refs of other nodes (sys->remote, dist-spec): a ref whose
 * node word is not the system's goes to the hook, and only after the local
 * lookup failed; what the hook answers becomes the send's result with the
 * documented accounting; a ref that differs from a live actor's only in its
 * node word never reaches that actor (nor, without a hook, anything). */
#include <stdlib.h>
#include <string.h>

#include <cadre.h>

#include "cadre__signal.h"
#include "cadre__system.h"
#include "check.h"

#define WAIT_ROUNDS 30000
#include "waits.h"

/* The fake dist: records what it is given, answers `answer`. */
static int answer;
static int posts, sig_posts;
static uint32_t last_type;
static cadre_ref last_to;

static int
fake_post(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, struct cadre__msg *m,
          bool sig)
{
	(void)sys;
	(void)w;
	if (answer != 0 && !(sig && (m->type == CADRE__SIG_LINK || m->type == CADRE__SIG_MONITOR)))
		return answer; /* m stays the caller's */
	__atomic_add_fetch(sig ? &sig_posts : &posts, 1, __ATOMIC_RELAXED);
	last_type = m->type;
	last_to = to;
	cadre__msg_free(m); /* taken: a real dist encodes it first */
	return 0;
}

static const struct cadre__remote fake = {fake_post};

static int handled;

static int
count_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	__atomic_add_fetch(&handled, 1, __ATOMIC_RELAXED);
	return 0;
}

static const cadre_behaviour counter = {.size = sizeof(cadre_actor), .receive = count_receive};

static int dtor_calls;

static void
count_dtor(void *data, size_t size)
{
	(void)data;
	(void)size;
	dtor_calls++;
}

/* A linker: links to the ref it is given (a foreign one). */
static int
link_start(cadre_actor *self, void *arg)
{
	uint64_t mon;
	CHECK_EQ(cadre_link(self, *(cadre_ref *)arg), 0);
	CHECK_EQ(cadre_monitor(self, *(cadre_ref *)arg, &mon), 0);
	return 0;
}

static const cadre_behaviour linker = {
        .size = sizeof(cadre_actor), .start = link_start, .receive = count_receive};

static void
routes_foreign_refs(void)
{
	cadre_config cfg = {.workers = 1, .quiet = true};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref local;
	CHECK_EQ(cadre_spawn(sys, &counter, NULL, NULL, &local), 0);
	CHECK_EQ(local.node, 0u); /* not a node */
	cadre_ref foreign = local;
	foreign.node = 0x1234u; /* the same slot, another node */
	/* No hook: refused like any ref that names no actor here. */
	CHECK_EQ(cadre_send(sys, foreign, 7, "x", 1), CADRE_ENOACTOR);
	WAIT_FOR(cadre_system_await_quiescent(sys, 1000) == 0);
	CHECK_EQ(handled, 0); /* never delivered to `local` */
	sys->remote = &fake;
	/* Taken: counted by the node whose mailbox takes it, not here. */
	cadre_stats st0, st1;
	CHECK_EQ(cadre_system_stats(sys, -1, &st0), 0);
	answer = 0;
	CHECK_EQ(cadre_send(sys, foreign, 7, "x", 1), 0);
	CHECK_EQ(posts, 1);
	CHECK_EQ(last_type, 7u);
	CHECK(cadre_ref_is_equal(last_to, foreign));
	CHECK_EQ(cadre_system_stats(sys, -1, &st1), 0);
	CHECK_EQ(st1.sent, st0.sent);
	/* Node down: a counted dead letter here. */
	answer = CADRE_ENODE;
	CHECK_EQ(cadre_send(sys, foreign, 7, "x", 1), CADRE_ENODE);
	CHECK_EQ(cadre_system_stats(sys, -1, &st1), 0);
	CHECK_EQ(st1.sent, st0.sent + 1);
	CHECK_EQ(st1.dead_letters, st0.dead_letters + 1);
	/* Full peer queue: refused, not counted. */
	answer = CADRE_EFULL;
	CHECK_EQ(cadre_send(sys, foreign, 7, "x", 1), CADRE_EFULL);
	/* No serializer: the caller keeps a moved payload (no dtor). */
	answer = CADRE_ESERIAL;
	char *p = malloc(8);
	CHECK_EQ(cadre_send_move(sys, foreign, 7, p, 8, count_dtor), CADRE_ESERIAL);
	CHECK_EQ(dtor_calls, 0);
	free(p);
	CHECK_EQ(cadre_system_stats(sys, -1, &st1), 0);
	CHECK_EQ(st1.sent, st0.sent + 1);
	/* Local sends never reach the hook. */
	answer = 0;
	posts = 0;
	for (int i = 0; i < 100; i++)
		CHECK_EQ(cadre_send(sys, local, 7, "x", 1), 0);
	WAIT_FOR(__atomic_load_n(&handled, __ATOMIC_RELAXED) == 100);
	CHECK_EQ(posts, 0);
	/* Signals: a link and a monitor to a foreign ref are handed over. */
	cadre_ref l;
	CHECK_EQ(cadre_spawn(sys, &linker, NULL, &foreign, &l), 0);
	WAIT_FOR(__atomic_load_n(&sig_posts, __ATOMIC_RELAXED) == 2);
	/* Its death sends EXIT through the link and DEMONITOR to the target. */
	CHECK_EQ(cadre_stop_ref(sys, l), 0);
	WAIT_FOR(__atomic_load_n(&sig_posts, __ATOMIC_RELAXED) == 4);
	cadre_system_free(sys); /* (the fake stays set: workers read it until they end) */
}

int
main(void)
{
	TEST_CASE(routes_foreign_refs);
	return 0;
}
