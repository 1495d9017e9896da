/* The public API's contract, table-driven: every function declared
 * CADRE_API in the installed headers (cadre/error.h, mailbox.h, actor.h,
 * behave.h, links.h, log.h, registry.h, timer.h, io.h, stats.h, node.h, ask.h, router.h,
 * supervisor.h) is called with each required pointer argument NULL, with a
 * stale ref, with a ref of another system, after its system's shutdown,
 * from outside any callback (functions taking `self`), on a worker
 * (blocking functions) and with out-of-range input, wherever that applies,
 * and must return exactly what its header documents. Getters that cannot
 * fail return their zero value (their wrappers answer 0 for it, 1
 * otherwise). .ci/check-contract fails if a CADRE_API function has no row.
 *
 * Each row: the function, flags, then the wanted result for each variant
 * (contract_fixture.h: NULL#1, NULL#2, NULL#3, stale, foreign, closed,
 * outside, worker, plain); NA where the variant does not apply. "worker"
 * runs inside the prober's callback; so does every variant of a row with
 * F_ACTOR but "outside" (the prober's pointer, from the test thread).
 * Every mismatch is printed, then the test fails. `test_api_contract
 * cadre_send` runs one row. */
#include <fcntl.h>
#include <signal.h>

#include "contract_fixture.h"

#define FX struct fx *f, cadre_actor *self, int v
/* A call wrapper that is one expression. */
#define CALL(name, expr)                      \
	static int c_##name(FX)               \
	{                                     \
		(void)f, (void)self, (void)v; \
		return (expr);                \
	}
#define SYS (v == V_NULL1 ? NULL : v == V_CLOSED ? f->closed : f->sys)
#define REFX(x)                           \
	(v == V_STALE     ? f->stale      \
	 : v == V_FOREIGN ? f->foreign    \
	 : v == V_CLOSED  ? f->closed_ref \
	                  : (x))
#define REF REFX(f->live)
#define SELF (v == V_NULL1 ? NULL : self)
#define NUL(k, p) (v == (k) ? NULL : (p)) /* p, but NULL in variant k */
#define NZ(x) ((x) ? 1 : 0)               /* a getter: 0 for its zero value */
#define TMO (v == V_PLAIN ? -5 : T_MS)    /* plain: a negative timeout, not CADRE_FOREVER */
#define EINV CADRE_EINVAL
#define NOACT CADRE_ENOACTOR
#define CLOSED CADRE_ECLOSED
#define ESTATE CADRE_ESTATE
#define WBLOCK CADRE_EWOULDBLOCK
#define NOENT CADRE_ENOENT

static const cadre_exit normal_exit = {CADRE_EXIT_NORMAL, 0, NULL};
static const cadre_msg plain_msg = {.type = M_DATA};
static const uint32_t reserved_type = 0xFFFF0000u;
static cadre_mb_node nodes[2] __attribute__((aligned(8)));
static void
ignore_response(cadre_actor *self, void *ctx, const cadre_response *r)
{
	(void)self, (void)ctx, (void)r;
}

/* ---- cadre/error.h ------------------------------------------------------------------- */
CALL(strerror, strcmp(cadre_strerror(1), "unknown error") |
                       strcmp(cadre_strerror(-99), "unknown error") |
                       strcmp(cadre_strerror(INT_MIN), "unknown error"))
CALL(err_name,
     strcmp(cadre_err_name(1), "CADRE_UNKNOWN") | strcmp(cadre_err_name(-99), "CADRE_UNKNOWN"))

/* ---- cadre/mailbox.h ------------------------------------------------------------------ */
CALL(mailbox_new, cadre_mailbox_new(NULL, 0))
static int
c_mailbox_free(FX)
{
	(void)f, (void)self, (void)v;
	cadre_mailbox_free(NULL);
	return 0;
}
CALL(mailbox_push, cadre_mailbox_push(NUL(V_NULL1, mb()), NUL(V_NULL2, &nodes[0]),
                                      v == V_PLAIN ? (cadre_lane)7 : CADRE_LANE_NORMAL))
static int
c_mailbox_push_chain(FX)
{
	(void)f, (void)self;
	nodes[0].next = &nodes[1];
	return cadre_mailbox_push_chain(NUL(V_NULL1, mb()), NUL(V_NULL2, &nodes[0]),
	                                NUL(V_NULL3, &nodes[1]), 2);
}
CALL(mailbox_pop, NZ(cadre_mailbox_pop(NULL, NULL)))
static int
c_mailbox_pop_batch(FX)
{
	(void)f, (void)self;
	cadre_mb_node *out[1];
	return cadre_mailbox_pop_batch(NUL(V_NULL1, mb()), NUL(V_NULL2, out),
	                               v == V_PLAIN ? -1 : 1);
}
CALL(mailbox_mark_idle, cadre_mailbox_mark_idle(NULL))
CALL(mailbox_count, NZ(cadre_mailbox_count(NULL)))
CALL(mailbox_capacity, NZ(cadre_mailbox_capacity(NULL)))

