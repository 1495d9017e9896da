/* Distribution, links and monitors across nodes (cadre/node.h): DOWN and
 * EXIT carry the remote reason (kind, code, detail); monitoring an actor
 * that is gone answers DOWN noproc; remote spawn, plain (the argument's
 * bytes reach start) and linked (the child's failure reaches the parent
 * as EXIT; an unknown behaviour is CADRE_ENOENT); a node that leaves fires
 * noconnection on every link and monitor across it. */
#include <stdlib.h>

#include "dist_helpers.h"

#define WAIT_ROUNDS 20000
#include "waits.h"

/* ---- on b: victims and spawnable behaviours ----------------------------------------- */
static int
victim_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type == 9)
		return cadre_fail(self, 42, "boom");
	return 0;
}
static const cadre_behaviour victim = {
        .name = "victim", .size = sizeof(cadre_actor), .receive = victim_receive};

static char spawned_arg[16];
static int spawned_starts;
static int
worker_start(cadre_actor *self, void *arg)
{
	(void)self;
	const cadre_remote_arg *ra = arg;
	CHECK(ra != NULL);
	if (ra->size > 0 && ra->size < sizeof spawned_arg)
		memcpy(spawned_arg, ra->data, ra->size);
	__atomic_add_fetch(&spawned_starts, 1, __ATOMIC_RELEASE);
	return 0;
}
static const cadre_behaviour worker = {.name = "worker",
                                       .size = sizeof(cadre_actor),
                                       .start = worker_start,
                                       .receive = victim_receive};

/* A linked child whose spawner gave up (its answer timed out): told its
 * parent is gone, it stops (NOPROC). */
static int orphan_stops;
static cadre_exit_kind orphan_reason;
static void
orphan_stop(cadre_actor *self, const cadre_exit *reason)
{
	(void)self;
	orphan_reason = reason->kind;
	__atomic_add_fetch(&orphan_stops, 1, __ATOMIC_RELEASE);
}
static const cadre_behaviour orphan = {.name = "orphan",
                                       .size = sizeof(cadre_actor),
                                       .receive = victim_receive,
                                       .stop = orphan_stop};

/* ---- on a: probes ------------------------------------------------------------------- */
enum { P_MONITOR, P_LINK, P_SPAWN, P_SPAWN_LINK, P_SPAWN_BAD, P_SPAWN_LATE };
struct probe_arg {
	int mode, slot;
	cadre_ref target;
	bool trigger; /* then make the target fail: after the LINK / MONITOR (FIFO) */
	bool stop;    /* trigger with cadre_stop_ref instead (a STOP frame) */
};
struct result {
	int downs, exits, replies;
	cadre_exit_kind kind;
	int code;
	char detail[64];
	int status;
	cadre_ref ref, from;
};
static struct result results[16];

static int
probe_start(cadre_actor *self, void *arg)
{
	struct probe_arg *pa = arg;
	*(struct probe_arg *)(self + 1) = *pa;
	CHECK_EQ(cadre_trap_exits(self, true), 0);
	uint64_t id;
	switch (pa->mode) {
	case P_MONITOR:
	case P_LINK: {
		int rc = pa->mode == P_MONITOR ? cadre_monitor(self, pa->target, &id)
		                               : cadre_link(self, pa->target);
		if (rc == 0 && pa->trigger)
			rc = pa->stop
			             ? cadre_stop_ref(cadre_actor_system(self), pa->target)
			             : cadre_send(cadre_actor_system(self), pa->target, 9, NULL, 0);
		return rc;
	}
	case P_SPAWN:
		return cadre_spawn_on(self, "b", "worker", "hello", 5, 0, 5000, &id);
	case P_SPAWN_LINK:
		return cadre_spawn_on(self, "b", "worker", NULL, 0, CADRE_SPAWN_LINK, 5000, &id);
	case P_SPAWN_LATE: /* a deadline that has passed before any answer */
		return cadre_spawn_on(self, "b", "orphan", NULL, 0, CADRE_SPAWN_LINK, 0, &id);
	default:
		return cadre_spawn_on(self, "b", "nosuch", NULL, 0, 0, 5000, &id);
	}
}

