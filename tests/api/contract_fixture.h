/* Cadre tests: the fixture of test_api_contract.c.
 *
 * Three systems: `sys` (2 workers, where the calls are made), `other`
 * (1 worker, whose live actor gives the foreign ref) and `closed` (1
 * worker, shut down but not freed: its live actor at shutdown gives the
 * closed ref). In `sys`: a stale ref (an actor spawned, stopped and
 * reclaimed: cadre_system_await_stopped), a live sink, an empty supervisor,
 * an empty group router, and the prober: an actor that runs the calls that
 * need an actor context (or a worker thread) when asked by the test thread
 * with cadre_ask_wait, and records the exit and down signals it gets (it
 * traps exits). */
#ifndef CADRE_TEST_CONTRACT_FIXTURE_H
#define CADRE_TEST_CONTRACT_FIXTURE_H

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <cadre.h>

#include "check.h"
#include "quiet.h"

#define T_MS 30000 /* the bound of every wait (a hang detector, not a timing) */

enum { M_DATA = 1, M_PROBE = 2 };

/* The variants of a call: each required pointer argument NULL in turn; a
 * stale ref (or handle, or id); a ref of another system; after the system's
 * shutdown; from outside any callback (the prober's pointer from the test
 * thread); on a worker (inside the prober's callback, otherwise valid
 * arguments); out-of-range input, or the plain documented behaviour. */
enum { V_NULL1, V_NULL2, V_NULL3, V_STALE, V_FOREIGN, V_CLOSED, V_OUTSIDE, V_WORKER, V_PLAIN, NV };

static const char *const vname[NV] = {"NULL#1", "NULL#2",  "NULL#3", "stale", "foreign",
                                      "closed", "outside", "worker", "plain"};

struct fx {
	cadre_system *sys, *other, *closed;
	cadre_ref live, stale, foreign, closed_ref, sup, sofo, router, prober_ref;
	cadre_actor *prober;  /* published by the prober's start */
	cadre_timer fired;    /* a one-shot timer of sys that has fired */
	cadre_timer armed_c;  /* a timer of closed, armed (never due) at its shutdown */
	uint64_t mon;         /* the last monitor id the prober got */
	cadre_ref leaver;     /* the prober's KEEP_MAIL child (take_mail) */
	uint32_t gate;        /* set (release) to let the leaver stop */
	cadre_mail *mail;     /* the leaver's leftovers, claimed by the prober (release) */
	const cadre_msg *req; /* in the prober: the request being handled */
	cadre_asker *asker;   /* in the prober: its asker */
	int (*run)(struct fx *f, cadre_actor *self, int row, int v);
	/* Signals the prober got: the fields first, then sigs (release). */
	long sigs;
	uint32_t sig_type;
	int sig_kind;
	cadre_ref sig_from;
};

struct probe {
	int row, v; /* row -1: spawn the leaver */
};

/* A child of the prober (LINK | KEEP_MAIL), on the blocking pool: its
 * first message waits for the gate, then it stops, leaving the messages
 * queued behind to its parent, as a mail bundle. */
static int
leaver_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	struct fx *f = *(struct fx **)(self + 1);
	/* Acquire: pairs with take_mail's release store. */
	for (int i = 0; i < T_MS && !__atomic_load_n(&f->gate, __ATOMIC_ACQUIRE); i++)
		nap_us(1000);
	return cadre_stop(self);
}

static int
leaver_start(cadre_actor *self, void *arg)
{
	*(struct fx **)(self + 1) = arg;
	return 0;
}

static const cadre_behaviour leaver_beh = {.size = sizeof(cadre_actor) + sizeof(struct fx *),
                                           .start = leaver_start,
                                           .receive = leaver_receive};

static int
spawn_leaver(cadre_actor *self, struct fx *f)
{
	cadre_spawn_opts o = {.flags = CADRE_SPAWN_LINK | CADRE_SPAWN_KEEP_MAIL |
	                               CADRE_SPAWN_BLOCKING};
	return cadre_spawn(cadre_actor_system(self), &leaver_beh, &o, f, &f->leaver);
}