/* ---- cadre/actor.h -------------------------------------------------------------------- */
static int
c_system_new(FX)
{
	(void)f, (void)self;
	cadre_system *s = NULL;
	cadre_config bad = {.shutdown_timeout = -5};
	int rc = cadre_system_new(NUL(V_NULL1, &s), v == V_PLAIN ? &bad : NULL);
	cadre_system_free(s);
	return rc;
}
CALL(system_shutdown, cadre_system_shutdown(SYS, v == V_PLAIN ? -5 : CADRE_FOREVER))
static int
c_system_free(FX)
{
	(void)f, (void)self, (void)v;
	cadre_system_free(NULL);
	return 0;
}
CALL(system_await_stopped, cadre_system_await_stopped(SYS, v == V_PLAIN ? -5 : CADRE_NOWAIT))
CALL(is_worker_thread, NZ(cadre_is_worker_thread()))
CALL(system_workers, (int)cadre_system_workers(SYS))
static int
c_system_worker_cpu(FX)
{
	(void)self; /* the fixture's systems do not pin: CADRE_ENOENT */
	return cadre_system_worker_cpu(SYS, v == V_PLAIN ? 99 : 0);
}
static int
c_system_stats(FX)
{
	(void)self;
	cadre_stats st;
	return cadre_system_stats(SYS, v == V_PLAIN ? 99 : -1, NUL(V_NULL2, &st));
}
static int
c_spawn(FX)
{
	(void)self;
	static const cadre_behaviour tiny = {.size = sizeof(cadre_actor) - 1,
	                                     .receive = noop_receive};
	/* outside: CADRE_SPAWN_LINK needs an actor as the spawner */
	cadre_spawn_opts link = {.flags = CADRE_SPAWN_LINK};
	cadre_ref r;
	return cadre_spawn(SYS, v == V_PLAIN ? &tiny : NUL(V_NULL2, &sink_beh),
	                   v == V_OUTSIDE ? &link : NULL, NULL, NUL(V_NULL3, &r));
}
CALL(send, cadre_send(SYS, REF, v == V_PLAIN ? reserved_type : M_DATA, NUL(V_NULL2, "x"), 1))
CALL(send_move, cadre_send_move(SYS, REF, v == V_PLAIN ? reserved_type : M_DATA, NULL,
                                v == V_NULL2 ? 1 : 0, NULL))
CALL(stop_ref, cadre_stop_ref(SYS, REF))
CALL(stop, cadre_stop(SELF))
CALL(send_exit, cadre_send_exit(SYS, REF, NUL(V_NULL2, &normal_exit)))
CALL(kill, cadre_kill(SYS, REF))
static int
c_fail(FX)
{
	(void)f;
	return cadre_fail(SELF, v == V_PLAIN ? 0 : 1, NULL); /* plain: code 0 */
}
CALL(stop_with, cadre_stop_with(SELF, NUL(V_NULL2, &normal_exit)))
CALL(ignore, cadre_ignore(SELF))
CALL(self, NZ(!cadre_ref_is_none(cadre_self(SELF))))
CALL(actor_system, NZ(cadre_actor_system(SELF) != NULL))
CALL(actor_behaviour, NZ(cadre_actor_behaviour(SELF) != NULL))

/* the reply goes to msg->sender: REF; a stale or foreign one is a dead letter */
static int
c_respond(FX)
{
	cadre_msg m = {.type = M_DATA, .sender = REF};
	return cadre_respond(SELF, NUL(V_NULL2, &m), v == V_PLAIN ? reserved_type : M_DATA,
	                     NUL(V_NULL3, "x"), 1);
}
CALL(system_await_quiescent, cadre_system_await_quiescent(SYS, v == V_PLAIN ? -5 : CADRE_NOWAIT))

/* plain: with buf NULL and size 0, the length of "normal" */
static int
c_exit_format(FX)
{
	(void)f, (void)self;
	char buf[8];
	return cadre_exit_format(NUL(V_NULL1, &normal_exit), v == V_NULL2 ? NULL : buf,
	                         v == V_PLAIN ? 0 : sizeof buf);
}

/* ---- cadre/behave.h ------------------------------------------------------------------- */
CALL(become, cadre_become(SELF, v == V_PLAIN ? &sink_beh : NUL(V_NULL2, &prober_beh), false))
CALL(unbecome, cadre_unbecome(SELF))
CALL(stash, cadre_stash(SELF, NUL(V_NULL2, f->req != NULL ? f->req : &plain_msg)))
CALL(unstash_all, cadre_unstash_all(SELF))
CALL(stash_size, NZ(cadre_stash_size(SELF)))

/* ---- cadre/links.h -------------------------------------------------------------------- */
CALL(link, cadre_link(SELF, REF))
CALL(unlink, cadre_unlink(SELF, REF))
CALL(trap_exits, cadre_trap_exits(SELF, true))
CALL(trap_stop, cadre_trap_stop(SELF, false))
static int
c_monitor(FX)
{
	uint64_t m = 0;
	int rc = cadre_monitor(SELF, REF, NUL(V_NULL2, &m));
	if (rc == 0)
		f->mon = m;
	return rc;
}
CALL(demonitor, cadre_demonitor(SELF, v == V_PLAIN ? 0 : f->mon))
CALL(started_later, cadre_started_later(SELF))
CALL(started, cadre_started(SELF))
CALL(parent, NZ(!cadre_ref_is_none(cadre_parent(SELF))))
static int
c_mail_claim(FX)
{
	(void)f;
	static const cadre_exit_msg x = {.reason = {CADRE_EXIT_NORMAL, 0, NULL}};
	return NZ(cadre_mail_claim(SELF, NUL(V_NULL2, &x)) != NULL);
}
/* plain: real bundles (the prober's leaver's leftovers) */
static int
c_mail_count(FX)
{
	(void)self;
	cadre_mail *m = v == V_PLAIN ? take_mail(f, 3) : NULL;
	int n = (int)cadre_mail_count(m);
	if (m != NULL)
		CHECK_EQ(cadre_mail_drop(f->sys, m), 0);
	return n;
}
static int
c_mail_drop(FX)
{
	(void)self;
	cadre_mail *m = v == V_NULL2 ? NULL : take_mail(f, 1);
	int rc = cadre_mail_drop(v == V_FOREIGN ? f->other : SYS, m); /* foreign: sys's in other */
	if (rc != 0 && m != NULL)
		CHECK_EQ(cadre_mail_drop(f->sys, m), 0); /* still the caller's */
	return rc;
}