static void
note_reason(struct result *r, const cadre_exit *e)
{
	r->kind = e->kind;
	r->code = e->code;
	snprintf(r->detail, sizeof r->detail, "%s", e->detail != NULL ? e->detail : "");
}

static int
probe_receive(cadre_actor *self, const cadre_msg *m)
{
	struct probe_arg *pa = (struct probe_arg *)(self + 1);
	struct result *r = &results[pa->slot];
	cadre_node_reply rep;
	if (m->type == CADRE_MSG_DOWN) {
		const cadre_down_msg *dn = m->data;
		note_reason(r, &dn->reason);
		r->from = dn->actor;
		__atomic_add_fetch(&r->downs, 1, __ATOMIC_RELEASE);
	} else if (m->type == CADRE_MSG_EXIT) {
		const cadre_exit_msg *em = m->data;
		note_reason(r, &em->reason);
		r->from = em->from;
		__atomic_add_fetch(&r->exits, 1, __ATOMIC_RELEASE);
	} else if (cadre_node_reply_read(m, &rep) == 0) {
		r->status = rep.status;
		r->ref = rep.ref;
		if (rep.status == 0 && pa->mode == P_SPAWN_LINK) /* make it fail */
			CHECK_EQ(cadre_send(cadre_actor_system(self), rep.ref, 9, NULL, 0), 0);
		__atomic_add_fetch(&r->replies, 1, __ATOMIC_RELEASE);
	}
	return 0;
}
static const cadre_behaviour probe = {.name = "probe",
                                      .size = sizeof(cadre_actor) + sizeof(struct probe_arg),
                                      .start = probe_start,
                                      .receive = probe_receive};

static cadre_ref
spawn_probe_t(cadre_system *a, int mode, int slot, cadre_ref target, bool trigger)
{
	static struct probe_arg args[16];
	args[slot] = (struct probe_arg){mode, slot, target, trigger, false};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(a, &probe, NULL, &args[slot], &r), 0);
	return r;
}

static cadre_ref
spawn_probe(cadre_system *a, int mode, int slot, cadre_ref target)
{
	return spawn_probe_t(a, mode, slot, target, false);
}

static int
got(const int *c)
{
	return __atomic_load_n(c, __ATOMIC_ACQUIRE);
}