struct prober {
	cadre_actor base;
	cadre_asker asker;
	struct fx *f;
};

static int
prober_start(cadre_actor *self, void *arg)
{
	struct prober *p = (struct prober *)self;
	p->f = arg;
	CHECK_EQ(cadre_trap_exits(self, true), 0);
	__atomic_store_n(&p->f->prober, self, __ATOMIC_RELEASE); /* pairs with fx_begin's acquire */
	return 0;
}

static void
record_signal(struct fx *f, uint32_t type, cadre_ref from, cadre_exit_kind kind)
{
	f->sig_type = type;
	f->sig_from = from;
	f->sig_kind = (int)kind;
	__atomic_add_fetch(&f->sigs, 1, __ATOMIC_RELEASE); /* pairs with await_signal's acquire */
}

static int
prober_receive(cadre_actor *self, const cadre_msg *m)
{
	struct prober *p = (struct prober *)self;
	if (cadre_ask_dispatch(self, &p->asker, m) > 0)
		return 0;
	if (m->type == CADRE_MSG_EXIT) {
		const cadre_exit_msg *x = m->data;
		if (x->mail != NULL) /* release: pairs with take_mail's acquire */
			__atomic_store_n(&p->f->mail, cadre_mail_claim(self, x), __ATOMIC_RELEASE);
		record_signal(p->f, m->type, x->from, x->reason.kind);
	} else if (m->type == CADRE_MSG_DOWN) {
		const cadre_down_msg *d = m->data;
		record_signal(p->f, m->type, d->actor, d->reason.kind);
	} else if (m->type == M_PROBE) {
		cadre_request rq;
		CHECK_EQ(cadre_ask_request(m, &rq), 0);
		struct probe pr;
		CHECK_EQ(rq.size, sizeof pr);
		memcpy(&pr, rq.data, sizeof pr);
		p->f->req = m;
		p->f->asker = &p->asker;
		int rc =
		        pr.row < 0 ? spawn_leaver(self, p->f) : p->f->run(p->f, self, pr.row, pr.v);
		p->f->req = NULL;
		CHECK_EQ(cadre_reply(cadre_actor_system(self), &rq.reply_to, M_PROBE, &rc,
		                     sizeof rc),
		         0);
	}
	return 0;
}

static void
prober_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	cadre_asker_fini(self, &((struct prober *)self)->asker);
}

static const cadre_behaviour prober_beh = {.size = sizeof(struct prober),
                                           .start = prober_start,
                                           .receive = prober_receive,
                                           .stop = prober_stop,
                                           .name = "prober"};

static const cadre_behaviour sink_beh = {.size = sizeof(cadre_actor), .receive = noop_receive};

/* Runs row's call in variant v inside the prober; its result. */
static int
in_prober(struct fx *f, int row, int v)
{
	struct probe pr = {row, v};
	int rc = 0;
	size_t n = 0;
	int w = cadre_ask_wait(f->sys, f->prober_ref, M_PROBE, &pr, sizeof pr, T_MS, &rc, sizeof rc,
	                       &n, NULL);
	CHECK_EQ(w, 0);
	CHECK_EQ(n, sizeof rc);
	return rc;
}

/* Waits for the prober's signal number n; whether it is a `type` from `from`
 * with reason NOPROC. */
static int
await_signal(struct fx *f, long n, uint32_t type, cadre_ref from)
{
	CHECK(wait_at_least(&f->sigs, n, T_MS));
	return f->sig_type == type && cadre_ref_is_equal(f->sig_from, from) &&
	       f->sig_kind == CADRE_EXIT_NOPROC;
}

/* A claimed mail bundle of sys with n messages: the prober's leaver gets
 * n + 1, stops on the first, and its parent claims the rest. */