/* ---- cadre/log.h ---------------------------------------------------------------------- */
/* plain: an unknown kind; closed and worker: an INFO event (the default
 * printer writes none) */
static const cadre_log_event info_event = {.kind = CADRE_LOG_CHILD_RESTARTED,
                                           .level = CADRE_LOG_LEVEL_INFO};
static const cadre_log_event bad_event = {.kind = (cadre_log_kind)99};
CALL(system_log, cadre_system_log(SYS, v == V_PLAIN ? &bad_event : NUL(V_NULL2, &info_event)))
static int
c_log_format(FX)
{
	(void)f, (void)self;
	char buf[8];
	return cadre_log_format(v == V_PLAIN ? &bad_event : NUL(V_NULL1, &info_event),
	                        v == V_NULL2 ? NULL : buf, sizeof buf);
}

/* ---- cadre/registry.h ----------------------------------------------------------------- */
CALL(register, cadre_register(SYS, v == V_PLAIN ? "" : NUL(V_NULL2, "contract"), REF))
CALL(unregister, cadre_unregister(SYS, v == V_PLAIN ? too_long() : NUL(V_NULL2, "contract")))
static int
c_whereis(FX)
{
	(void)self;
	cadre_ref r;
	return cadre_whereis(SYS, v == V_PLAIN ? "" : NUL(V_NULL2, "contract"), NUL(V_NULL3, &r));
}

/* ---- cadre/node.h: the fixture's systems are not nodes (ESTATE) ---------------------- */
CALL(node_connect, cadre_node_connect(SYS, NUL(V_NULL2, "ipc:///tmp/contract"), NULL))
CALL(node_self, cadre_node_self(SYS, NUL(V_NULL2, nd.buf), sizeof nd.buf, NUL(V_NULL3, &nd.inc)))
CALL(node_of, cadre_node_of(SYS, REF, NUL(V_NULL2, nd.buf), sizeof nd.buf))
CALL(node_list, cadre_node_list(SYS, NUL(V_NULL2, nd.names), 2))
CALL(node_monitor, cadre_node_monitor(SELF, true))
CALL(node_behaviour, cadre_node_behaviour(SYS, NUL(V_NULL2, "ct"), NUL(V_NULL3, &leaver_beh)))
CALL(spawn_on, cadre_spawn_on(SELF, NUL(V_NULL2, "n"), NUL(V_NULL3, "b"), NULL, 0, 0, 9, &nd.req))
CALL(whereis_on, cadre_whereis_on(SELF, NUL(V_NULL2, "n"), NUL(V_NULL3, "x"), 9, &nd.req))
CALL(whereis_wait, cadre_whereis_wait(SYS, NUL(V_NULL2, "n"), NUL(V_NULL3, "x"), 9, &nd.ref))
CALL(node_wait, cadre_node_wait(SYS, NUL(V_NULL2, "n"), 10))
CALL(node_serializer,
     cadre_node_serializer(SYS, v == V_PLAIN ? reserved_type : 3, NUL(V_NULL2, contract_ser), NULL))
CALL(node_stats_get, cadre_node_stats_get(SYS, NUL(V_NULL2, &nd.st)))
CALL(node_event_read, cadre_node_event_read(NUL(V_NULL1, &plain_msg), NUL(V_NULL2, &nd.ev)))
CALL(node_reply_read, cadre_node_reply_read(NUL(V_NULL1, &plain_msg), NUL(V_NULL2, &nd.rep)))

/* ---- cadre/stats.h -------------------------------------------------------------------- */
CALL(system_has_actor_stats, NZ(cadre_system_has_actor_stats(SYS)))
static int
c_system_each_actor(FX)
{
	(void)self;
	int rc = cadre_system_each_actor(SYS, NUL(V_NULL2, count_actor), NULL);
	return rc < 0 ? rc : 0; /* a count: >= 0 */
}
static int
c_system_actors(FX)
{
	(void)self;
	cadre_actor_info buf[2];
	int rc = cadre_system_actors(SYS, v == V_PLAIN ? NULL : NUL(V_NULL2, buf),
	                             v == V_PLAIN ? 0 : 2);
	return rc < 0 ? rc : 0; /* a count: >= 0 */
}
static int
c_actor_stats(FX)
{
	(void)self;
	cadre_actor_info in;
	return cadre_actor_stats(SYS, REF, NUL(V_NULL3, &in));
}

/* ---- cadre/timer.h -------------------------------------------------------------------- */
CALL(send_after, cadre_send_after(SYS, REF, M_DATA, NUL(V_NULL2, "x"), 1,
                                  v == V_PLAIN ? -5 : CADRE_NOWAIT, NULL))
static int
c_send_interval(FX)
{
	(void)self;
	cadre_timer t;
	int rc = cadre_send_interval(SYS, REF, M_DATA, NUL(V_NULL2, "x"), 1, v == V_PLAIN ? 0 : 1,
	                             &t);
	if (rc == 0 && v != V_STALE && v != V_FOREIGN)
		cadre_timer_cancel(SYS, t);
	return rc;
}
static int
c_timer_cancel(FX)
{
	(void)self;
	cadre_timer t = v == V_STALE    ? f->fired
	                : v == V_CLOSED ? f->armed_c
	                                : (cadre_timer){UINT32_MAX, 1};
	return cadre_timer_cancel(SYS, t);
}
CALL(timers_pending, NZ(cadre_timers_pending(SYS)))

