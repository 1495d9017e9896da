/* Cadre internal: the scheduling trace's rings and its recording hooks
 * (system/trace.c; the export is system/trace_json.c). Included by
 * cadre__system.h: every layer above records through CADRE__TRACE.
 * See trace.c's Design notes. */
#ifndef CADRE__TRACE_H
#define CADRE__TRACE_H

#include <stdint.h>

#include "cadre__atomic.h"
#include "cadre__clock.h"

struct cadre_system;
struct cadre__worker;

/* Event kinds (the top byte of an event's `arg` word). What ref and the
 * payload (arg's low 48 bits) hold: */
enum {
	CADRE__TEV_RUN_BEGIN = 1, /* ref: the actor; payload: its behaviour's name (a pointer) */
	CADRE__TEV_RUN_END = 2,   /* ref: the actor; payload: messages it handled */
	CADRE__TEV_SEND = 3,      /* ref: the receiver; payload: the message (the flow id) */
	CADRE__TEV_RECV = 4,      /* ref: the receiver; payload: the message (the flow id) */
	CADRE__TEV_SPAWN = 5,     /* ref: the child; payload: its behaviour's name */
	CADRE__TEV_EXIT = 6,      /* ref: the actor; payload: reason kind << 32 | (uint32_t)code */
	CADRE__TEV_PARK = 7,      /* ref, payload: 0 */
	CADRE__TEV_WAKE = 8,      /* payload: 1 woken by another thread (or a pool thread), 0 by
	                             its timeout */
	CADRE__TEV_STEAL = 9,     /* ref: the victim worker's index */
	CADRE__TEV_TIMER = 10,    /* ref: the receiver; payload: the message type */
	CADRE__TEV_IO = 11,       /* ref: the receiver; payload: the message (the flow id) */
	CADRE__TEV_KINDS
};
#define CADRE__TEV_PAYLOAD ((UINT64_C(1) << 48) - 1)

/* The track of an event in the shared ring (arg's bits 48..55): which
 * thread recorded it. Workers have their own rings, hence their own tracks. */
enum {
	CADRE__TRACE_TID_OTHER = 0, /* not named yet: trace.c numbers it at its first event */
	CADRE__TRACE_TID_TIMER = 1, /* the timer thread */
	CADRE__TRACE_TID_IO = 2,    /* the I/O thread */
	CADRE__TRACE_TID_FIRST = 3, /* other threads: 3, 4, ... 255 (then 255) */
};

/* One event, 32 bytes: seq is the event's number + 1 (0: being written),
 * then the clock, an actor ref (index << 32 | gen) and kind | tid | payload.
 * Every word is written and read with atomics (trace.c, the protocol). */
struct cadre__tslot {
	uint64_t seq, ts, ref, arg;
};

/* A ring: a power of two of slots. head: events claimed (the owner's
 * relaxed store on a worker's ring; an acq_rel add on the shared one). */
struct cadre__tring {
	uint64_t head __attribute__((aligned(64)));
	uint64_t mask;
	struct cadre__tslot *slots;
	unsigned shared; /* 1: the shared ring (outside threads) */
	unsigned owner;  /* the worker's index (a worker's ring) */
};

/* The one clock of the trace: every event's stamp comes from here, and
 * cadre__trace_ns turns a stamp into nanoseconds of CLOCK_MONOTONIC when
 * the trace is written (in the deterministic mode, trace.c's stamp() takes
 * the virtual clock instead: stamps in ns, the conversion the identity). On x86-64
 * the stamp is the TSC (rdtsc, about 7 ns; clock_gettime costs about
 * 20 ns, most of an event's cost): the conversion is linear between two
 * reference points, (TSC, ns) taken when recording starts and when the
 * trace is written (the TSC is invariant on the machines Cadre runs on:
 * constant_tsc, nonstop_tsc). */
#if defined(__x86_64__)
#define CADRE__TRACE_TSC 1
static inline uint64_t
cadre__trace_clock(void)
{
	return __builtin_ia32_rdtsc();
}
#else
static inline uint64_t
cadre__trace_clock(void)
{
	return cadre__now_ns();
}
#endif

/* Two reference points of the trace's clock: stamp and ns at each. */
struct cadre__trace_ref {
	uint64_t stamp0, ns0, stamp1, ns1;
};
static inline uint64_t
cadre__trace_ns(const struct cadre__trace_ref *r, uint64_t stamp)
{
#if defined(CADRE__TRACE_TSC)
	if (r->stamp1 <= r->stamp0)
		return r->ns0;
	__int128 d = (__int128)(int64_t)(stamp - r->stamp0) * (int64_t)(r->ns1 - r->ns0);
	return r->ns0 + (uint64_t)(int64_t)(d / (__int128)(r->stamp1 - r->stamp0));
#else
	(void)r;
	return stamp;
#endif
}

/* Records one event into r (not NULL): cold, out of line. */
void cadre__trace_put(struct cadre_system *sys, struct cadre__tring *r, unsigned kind, uint64_t ref,
                      uint64_t payload);
/* The calling thread's track in the shared ring (the timer and I/O
 * threads name theirs when they start). */
void cadre__trace_name_thread(unsigned tid);

/* An actor ref's word in an event. */
#define CADRE__TRACE_REF(index, gen) (((uint64_t)(index) << 32) | (uint32_t)(gen))

/* The hook: one load and one predictable branch while recording is off
 * (the ring pointer is NULL); the arguments are evaluated only when on.
 * `ringp` is &w->trace on a worker, &sys->trace_out elsewhere. Acquire:
 * pairs with cadre_trace_start's release store of the pointer (the ring's
 * fields are seen set); a plain load on x86-64. */
#define CADRE__TRACE_AT(sys, ringp, kind, ref, payload)                                   \
	do {                                                                              \
		struct cadre__tring *tr_ = cadre__load_acq_ptr((void *const *)(ringp));   \
		if (__builtin_expect(tr_ != NULL, 0))                                     \
			cadre__trace_put((sys), tr_, (kind), (ref), (uint64_t)(payload)); \
	} while (0)

/* w: the calling worker of sys, or NULL (an outside thread). */
#define CADRE__TRACE(sys, w, kind, ref, payload) \
	CADRE__TRACE_AT(sys, (w) != NULL ? &(w)->trace : &(sys)->trace_out, kind, ref, payload)

/* Reading (trace_json.c, tests): calls fn for each complete event of r, oldest first;
 * an event overwritten while it is read is left out. */
typedef void cadre__trace_each_fn(void *ctx, const struct cadre__tslot *ev);
void cadre__trace_each(const struct cadre__tring *r, cadre__trace_each_fn *fn, void *ctx);

/* The system's side (trace.c): made at cadre_system_new, with the config's
 * rings and dump path; freed with the system. */
struct cadre__trace;
int cadre__trace_init(struct cadre_system *sys, unsigned events, const char *dump_path);
void cadre__trace_fini(struct cadre_system *sys);

#endif /* CADRE__TRACE_H */