static cadre_mail *
take_mail(struct fx *f, int n)
{
	f->mail = NULL;
	__atomic_store_n(&f->gate, 0, __ATOMIC_RELAXED); /* the leaver is not born yet */
	long sigs = __atomic_load_n(&f->sigs, __ATOMIC_ACQUIRE);
	CHECK_EQ(in_prober(f, -1, 0), 0);
	for (int i = 0; i <= n; i++)
		CHECK_EQ(cadre_send(f->sys, f->leaver, M_DATA, NULL, 0), 0);
	__atomic_store_n(&f->gate, 1, __ATOMIC_RELEASE); /* pairs with leaver_receive */
	cadre_mail *m = NULL;
	/* Acquire: pairs with the prober's release store. */
	for (int i = 0; i < T_MS && (m = __atomic_load_n(&f->mail, __ATOMIC_ACQUIRE)) == NULL; i++)
		nap_us(1000);
	CHECK(m != NULL);
	CHECK(wait_at_least(&f->sigs, sigs + 1, T_MS)); /* its EXIT is recorded */
	CHECK_EQ(cadre_mail_count(m), n);
	return m;
}

static const cadre_sup_spec empty_sup = {
        .strategy = CADRE_ONE_FOR_ONE, .intensity = 1, .period_ms = 5000};
static const cadre_child_spec sofo_child = {
        .id = "dyn", .beh = &sink_beh, .restart = CADRE_TEMPORARY};
static const cadre_sup_spec sofo_sup = {.strategy = CADRE_SIMPLE_ONE_FOR_ONE,
                                        .intensity = 1,
                                        .period_ms = 5000,
                                        .children = &sofo_child,
                                        .nchildren = 1};
static const cadre_router_spec empty_group = {.strategy = CADRE_ROUTE_ROUND_ROBIN};

static void
await_no_timers(cadre_system *sys)
{
	for (int i = 0; i < T_MS && cadre_timers_pending(sys) != 0; i++)
		nap_us(1000);
	CHECK_EQ(cadre_timers_pending(sys), 0);
}

static cadre_system *
new_system(unsigned workers)
{
	cadre_config cfg = {.workers = workers, .no_pinning = true};
	cadre_system *s = NULL;
	CHECK_EQ(cadre_system_new(&s, &cfg), 0);
	return s;
}

static void
fx_begin(struct fx *f)
{
	memset(f, 0, sizeof *f);
	f->other = new_system(1);
	CHECK_EQ(cadre_spawn(f->other, &sink_beh, NULL, NULL, &f->foreign), 0);

	f->sys = new_system(2);
	CHECK_EQ(cadre_spawn(f->sys, &sink_beh, NULL, NULL, &f->stale), 0);
	CHECK_EQ(cadre_stop_ref(f->sys, f->stale), 0);
	CHECK_EQ(cadre_system_await_stopped(f->sys, T_MS), 0); /* stopped and reclaimed */
	CHECK_EQ(cadre_send_after(f->sys, f->stale, M_DATA, NULL, 0, CADRE_NOWAIT, &f->fired), 0);
	await_no_timers(f->sys); /* fired (and cancelled: its target is gone) */
	CHECK_EQ(cadre_spawn(f->sys, &sink_beh, NULL, NULL, &f->live), 0);
	CHECK_EQ(cadre_spawn(f->sys, &prober_beh, NULL, f, &f->prober_ref), 0);
	for (int i = 0; i < T_MS && __atomic_load_n(&f->prober, __ATOMIC_ACQUIRE) == NULL; i++)
		nap_us(1000);
	CHECK(__atomic_load_n(&f->prober, __ATOMIC_ACQUIRE) != NULL);
	CHECK_EQ(cadre_supervisor_start(f->sys, &empty_sup, &f->sup, NULL, T_MS), 0);
	CHECK_EQ(cadre_supervisor_start(f->sys, &sofo_sup, &f->sofo, NULL, T_MS), 0);
	CHECK_EQ(cadre_router_spawn(f->sys, &empty_group, &f->router), 0);

	f->closed = new_system(1);
	CHECK_EQ(cadre_spawn(f->closed, &sink_beh, NULL, NULL, &f->closed_ref), 0);
	CHECK_EQ(cadre_register(f->closed, "contract", f->closed_ref), 0);
	CHECK_EQ(cadre_send_after(f->closed, f->closed_ref, M_DATA, NULL, 0, CADRE_FOREVER,
	                          &f->armed_c),
	         0);
	CHECK_EQ(cadre_system_shutdown(f->closed, CADRE_FOREVER), 0);
}