/* ---- cadre/sim.h: the fixture's systems run on threads ---------------------------------- */
CALL(system_now_ms, NZ(cadre_system_now_ms(SYS)))
CALL(sim_seed, NZ(cadre_sim_seed(SYS)))
CALL(sim_hash, NZ(cadre_sim_hash(SYS)))
CALL(sim_step, cadre_sim_step(SYS))
CALL(sim_run, cadre_sim_run(SYS, v == V_PLAIN ? -5 : CADRE_NOWAIT))
static int
passing_scenario(uint64_t seed, void *ctx)
{
	(void)seed, (void)ctx;
	return 0;
}
CALL(sim_check, cadre_sim_check(NUL(V_NULL1, passing_scenario), NULL, 1, 1, NULL))

/* ---- cadre/io.h ----------------------------------------------------------------------- */
static int
c_io_event_read(FX)
{
	(void)f, (void)self;
	cadre_io_event ev;
	return cadre_io_event_read(NUL(V_NULL1, &plain_msg),
	                           NUL(V_NULL2, &ev)); /* plain: not I/O */
}
static int
c_io_watch(FX)
{
	(void)f;
	cadre_io h;
	int fd = 4000; /* plain: an fd that is not open */
	while (fcntl(fd, F_GETFD) >= 0)
		fd++;
	return cadre_io_watch(SELF, fd, CADRE_IO_IN, NUL(V_NULL2, &h));
}
#define IOH (v == V_STALE ? (cadre_io){1, 3} : (cadre_io){0, 0}) /* plain: never a handle */
CALL(io_unwatch, cadre_io_unwatch(SELF, IOH))
static int
c_tcp_listen(FX)
{
	(void)f;
	cadre_io h;
	return cadre_tcp_listen(SELF, NUL(V_NULL2, v == V_PLAIN ? "garbage" : "127.0.0.1:0"), NULL,
	                        NUL(V_NULL3, &h));
}
static int
c_tcp_connect(FX)
{
	(void)f;
	cadre_io h;
	return cadre_tcp_connect(SELF, NUL(V_NULL2, v == V_PLAIN ? "garbage" : "127.0.0.1:1"), NULL,
	                         NUL(V_NULL3, &h));
}
CALL(io_write, cadre_io_write(SELF, IOH, NUL(V_NULL2, "x"), 1))
CALL(io_shutdown_write, cadre_io_shutdown_write(SELF, IOH))
CALL(io_close, cadre_io_close(SELF, IOH))
CALL(io_handoff, cadre_io_handoff(SELF, IOH, f->live))
static int
c_io_local_addr(FX)
{
	(void)self;
	char buf[108];
	return cadre_io_local_addr(SYS, IOH, NUL(V_NULL2, buf), sizeof buf);
}
static int
c_udp_open(FX)
{
	(void)f;
	cadre_io h;
	return cadre_udp_open(SELF, NUL(V_NULL2, v == V_PLAIN ? "garbage" : "127.0.0.1:0"),
	                      NUL(V_NULL3, &h));
}
CALL(udp_send, cadre_udp_send(SELF, IOH, NUL(V_NULL2, "127.0.0.1:9"), NUL(V_NULL3, "x"), 1))
/* ---- cadre/io.h: signals and regular files ------------------------------------------- */
/* plain: a signal that cannot be caught; unsubscribe: one not subscribed to. */
CALL(signal_subscribe, cadre_signal_subscribe(SELF, v == V_PLAIN ? SIGKILL : SIGUSR2))
CALL(signal_unsubscribe, cadre_signal_unsubscribe(SELF, SIGUSR2))
/* plain: an fd that is not open. */
CALL(file_read, cadre_file_read(SELF, v == V_PLAIN ? -1 : 0, 0, 1, NULL))
CALL(file_write, cadre_file_write(SELF, v == V_PLAIN ? -1 : 0, 0, NUL(V_NULL2, "x"), 1, NULL))

/* ---- cadre/ask.h ---------------------------------------------------------------------- */
static int
c_asker_init(FX)
{
	(void)f, (void)self;
	cadre_asker a;
	return cadre_asker_init(NUL(V_NULL1, &a));
}
static int
c_asker_fini(FX)
{
	(void)f;
	cadre_asker a;
	CHECK_EQ(cadre_asker_init(&a), 0);
	return cadre_asker_fini(SELF, NUL(V_NULL2, &a));
}
static int
c_ask(FX)
{
	cadre_asker local = {0};
	cadre_asker *a = v == V_OUTSIDE ? &local : f->asker;
	return cadre_ask(SELF, NUL(V_NULL2, a), REF, v == V_PLAIN ? reserved_type : M_DATA,
	                 NUL(V_NULL3, "x"), 1, 1000, NULL);
}
static int
c_ask_cb(FX)
{
	cadre_asker local = {0};
	cadre_asker *a = v == V_OUTSIDE ? &local : f->asker;
	return cadre_ask_cb(SELF, NUL(V_NULL2, a), REF, M_DATA, "x", 1, 1000,
	                    NUL(V_NULL3, ignore_response), NULL, NULL);
}
CALL(ask_dispatch, cadre_ask_dispatch(SELF, NUL(V_NULL2, f->asker), NUL(V_NULL3, f->req)))
CALL(ask_cancel, cadre_ask_cancel(SELF, NUL(V_NULL2, f->asker), UINT64_MAX))
static int
c_reply_read(FX)
{
	(void)self;
	cadre_response r;
	return cadre_reply_read(NUL(V_NULL1, f->req), NUL(V_NULL2, &r));
}
static int
c_asker_stats(FX)
{
	(void)f, (void)self;
	cadre_asker a = {0};
	cadre_ask_stats st;
	return cadre_asker_stats(NUL(V_NULL1, &a), NUL(V_NULL2, &st));
}
CALL(ask_global_stats, cadre_ask_global_stats(NULL))
static int
c_ask_request(FX)
{
	(void)f, (void)self;
	cadre_request r;
	return cadre_ask_request(NUL(V_NULL1, &plain_msg), NUL(V_NULL2, &r));
}
static int
c_reply(FX)
{
	(void)self;
	cadre_reply_to to = {.to = REF, .id = 1};
	return cadre_reply(SYS, NUL(V_NULL2, &to), M_DATA, "x", 1);
}
CALL(forward, cadre_forward(SYS, REF, v == V_PLAIN ? &plain_msg : NUL(V_NULL2, f->req)))
static int
c_ask_wait(FX)
{
	(void)self;
	char buf[8];
	return cadre_ask_wait(SYS, REF, M_DATA, NUL(V_NULL2, "x"), 1, v == V_PLAIN ? -5 : 1000, buf,
	                      sizeof buf, NULL, NULL);
}