static void
test_links(void)
{
	char ea[128], eb[128];
	dist_endpoint(ea, sizeof ea, "links", "a");
	dist_endpoint(eb, sizeof eb, "links", "b");
	cadre_system *a = dist_node("a", ea, 1200), *b = dist_node("b", eb, 1200);
	CHECK_EQ(cadre_node_behaviour(b, "worker", &worker), 0);
	CHECK_EQ(cadre_node_behaviour(b, "worker", &worker), CADRE_EEXIST);
	CHECK_EQ(cadre_node_behaviour(b, "orphan", &orphan), 0);
	CHECK_EQ(cadre_node_connect(a, eb, NULL), 0);
	CHECK_EQ(cadre_node_wait(a, "b", 10000), 0);
	CHECK_EQ(cadre_node_wait(b, "a", 10000), 0);
	cadre_ref v[6];
	for (int i = 0; i < 6; i++)
		CHECK_EQ(cadre_spawn(b, &victim, NULL, NULL, &v[i]), 0);

	/* A monitor and a link across: the remote reason arrives whole. */
	spawn_probe_t(a, P_MONITOR, 0, v[0], true);
	spawn_probe_t(a, P_LINK, 1, v[1], true);
	WAIT_FOR(got(&results[0].downs) == 1 && got(&results[1].exits) == 1);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(results[i].kind, CADRE_EXIT_FAILURE);
		CHECK_EQ(results[i].code, 42);
		CHECK(strcmp(results[i].detail, "boom") == 0);
		CHECK(cadre_ref_is_equal(results[i].from, v[i]));
	}
	/* cadre_stop_ref of an actor of another node: it stops (SHUTDOWN). */
	cadre_ref sp, v1; /* a fresh victim (v[1] was linked and failed above) */
	CHECK_EQ(cadre_spawn(b, &victim, NULL, NULL, &v1), 0);
	static struct probe_arg stop_arg;
	stop_arg = (struct probe_arg){P_MONITOR, 11, v1, true, true};
	CHECK_EQ(cadre_spawn(a, &probe, NULL, &stop_arg, &sp), 0);
	WAIT_FOR(got(&results[11].downs) == 1);
	CHECK_EQ(results[11].kind, CADRE_EXIT_SHUTDOWN);
	CHECK(cadre_ref_is_equal(results[11].from, v1));
	/* A monitor of an actor that is gone: DOWN noproc from the other node. */
	spawn_probe(a, P_MONITOR, 2, v[0]);
	WAIT_FOR(got(&results[2].downs) == 1);
	CHECK_EQ(results[2].kind, CADRE_EXIT_NOPROC);

	/* Remote spawn: plain, unknown behaviour, linked. */
	spawn_probe(a, P_SPAWN, 3, CADRE_REF_NONE);
	spawn_probe(a, P_SPAWN_BAD, 4, CADRE_REF_NONE);
	spawn_probe(a, P_SPAWN_LINK, 5, CADRE_REF_NONE);
	WAIT_FOR(got(&results[3].replies) == 1 && got(&results[4].replies) == 1);
	CHECK_EQ(results[3].status, 0);
	CHECK(!cadre_ref_is_none(results[3].ref));
	WAIT_FOR(got(&spawned_starts) >= 1);
	CHECK(memcmp(spawned_arg, "hello", 5) == 0);
	CHECK_EQ(results[4].status, CADRE_ENOENT);
	WAIT_FOR(got(&results[5].replies) == 1 && got(&results[5].exits) == 1);
	CHECK_EQ(results[5].status, 0);
	CHECK(cadre_ref_is_equal(results[5].from, results[5].ref));
	CHECK_EQ(results[5].kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(results[5].code, 42);

	/* A linked spawn whose answer came too late: the spawner got
	 * ETIMEDOUT, the child (spawned after all) learns its parent is gone. */
	spawn_probe(a, P_SPAWN_LATE, 10, CADRE_REF_NONE);
	WAIT_FOR(got(&results[10].replies) == 1);
	CHECK_EQ(results[10].status, CADRE_ETIMEDOUT);
	WAIT_FOR(got(&orphan_stops) == 1);
	CHECK_EQ(orphan_reason, CADRE_EXIT_NOPROC);

	/* noconnection: b leaves; a monitor and a link across it fire. */
	spawn_probe(a, P_MONITOR, 6, v[2]);
	spawn_probe(a, P_LINK, 7, v[3]);
	/* Most often b leaves after the LINK and MONITOR frames reached it;
	 * if before, both must fire noconnection all the same. */
	nap_ms(100);
	CHECK_EQ(cadre_system_shutdown(b, 5000), 0);
	WAIT_FOR(got(&results[6].downs) == 1 && got(&results[7].exits) == 1);
	CHECK_EQ(results[6].kind, CADRE_EXIT_NOCONNECTION);
	CHECK_EQ(results[7].kind, CADRE_EXIT_NOCONNECTION);
	CHECK(cadre_ref_is_equal(results[7].from, v[3]));
	/* After: a link or monitor to b's actors is answered at once. */
	spawn_probe(a, P_MONITOR, 8, v[4]);
	spawn_probe(a, P_LINK, 9, v[5]);
	WAIT_FOR(got(&results[8].downs) == 1 && got(&results[9].exits) == 1);
	CHECK_EQ(results[8].kind, CADRE_EXIT_NOCONNECTION);
	CHECK_EQ(results[9].kind, CADRE_EXIT_NOCONNECTION);
	dist_pair_free(a, b, ea, eb);
}

int
main(void)
{
	TEST_CASE(test_links);
	return 0;
}