static void
fx_end(struct fx *f)
{
	/* The calls left sys working: the sink still takes mail. */
	CHECK_EQ(cadre_send(f->sys, f->live, M_DATA, NULL, 0), 0);
	/* cadre_mail_drop after shutdown: 0, its messages dead letters. */
	cadre_mail *m = take_mail(f, 2);
	CHECK_EQ(cadre_system_shutdown(f->sys, CADRE_FOREVER), 0);
	cadre_stats st = stats_of(f->sys);
	CHECK_EQ(st.sent, st.handled + st.dead_letters + 2); /* the bundle's */
	CHECK_EQ(cadre_mail_drop(f->sys, m), 0);
	uint64_t dead = st.dead_letters;
	st = stats_of(f->sys);
	CHECK_EQ(st.dead_letters, dead + 2);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	cadre_system_free(f->sys);
	cadre_system_free(f->other);
	cadre_system_free(f->closed); /* cadre_system_free after cadre_system_shutdown */
}

/* What a stale or foreign ref does beyond the table: a timer to it is
 * never counted; as a child of a SIMPLE_ONE_FOR_ONE supervisor it is none
 * of its children (CADRE_ENOENT); as a routee it is accepted by a group
 * (the control message is sent) and dropped at once (its monitor's DOWN
 * is NOPROC): the router has no routee afterwards. */
static void
second_refs(struct fx *f)
{
	const cadre_ref bad[2] = {f->stale, f->foreign};
	/* A timer to a stale or foreign ref is armed, then cancelled when it
	 * fires: its message is never sent, nor counted (cadre/timer.h). */
	await_no_timers(f->sys);
	cadre_stats st0 = stats_of(f->sys);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(cadre_send_after(f->sys, bad[i], M_DATA, NULL, 0, CADRE_NOWAIT, NULL), 0);
	await_no_timers(f->sys);
	cadre_stats st1 = stats_of(f->sys);
	CHECK_EQ(st1.sent, st0.sent);
	CHECK_EQ(st1.dead_letters, st0.dead_letters);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(cadre_supervisor_terminate_child(f->sys, f->sofo, NULL, bad[i], T_MS),
		         CADRE_ENOENT);
		CHECK_EQ(cadre_router_add(f->sys, f->router, bad[i]), 0);
		cadre_router_stats st;
		size_t n = 1;
		CHECK_EQ(cadre_router_query(f->sys, f->router, &st, NULL, 0, &n, T_MS), 0);
		CHECK_EQ(n, 0);
		CHECK_EQ(st.routees, 0);
		CHECK_EQ(cadre_router_remove(f->sys, f->router, bad[i]), 0);
	}
}

/* ---- the table's runner ------------------------------------------------------------ */

#define NA INT_MIN /* the variant does not apply */

/* F_ACTOR: the calls run in the prober's callback (but "outside"); F_SIG_*:
 * the stale and foreign calls bring the prober an EXIT / a DOWN, NOPROC. */
enum { F_ACTOR = 1, F_SIG_EXIT = 2, F_SIG_DOWN = 4 };

struct row {
	const char *name; /* without cadre_ */
	int (*call)(struct fx *f, cadre_actor *self, int v);
	unsigned flags;
	int want[NV]; /* per variant: a code, a getter's 0 (zero value) or 1, or NA */
};