/* plain: n 0 */
static int
c_ask_gather(FX)
{
	cadre_asker local = {0};
	cadre_ref to = REF;
	return cadre_ask_gather(SELF, NUL(V_NULL2, v == V_OUTSIDE ? &local : f->asker),
	                        NUL(V_NULL3, &to), v == V_PLAIN ? 0 : 1, M_DATA, NULL, 0,
	                        CADRE_GATHER_ALL, 0, 1000, NULL, NULL, NULL);
}
/* plain: QUORUM with quorum 0 */
static int
c_ask_gather_wait(FX)
{
	(void)self;
	cadre_ref to = REF;
	cadre_gather *g = NULL;
	int rc = cadre_ask_gather_wait(SYS, NUL(V_NULL3, &to), 1, M_DATA, NULL, 0,
	                               v == V_PLAIN ? CADRE_GATHER_QUORUM : CADRE_GATHER_ALL, 0,
	                               1000, NUL(V_NULL2, &g));
	cadre_gather_free(g);
	return rc;
}
CALL(gather_free, (cadre_gather_free(NULL), 0))
static int
c_gather_read(FX)
{
	(void)f, (void)self;
	cadre_gather g;
	return cadre_gather_read(v == V_PLAIN ? &plain_msg : NUL(V_NULL1, &plain_msg),
	                         NUL(V_NULL2, &g));
}

/* ---- cadre/router.h ------------------------------------------------------------------- */
CALL(router_behaviour, NZ(cadre_router_behaviour() != NULL))
static int
c_router_spawn(FX)
{
	(void)self;
	cadre_ref r;
	return cadre_router_spawn(SYS, NUL(V_NULL2, &empty_group), NUL(V_NULL3, &r));
}
CALL(router_resize, cadre_router_resize(SYS, REFX(f->router), 1))
CALL(router_add, cadre_router_add(SYS, REFX(f->router), f->live))
CALL(router_remove, cadre_router_remove(SYS, REFX(f->router), f->live))
static int
c_router_query(FX)
{
	(void)self;
	cadre_router_stats st;
	return cadre_router_query(SYS, REFX(f->router), &st, NULL, v == V_NULL2 ? 1 : 0, NULL,
	                          T_MS);
}
static int
c_route_unwrap(FX)
{
	(void)f, (void)self;
	cadre_msg out;
	return cadre_route_unwrap(NUL(V_NULL1, &plain_msg), NUL(V_NULL2, &out));
}
CALL(route_is_routed, NZ(cadre_route_is_routed(NULL)))
static int
c_route_hash(FX)
{
	(void)f, (void)self, (void)v;
	/* A NULL key hashes as the empty key, whatever the size. */
	uint64_t empty = cadre_route_hash("", 0);
	return NZ(cadre_route_hash(NULL, 0) != empty || cadre_route_hash(NULL, 16) != empty);
}

/* ---- cadre/supervisor.h --------------------------------------------------------------- */
static const cadre_child_spec child = {.id = "c", .beh = &sink_beh, .restart = CADRE_TEMPORARY};
CALL(supervisor_behaviour, NZ(cadre_supervisor_behaviour() != NULL))
/* plain: SIMPLE_ONE_FOR_ONE without its child; a refused spec has a reason */
static int
c_supervisor_check(FX)
{
	(void)f, (void)self;
	static const cadre_sup_spec bad = {.strategy = CADRE_SIMPLE_ONE_FOR_ONE};
	const char *why = NULL;
	int rc = cadre_supervisor_check(v == V_PLAIN ? &bad : NULL, &why);
	return rc != 0 && why == NULL ? 1 : rc;
}
static int
c_supervisor_start(FX)
{
	(void)self;
	cadre_ref r;
	return cadre_supervisor_start(SYS, NUL(V_NULL2, &empty_sup), NUL(V_NULL3, &r), NULL,
	                              v == V_PLAIN ? -5 : T_MS);
}
static int
c_supervisor_start_child(FX)
{
	(void)self;
	cadre_ref r;
	return cadre_supervisor_start_child(SYS, REFX(f->sup), NUL(V_NULL2, &child), NULL, &r, TMO);
}
CALL(supervisor_terminate_child,
     cadre_supervisor_terminate_child(SYS, REFX(f->sup), NUL(V_NULL2, "c"), CADRE_REF_NONE, TMO))
static int
c_supervisor_restart_child(FX)
{
	(void)self;
	cadre_ref r;
	return cadre_supervisor_restart_child(SYS, REFX(f->sup), NUL(V_NULL2, "c"), &r, TMO);
}
CALL(supervisor_delete_child,
     cadre_supervisor_delete_child(SYS, REFX(f->sup), NUL(V_NULL2, "c"), TMO))
CALL(supervisor_stop, cadre_supervisor_stop(SYS, REFX(f->sup), TMO))
static int
c_supervisor_which_children(FX)
{
	(void)self;
	size_t n;
	return cadre_supervisor_which_children(SYS, REFX(f->sup), NULL, v == V_NULL2 ? 1 : 0, &n,
	                                       TMO);
}
static int
c_supervisor_count_children(FX)
{
	(void)self;
	cadre_child_counts c;
	return cadre_supervisor_count_children(SYS, REFX(f->sup), NUL(V_NULL2, &c), TMO);
}

