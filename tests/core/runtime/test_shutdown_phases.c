/* cadre_system_shutdown's phases (cadre/actor.h): supervision trees first,
 * top-down, each child in reverse start order; then the actors outside any
 * tree, gracefully (SHUTDOWN); at the deadline whatever is left is killed
 * (KILLED, its stop callback still runs).
 *   order:        a tree and free actors: the tree's children stop in
 *                 reverse start order, all before the free actors, which
 *                 stop with SHUTDOWN.
 *   tree_deadline: a child that traps exits and ignores `shutdown`, with
 *                 shutdown INFINITY in its spec: shutdown(sys, 200) returns
 *                 and the child's stop saw KILLED.
 *   busy_deadline: a free actor asleep in a callback past the deadline:
 *                 shutdown waits for the callback, then the actor stops
 *                 with KILLED.
 *   nowait:       CADRE_NOWAIT kills everything at once (all KILLED).
 *   bad_input:    a bad timeout and NULL are EINVAL; a second call is 0. */
#include "sup_helpers.h"

static struct cfg ca, cb, cc, co1, co2;

static cadre_system *
fresh(void)
{
	cadre_config cfg = {.workers = 2, .no_pinning = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	log_reset();
	return sys;
}

static cadre_ref
spawn_probe(struct cfg *c)
{
	cadre_ref r;
	int before = count_ev(E_START, c->name);
	CHECK_EQ(cadre_spawn(sys, &child_beh, NULL, c, &r), 0);
	WAIT(count_ev(E_START, c->name) > before);
	return r;
}

/* The stop of name: its log index; its reason in *kind. */
static int
stop_of(const char *name, int *kind)
{
	CHECK_EQ(count_ev(E_STOP, name), 1);
	int i = nth_ev(E_STOP, name, 0);
	*kind = ev_at(i)->kind;
	return i;
}

static cadre_child_spec kids[3];
static cadre_sup_spec top;

static cadre_ref
start_tree(uint32_t shutdown_ms)
{
	kids[0] = wspec(&ca, CADRE_PERMANENT, shutdown_ms);
	kids[1] = wspec(&cb, CADRE_PERMANENT, shutdown_ms);
	kids[2] = wspec(&cc, CADRE_PERMANENT, shutdown_ms);
	top = sspec(CADRE_ONE_FOR_ONE, 1, 5000, kids, 3, "top");
	return start_sup(sys, &top);
}

static void
reset_cfgs(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	cfg_reset(&co1, "O1");
	cfg_reset(&co2, "O2");
}

static void
order(void)
{
	fresh();
	reset_cfgs();
	spawn_probe(&co1);
	start_tree(1000);
	spawn_probe(&co2);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	int ka, kb, kc, k1, k2;
	int ia = stop_of("A", &ka), ib = stop_of("B", &kb), ic = stop_of("C", &kc);
	int i1 = stop_of("O1", &k1), i2 = stop_of("O2", &k2);
	CHECK(ic < ib && ib < ia); /* reverse start order */
	CHECK(ia < i1 && ia < i2); /* the tree before the free actors */
	CHECK_EQ(ka, CADRE_EXIT_SHUTDOWN);
	CHECK_EQ(kb, CADRE_EXIT_SHUTDOWN);
	CHECK_EQ(kc, CADRE_EXIT_SHUTDOWN);
	CHECK_EQ(k1, CADRE_EXIT_SHUTDOWN);
	CHECK_EQ(k2, CADRE_EXIT_SHUTDOWN);
	cadre_system_free(sys);
}

static void
tree_deadline(void)
{
	fresh();
	reset_cfgs();
	cb.trap_ignore = true; /* ignores the supervisor's `shutdown` */
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, CADRE_FOREVER);
	top = sspec(CADRE_ONE_FOR_ONE, 1, 5000, kids, 2, "top");
	start_sup(sys, &top);
	spawn_probe(&co1);
	CHECK_EQ(cadre_system_shutdown(sys, 200), 0); /* returns: bounded */
	int kb, k1;
	stop_of("B", &kb);
	stop_of("O1", &k1);
	CHECK_EQ(kb, CADRE_EXIT_KILLED);
	CHECK_EQ(k1, CADRE_EXIT_KILLED); /* the deadline passed in the trees' phase */
	cadre_system_free(sys);
}

/* A free actor busy in receive for 400 ms. */
static atomic_int busy_kind = -1, busy_in;

static int
busy_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	atomic_store(&busy_in, 1);
	nap_ms(400);
	return 0;
}

static void
busy_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)self;
	atomic_store(&busy_kind, (int)why->kind);
}

static const cadre_behaviour busy_beh = {
        .size = sizeof(cadre_actor), .receive = busy_receive, .stop = busy_stop};

static void
busy_deadline(void)
{
	fresh();
	reset_cfgs();
	spawn_probe(&co1);
	cadre_spawn_opts o = {.flags = CADRE_SPAWN_BLOCKING};
	cadre_ref b;
	CHECK_EQ(cadre_spawn(sys, &busy_beh, &o, NULL, &b), 0);
	CHECK_EQ(cadre_send(sys, b, 1, NULL, 0), 0);
	WAIT(atomic_load(&busy_in) == 1);
	CHECK_EQ(cadre_system_shutdown(sys, 50), 0);
	/* The callback was not interrupted: shutdown waited for it, and the
	 * request it found afterwards, past the deadline, killed it. */
	CHECK_EQ(atomic_load(&busy_kind), CADRE_EXIT_KILLED);
	int k1;
	stop_of("O1", &k1);
	CHECK_EQ(k1, CADRE_EXIT_SHUTDOWN); /* stopped before the deadline */
	cadre_system_free(sys);
}

static void
nowait(void)
{
	fresh();
	reset_cfgs();
	start_tree(1000);
	spawn_probe(&co1);
	spawn_probe(&co2);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_NOWAIT), 0);
	const char *names[] = {"A", "B", "C", "O1", "O2"};
	for (int i = 0; i < 5; i++) {
		int k;
		stop_of(names[i], &k);
		CHECK_EQ(k, CADRE_EXIT_KILLED);
	}
	cadre_system_free(sys);
}

static void
bad_input(void)
{
	fresh();
	CHECK_EQ(cadre_system_shutdown(NULL, CADRE_FOREVER), CADRE_EINVAL);
	CHECK_EQ(cadre_system_shutdown(sys, -2), CADRE_EINVAL);
	CHECK_EQ(cadre_system_shutdown(sys, 100), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_NOWAIT), 0); /* idempotent */
	CHECK_EQ(cadre_system_shutdown(sys, -2), CADRE_EINVAL);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
#define CASE(fn)                                            \
	do {                                                \
		if (only == NULL || strcmp(only, #fn) == 0) \
			fn();                               \
	} while (0)
	CASE(order);
	CASE(tree_deadline);
	CASE(busy_deadline);
	CASE(nowait);
	CASE(bad_input);
	fprintf(stderr, "test_shutdown_phases: ok\n");
	return 0;
}