static const struct row *table;

static int
run_row(struct fx *f, cadre_actor *self, int row, int v)
{
	return table[row].call(f, self, v);
}

/* Runs one row's call in variant v where it belongs; the number of
 * mismatches (printed). */
static int
check_one(struct fx *f, int i, int v)
{
	const struct row *r = &table[i];
	long sigs = __atomic_load_n(&f->sigs, __ATOMIC_ACQUIRE);
	int got;
	if (v == V_WORKER || (r->flags & F_ACTOR && v != V_OUTSIDE))
		got = in_prober(f, i, v);
	else
		got = r->call(f, v == V_OUTSIDE ? f->prober : NULL, v);
	int bad = got != r->want[v];
	if (!bad && (v == V_STALE || v == V_FOREIGN) && r->flags & (F_SIG_EXIT | F_SIG_DOWN)) {
		uint32_t type = r->flags & F_SIG_EXIT ? CADRE_MSG_EXIT : CADRE_MSG_DOWN;
		if (!await_signal(f, sigs + 1, type, v == V_STALE ? f->stale : f->foreign)) {
			fprintf(stderr, "MISMATCH cadre_%s %s: no %s NOPROC from the ref\n",
			        r->name, vname[v], type == CADRE_MSG_EXIT ? "EXIT" : "DOWN");
			return 1;
		}
	}
	if (bad)
		fprintf(stderr, "MISMATCH cadre_%s %s: got %d (%s), want %d (%s)\n", r->name,
		        vname[v], got, cadre_err_name(got), r->want[v], cadre_err_name(r->want[v]));
	return bad;
}

/* Runs every row (or only the one named, with or without cadre_); fails
 * if any call disagreed with its row. */
static int
contract_main(const struct row *rows, int nrows, const char *only)
{
	static struct fx f;
	table = rows;
	fx_begin(&f);
	f.run = run_row;
	int bad = 0, calls = 0;
	for (int i = 0; i < nrows; i++) {
		if (only != NULL &&
		    strcmp(only + (strncmp(only, "cadre_", 6) == 0 ? 6 : 0), rows[i].name) != 0)
			continue;
		for (int v = 0; v < NV; v++) {
			if (rows[i].want[v] == NA)
				continue;
			bad += check_one(&f, i, v);
			calls++;
		}
	}
	if (only == NULL)
		second_refs(&f);
	fx_end(&f);
	fprintf(stderr, "%d rows, %d calls, %d mismatches\n", nrows, calls, bad);
	CHECK_EQ(bad, 0);
	return 0;
}

/* ---- helpers of test_api_contract.c's call wrappers ---------------------------------- */
static cadre_mailbox *
mb(void)
{
	static cadre_mailbox *m;
	if (m == NULL)
		CHECK_EQ(cadre_mailbox_new(&m, 4), 0);
	return m;
}
/* plain: an empty name, or one of CADRE_NAME_MAX + 1 bytes */
static const char *
too_long(void)
{
	static char name[CADRE_NAME_MAX + 2];
	memset(name, 'x', CADRE_NAME_MAX + 1);
	return name;
}
static int
count_actor(void *ctx, const cadre_actor_info *info)
{
	(void)ctx, (void)info;
	return 0;
}
/* cadre/node.h: what the calls write, and a serializer. */
static struct {
	char buf[CADRE_NODE_NAME_MAX + 1];
	char names[2][CADRE_NODE_NAME_MAX + 1];
	uint32_t inc;
	uint64_t req;
	cadre_ref ref;
	cadre_node_stats st;
	cadre_node_event ev;
	cadre_node_reply rep;
} nd;
static long
contract_ser(void *ctx, uint32_t type, const void *data, size_t size, void *out, size_t cap)
{
	(void)ctx, (void)type, (void)data, (void)out, (void)cap;
	return (long)size;
}

#endif /* CADRE_TEST_CONTRACT_FIXTURE_H */