/* ---- cadre/trace.h (the fixture's systems never record: ESTATE) ------------------------ */
CALL(trace_start, cadre_trace_start(SYS, v == V_PLAIN ? CADRE_TRACE_MAX_EVENTS + 1 : 64))
CALL(trace_stop, cadre_trace_stop(SYS))
CALL(is_tracing, NZ(cadre_is_tracing(SYS)))
CALL(trace_write, cadre_trace_write(SYS, NUL(V_NULL2, "/tmp/cadre-contract-trace.json")))
CALL(trace_write_fd, cadre_trace_write_fd(SYS, v == V_PLAIN ? -1 : 2))

/* ---- the table ------------------------------------------------------------------------ */
/* Row: function, flags, then NULL#1 NULL#2 NULL#3 stale foreign closed outside worker plain. */
// clang-format off
#define R(fn, fl, n1, n2, n3, st, fo, cl, out, wk, pl) {#fn, c_##fn, fl, {n1, n2, n3, st, fo, cl, out, wk, pl}}
// clang-format on

static const struct row rows[] = {
        /* cadre/error.h: out-of-range codes */
        R(strerror, 0, NA, NA, NA, NA, NA, NA, NA, NA, 0),
        R(err_name, 0, NA, NA, NA, NA, NA, NA, NA, NA, 0),
        /* cadre/mailbox.h (no system: no stale, foreign or closed) */
        R(mailbox_new, 0, EINV, NA, NA, NA, NA, NA, NA, NA, NA),
        R(mailbox_free, 0, 0, NA, NA, NA, NA, NA, NA, NA, NA),
        R(mailbox_push, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, EINV),
        R(mailbox_push_chain, 0, EINV, EINV, EINV, NA, NA, NA, NA, NA, NA),
        R(mailbox_pop, 0, 0, NA, NA, NA, NA, NA, NA, NA, NA),
        R(mailbox_pop_batch, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, EINV),
        R(mailbox_mark_idle, 0, EINV, NA, NA, NA, NA, NA, NA, NA, NA),
        R(mailbox_count, 0, 0, NA, NA, NA, NA, NA, NA, NA, NA),
        R(mailbox_capacity, 0, 0, NA, NA, NA, NA, NA, NA, NA, NA),
        /* cadre/actor.h: systems */
        R(system_new, 0, EINV, NA, NA, NA, NA, NA, NA, NA, EINV),
        R(system_shutdown, 0, EINV, NA, NA, NA, NA, 0, NA, WBLOCK, EINV),
        R(system_free, 0, 0, NA, NA, NA, NA, NA, NA, NA, NA),
        R(system_await_stopped, 0, EINV, NA, NA, NA, NA, 0, NA, WBLOCK, EINV),
        R(is_worker_thread, 0, NA, NA, NA, NA, NA, NA, NA, 1, 0),
        R(system_workers, 0, 0, NA, NA, NA, NA, 1, NA, NA, 2),
        R(system_worker_cpu, 0, EINV, NA, NA, NA, NA, NOENT, NA, NA, EINV),
        R(system_stats, 0, EINV, EINV, NA, NA, NA, 0, NA, NA, EINV),
        /* cadre/trace.h */
        R(trace_start, 0, EINV, NA, NA, NA, NA, CLOSED, NA, NA, EINV),
        R(trace_stop, 0, EINV, NA, NA, NA, NA, ESTATE, NA, NA, ESTATE),
        R(is_tracing, 0, 0, NA, NA, NA, NA, 0, NA, NA, 0),
        R(trace_write, 0, EINV, EINV, NA, NA, NA, ESTATE, NA, NA, ESTATE),
        R(trace_write_fd, 0, EINV, NA, NA, NA, NA, ESTATE, NA, NA, CADRE_EBADF),
        /* cadre/actor.h: actors */
        R(spawn, 0, EINV, EINV, EINV, NA, NA, CLOSED, EINV, NA, EINV),
        R(send, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, NA, EINV),
        R(send_move, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, NA, EINV),
        R(stop_ref, 0, EINV, NA, NA, NOACT, NOACT, CLOSED, NA, NA, NA),
        R(stop, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, NA),
        R(send_exit, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, NA, NA),
        R(kill, 0, EINV, NA, NA, NOACT, NOACT, CLOSED, NA, NA, NA),
        R(fail, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, EINV),
        R(stop_with, F_ACTOR, EINV, EINV, NA, NA, NA, NA, ESTATE, NA, NA),
        R(ignore, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, NA),
        R(self, F_ACTOR, 0, NA, NA, NA, NA, NA, 0, NA, 1),
        R(actor_system, F_ACTOR, 0, NA, NA, NA, NA, NA, 0, NA, 1),
        R(actor_behaviour, F_ACTOR, 0, NA, NA, NA, NA, NA, 0, NA, 1),
        R(respond, F_ACTOR, EINV, EINV, EINV, 0, 0, NA, ESTATE, NA, EINV),
        R(system_await_quiescent, 0, EINV, NA, NA, NA, NA, 0, NA, WBLOCK, EINV),
        R(exit_format, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, 6),
        /* cadre/behave.h */
        R(become, F_ACTOR, EINV, EINV, NA, NA, NA, NA, ESTATE, NA, EINV),
        R(unbecome, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, NOENT),
        R(stash, F_ACTOR, EINV, EINV, NA, NA, NA, NA, ESTATE, NA, NA),
        R(unstash_all, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, 0),
        R(stash_size, F_ACTOR, 0, NA, NA, NA, NA, NA, 0, NA, 0),
        /* cadre/links.h: a stale or foreign partner does not exist: NOPROC */
        R(link, F_ACTOR | F_SIG_EXIT, EINV, NA, NA, 0, 0, NA, ESTATE, NA, NA),
        R(unlink, F_ACTOR, EINV, NA, NA, 0, 0, NA, ESTATE, NA, NA),
        R(trap_exits, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, 0),
        R(trap_stop, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, 0),
        R(monitor, F_ACTOR | F_SIG_DOWN, EINV, EINV, NA, 0, 0, NA, ESTATE, NA, NA),
        R(demonitor, F_ACTOR, EINV, NA, NA, NOENT, NA, NA, ESTATE, NA, NOENT),
        R(started_later, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, ESTATE),
        R(started, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, NA),
        R(parent, F_ACTOR, 0, NA, NA, NA, NA, NA, 0, NA, 0),
        R(mail_claim, F_ACTOR, 0, 0, NA, NA, NA, NA, 0, NA, 0),
        R(mail_count, 0, 0, NA, NA, NA, NA, NA, NA, NA, 3),
        /* mail_drop after shutdown: in fx_end, on a bundle of sys */
        R(mail_drop, 0, EINV, EINV, NA, NA, EINV, NA, NA, NA, 0),
        /* cadre/log.h */
        R(system_log, 0, EINV, EINV, NA, NA, NA, 0, NA, 0, EINV),
        R(log_format, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, EINV),
        /* cadre/registry.h: after shutdown every name is gone */
        R(register, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, NA, EINV),
        R(unregister, 0, EINV, EINV, NA, NA, NA, NOENT, NA, NA, EINV),
        R(whereis, 0, EINV, EINV, EINV, NA, NA, NOENT, NA, NA, EINV),
        /* cadre/node.h: the fixture's systems are not nodes: ESTATE */
        R(node_connect, 0, EINV, EINV, NA, NA, NA, ESTATE, NA, NA, ESTATE),
        R(node_self, 0, EINV, EINV, EINV, NA, NA, ESTATE, NA, NA, ESTATE),
        R(node_of, 0, EINV, EINV, NA, 0, 0, 0, NA, NA, 0),
        R(node_list, 0, EINV, EINV, NA, NA, NA, ESTATE, NA, NA, ESTATE),
        R(node_monitor, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, ESTATE),
        R(node_behaviour, 0, EINV, EINV, EINV, NA, NA, ESTATE, NA, NA, ESTATE),
        R(spawn_on, F_ACTOR, EINV, EINV, EINV, NA, NA, NA, ESTATE, NA, ESTATE),
        R(whereis_on, F_ACTOR, EINV, EINV, EINV, NA, NA, NA, ESTATE, NA, ESTATE),
        R(whereis_wait, 0, EINV, EINV, EINV, NA, NA, ESTATE, NA, ESTATE, ESTATE),
        R(node_wait, 0, EINV, EINV, NA, NA, NA, ESTATE, NA, ESTATE, ESTATE),
        R(node_serializer, 0, EINV, EINV, NA, NA, NA, ESTATE, NA, NA, EINV),
        R(node_stats_get, 0, EINV, EINV, NA, NA, NA, ESTATE, NA, NA, ESTATE),
        R(node_event_read, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, EINV),
        R(node_reply_read, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, EINV),
        /* cadre/stats.h: walks answer a count (0 here: >= 0); the fixture's
         * systems keep no per-actor counters */
        R(system_has_actor_stats, 0, 0, NA, NA, NA, NA, 0, NA, 0, 0),
        R(system_each_actor, 0, EINV, EINV, NA, NA, NA, CLOSED, NA, 0, 0),
        R(system_actors, 0, EINV, EINV, NA, NA, NA, CLOSED, NA, 0, 0),
        R(actor_stats, 0, EINV, NA, EINV, NOACT, NOACT, CLOSED, NA, 0, NA),
        /* cadre/timer.h: a timer to a stopped actor is armed, then cancelled. A
         * timer handle names no system: a foreign one cannot be told apart. */
        R(send_after, 0, EINV, EINV, NA, 0, 0, CLOSED, NA, NA, EINV),
        R(send_interval, 0, EINV, EINV, NA, 0, 0, CLOSED, NA, NA, EINV),
        R(timer_cancel, 0, EINV, NA, NA, NOENT, NA, 0, NA, NA, NOENT),
        R(timers_pending, 0, 0, NA, NA, NA, NA, NA, NA, NA, NA),
        /* cadre/sim.h: on a system with threads, ESTATE (closed: still not simulated) */
        R(system_now_ms, 0, 0, NA, NA, NA, NA, 1, NA, NA, 1),
        R(sim_seed, 0, 0, NA, NA, NA, NA, 0, NA, NA, 0),
        R(sim_hash, 0, 0, NA, NA, NA, NA, 0, NA, NA, 0),
        R(sim_step, 0, EINV, NA, NA, NA, NA, ESTATE, NA, ESTATE, ESTATE),
        R(sim_run, 0, EINV, NA, NA, NA, NA, ESTATE, NA, ESTATE, EINV),
        R(sim_check, 0, EINV, NA, NA, NA, NA, NA, NA, NA, 0),
        /* cadre/io.h: a stale handle is CADRE_ENOENT; plain: an fd not open */
        R(io_event_read, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, EINV),
        R(io_watch, F_ACTOR, EINV, EINV, NA, NA, NA, NA, ESTATE, NA, CADRE_EBADF),
        R(io_unwatch, F_ACTOR, EINV, NA, NA, NOENT, NA, NA, ESTATE, NA, NOENT),
        R(tcp_listen, F_ACTOR, EINV, EINV, EINV, NA, NA, NA, ESTATE, NA, CADRE_EADDR),
        R(tcp_connect, F_ACTOR, EINV, EINV, EINV, NA, NA, NA, ESTATE, NA, CADRE_EADDR),
        R(io_write, F_ACTOR, EINV, EINV, NA, NOENT, NA, NA, ESTATE, NA, NOENT),
        R(io_shutdown_write, F_ACTOR, EINV, NA, NA, NOENT, NA, NA, ESTATE, NA, NOENT),
        R(io_close, F_ACTOR, EINV, NA, NA, NOENT, NA, NA, ESTATE, NA, NOENT),
        R(io_handoff, F_ACTOR, EINV, NA, NA, NOENT, NA, NA, ESTATE, NA, NOENT),
        R(io_local_addr, 0, EINV, EINV, NA, NOENT, NA, CLOSED, NA, NA, NOENT),
        R(udp_open, F_ACTOR, EINV, EINV, EINV, NA, NA, NA, ESTATE, NA, CADRE_EADDR),
        R(udp_send, F_ACTOR, EINV, EINV, EINV, NOENT, NA, NA, ESTATE, NA, NOENT),
        /* cadre/io.h: signals and files (self's calls; the prober's system). */
        R(signal_subscribe, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, EINV),
        R(signal_unsubscribe, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, NOENT),
        R(file_read, F_ACTOR, EINV, NA, NA, NA, NA, NA, ESTATE, NA, CADRE_EBADF),
        R(file_write, F_ACTOR, EINV, EINV, NA, NA, NA, NA, ESTATE, NA, CADRE_EBADF),
        /* cadre/ask.h. asker_fini takes self NULL (an asker finalized outside any
         * actor: test_ask_cancel). asker_fini, ask_dispatch and ask_cancel
         * document no CADRE_ESTATE (outside: not run). */
        R(asker_init, 0, EINV, NA, NA, NA, NA, NA, NA, NA, 0),
        R(asker_fini, F_ACTOR, 0, EINV, NA, NA, NA, NA, NA, NA, NA),
        R(ask, F_ACTOR, EINV, EINV, EINV, NOACT, NOACT, NA, ESTATE, NA, EINV),
        R(ask_cb, F_ACTOR, EINV, EINV, EINV, NOACT, NOACT, NA, ESTATE, NA, NA),
        R(ask_dispatch, F_ACTOR, EINV, EINV, EINV, NA, NA, NA, NA, NA, 0),
        R(ask_cancel, F_ACTOR, EINV, EINV, NA, NOENT, NA, NA, NA, NA, NA),
        R(reply_read, F_ACTOR, EINV, EINV, NA, NA, NA, NA, NA, NA, EINV),
        R(asker_stats, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, 0),
        R(ask_global_stats, 0, EINV, NA, NA, NA, NA, NA, NA, NA, NA),
        R(ask_request, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, EINV),
        /* reply (and respond): a requester not there is a dead letter, and 0 */
        R(reply, 0, EINV, EINV, NA, 0, 0, 0, NA, NA, NA),
        R(forward, F_ACTOR, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, NA, EINV),
        R(ask_wait, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, WBLOCK, EINV),
        R(ask_gather, F_ACTOR, EINV, EINV, EINV, NOACT, NOACT, NA, ESTATE, NA, EINV),
        R(ask_gather_wait, 0, EINV, EINV, EINV, NOACT, NOACT, CLOSED, NA, WBLOCK, EINV),
        R(gather_free, 0, 0, NA, NA, NA, NA, NA, NA, NA, NA),
        R(gather_read, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, EINV),
        /* cadre/router.h */
        R(router_behaviour, 0, NA, NA, NA, NA, NA, NA, NA, NA, 1),
        R(router_spawn, 0, EINV, EINV, EINV, NA, NA, CLOSED, NA, NA, NA),
        R(router_resize, 0, EINV, NA, NA, NOACT, NOACT, CLOSED, NA, NA, NA),
        R(router_add, 0, EINV, NA, NA, NOACT, NOACT, CLOSED, NA, NA, NA),
        R(router_remove, 0, EINV, NA, NA, NOACT, NOACT, CLOSED, NA, NA, NA),
        R(router_query, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, WBLOCK, NA),
        R(route_unwrap, 0, EINV, EINV, NA, NA, NA, NA, NA, NA, NA),
        R(route_is_routed, 0, 0, NA, NA, NA, NA, NA, NA, NA, NA),
        R(route_hash, 0, NA, NA, NA, NA, NA, NA, NA, NA, 0),
        /* cadre/supervisor.h (the dynamic calls after shutdown: CADRE_ECLOSED, as
         * the convention says) */
        R(supervisor_behaviour, 0, NA, NA, NA, NA, NA, NA, NA, NA, 1),
        R(supervisor_check, 0, EINV, NA, NA, NA, NA, NA, NA, NA, EINV),
        R(supervisor_start, 0, EINV, EINV, EINV, NA, NA, CLOSED, NA, WBLOCK, EINV),
        R(supervisor_start_child, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, WBLOCK, EINV),
        R(supervisor_terminate_child, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, WBLOCK, EINV),
        R(supervisor_restart_child, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, WBLOCK, EINV),
        R(supervisor_delete_child, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, WBLOCK, EINV),
        R(supervisor_stop, 0, EINV, NA, NA, NOACT, NOACT, CLOSED, NA, WBLOCK, EINV),
        R(supervisor_which_children, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, WBLOCK, EINV),
        R(supervisor_count_children, 0, EINV, EINV, NA, NOACT, NOACT, CLOSED, NA, WBLOCK, EINV),
};

int
main(int argc, char **argv)
{
	return contract_main(rows, (int)(sizeof rows / sizeof rows[0]), argc > 1 ? argv[1] : NULL);
}
