/* Cadre: the worker poller, the I/O engine's default back end (design B;
 * CADRE_IO_POLLER=thread selects design A, the I/O thread, instead).
 * engine.c's Design notes say why, docs/performance.md has the A/B.
 *
 * No I/O thread: the system's epoll instance (the same one, with the same
 * registrations) is polled by the workers themselves, as Go's netpoller
 * and Tokio's driver do.
 *   - A worker about to park on its futex waits in epoll_wait instead,
 *     if no other worker does (sched.c's park calls io_park).
 *   - A worker between runs polls without waiting when it has nothing to
 *     run, and every 64th time it looks for work (sched.c's
 *     cadre__sched_next calls io_poll), so I/O is noticed while every
 *     worker is busy.
 * An event found by a worker is dispatched on it: the send wakes the
 * owner on this worker (run_next, or its run queue), not through another
 * thread's futex. That saves the I/O thread's hand-over: a context switch
 * and a futex wake per event on a machine with few cores.
 *
 * One poller at a time: the token. Only the holder of `ptoken` calls
 * epoll_wait and dispatches, so events are handled in order, one batch at
 * a time, and the engine's thread-only state (the read buffer, the batch)
 * is used by one thread at a time: what engine.c calls "the I/O thread" is,
 * in this mode, the token's holder. The token is taken by an acquire CAS
 * (FREE -> BUSY) and given back by a release store (-> FREE), so each
 * holder's dispatch happens before the next one's. While its holder is
 * blocked in epoll_wait it reads WAIT; while it only polls or dispatches it
 * reads BUSY. A worker that parks while another holds the token sleeps on
 * its futex, for at most NAP_NS (1 ms) while BUSY, STANDBY_NS (10 ms) while
 * WAIT, then looks again: the holder may leave epoll_wait with work for
 * itself and run a long callback, and an idle worker must then take over
 * the polling (the role of Go's sysmon, which polls when nobody has for
 * 10 ms). It takes the token only when no epoll_wait was entered since its
 * last look (`wait_gen`): a poller that comes and goes keeps it, and the
 * workers do not take turns at it on every message. Each look is a futex
 * call and a load, inside the park; while the poller is still in the same
 * epoll_wait (`wait_gen` unchanged: an idle system) the looks back off
 * from 10 ms to 160 ms, so an idle system ends with one worker in
 * epoll_wait and the others waking about 6 times a second (measured:
 * docs/performance.md). The price: the first long callback after a long
 * idle time may hold up I/O up to 160 ms.
 *
 * No lost wake-up. A parked worker must wake for two reasons:
 *   - I/O: the kernel keeps an fd's readiness on the epoll instance's ready
 *     list until an epoll_wait returns it (level-triggered, or one-shot
 *     until re-armed). A worker in epoll_wait returns; if none waits there,
 *     the next poll (a parker's, or a busy worker's between runs) gets it.
 *   - Work for it (sched.c's wake_worker, which bumps its wake_seq):
 *         poller: seq = wake_seq (park, earlier); io_polling = 1 (seq_cst
 *                 exchange); if wake_seq != seq (seq_cst load): do not wait;
 *                 else epoll_wait.
 *         waker:  wake_seq += 1 (seq_cst add; futex wake); if io_polling
 *                 (seq_cst load): write the eventfd.
 *     Dekker on seq_cst: either the poller's load sees the bump, or the
 *     waker's load comes after the poller's exchange and sees 1, and the
 *     eventfd (registered in the same epoll instance) ends the epoll_wait,
 *     or makes the next one return at once. A late or extra kick costs one
 *     empty round.
 * The accounting is unchanged: a dispatch sends through core's send path
 * as the I/O thread does, counted on the worker.
 *
 * What it costs: a busy worker makes one non-blocking epoll_wait every
 * 64th pick and whenever it runs dry; an idle worker other than the poller
 * wakes every 10 to 160 ms; I/O waits that long when the poller leaves to
 * run a long callback; and I/O is noticed only between runs while no
 * worker is idle, so callbacks that run long on every worker at once delay
 * I/O as they delay any message to the actors queued there.
 *
 * Start: the engine starts at the first I/O call, when every worker may be
 * asleep on its futex; cadre__wpoll_start wakes them once, and the first
 * to park again takes the token.
 *
 * Shutdown: cadre__io_stop sets `stopping`, kicks the eventfd, then takes
 * the token and keeps it: no dispatch runs after that (a holder that finds
 * `stopping` set drops its batch, as the I/O thread exits without reading
 * more). */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cadre__futex.h"
#include "cadre__io.h"
#include "cadre__sched.h"

enum { WP_FREE = 0, WP_BUSY = 1, WP_WAIT = 2 };

#define NAP_NS 1000000L           /* the poller is busy: look again after 1 ms */
#define STANDBY_NS 10000000L      /* the poller waits: look again after 10 ms, */
#define STANDBY_MAX_NS 160000000L /* ... then 20, 40, ... 160 ms while it is the same wait */

bool
cadre__wpoll_wanted(void)
{
	const char *e = getenv("CADRE_IO_POLLER"); /* the default: the worker poller */
	return e == NULL || strcmp(e, "thread") != 0;
}

static bool
take(struct cadre__io *io)
{
	/* acq_rel CAS: acquire pairs with give's release store (the last
	 * holder's dispatch happens before ours). */
	return cadre__cas_acqrel_u32(&io->ptoken, WP_FREE, WP_BUSY);
}

static void
give(struct cadre__io *io)
{
	/* Release: pairs with take's CAS. */
	cadre__store_rel_u32(&io->ptoken, WP_FREE);
}

/* sched.c's park, the worker offline, its idle bit set: wait in
 * epoll_wait rather than on wake_seq, if no other worker does. */
static bool
wp_park(struct cadre__worker *w, uint32_t seq, long *nap)
{
	struct cadre__io *io = w->sys->io;
	/* Acquire: pairs with start's release store (epfd and evfd are set). */
	if (!cadre__load_acq_u32(&io->started))
		return false;
	bool deep = *nap == 0; /* nothing queued anywhere: no limit on the park */
	long standby = STANDBY_NS;
	uint32_t gen = cadre__load_rlx_u32(&io->wait_gen); /* relaxed: a hint */
	bool may_take = true; /* on the way in: the token, if it is free */
	while (!(may_take && take(io))) {
		/* Relaxed: a hint. BUSY: its holder may go on to run actors; look
		 * again soon. WAIT: it waits in epoll_wait, but may leave it to
		 * run a long callback: look again within `standby`. */
		long most = cadre__load_rlx_u32(&io->ptoken) == WP_BUSY ? NAP_NS : standby;
		if (!deep) {
			if (*nap > most)
				*nap = most;
			return false; /* a nap on the futex, as the park meant */
		}
		/* Sleep here, as the park would, and look at the token again
		 * each time (cheaper than ending the park: no search). */
		cadre__futex_wait(&w->wake_seq, seq, most);
		/* Acquire loads: as the park's of wake_seq; stopping and started
		 * pair with cadre__io_stop's release stores. */
		if (cadre__load_acq_u32(&w->wake_seq) != seq ||
		    cadre__load_acq_u32(&io->stopping) || !cadre__load_acq_u32(&io->started))
			return true; /* woken: the park ends (nothing harvested) */
		/* No epoll_wait entered since the last look: either the same
		 * one goes on (an idle system: look less often, up to
		 * STANDBY_MAX_NS), or the poller left it and has not come back
		 * (take over, if the token is free). Otherwise the poller comes
		 * and goes, serving I/O: leave it the token, look again in
		 * STANDBY_NS. */
		uint32_t g = cadre__load_rlx_u32(&io->wait_gen); /* relaxed: a hint */
		may_take = g == gen;
		if (g == gen && standby < STANDBY_MAX_NS)
			standby *= 2;
		else if (g != gen)
			standby = STANDBY_NS;
		gen = g;
	}
	cadre__store_rlx_u32(&io->ptoken, WP_WAIT); /* relaxed: a hint for parkers */
	/* Relaxed (token holder only writes it): a hint for parkers. */
	cadre__store_rlx_u32(&io->wait_gen, cadre__load_rlx_u32(&io->wait_gen) + 1);
	/* seq_cst exchange and load: the poller's half of wake_worker's Dekker
	 * pair (sched.c; the Design notes above). */
	(void)cadre__xchg_sc_u32(&w->io_polling, 1);
	int n = 0;
	/* Acquire load of stopping: pairs with cadre__io_stop's release store. */
	if (cadre__load_sc_u32(&w->wake_seq) == seq && !cadre__load_acq_u32(&io->stopping)) {
		long ns = *nap;
		if (io->nstarved != 0 && (ns == 0 || ns > CADRE__IO_STARVED_MS * 1000000L))
			ns = CADRE__IO_STARVED_MS * 1000000L; /* paused listeners (tcp.c) */
		struct timespec ts = {.tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L};
		n = epoll_pwait2(io->epfd, io->wevs, CADRE__IO_BATCH, ns != 0 ? &ts : NULL, NULL);
	}
	/* Relaxed: a waker that still reads 1 kicks once more (an empty round). */
	cadre__store_rlx_u32(&w->io_polling, 0);
	cadre__store_rlx_u32(&io->ptoken, WP_BUSY); /* relaxed: a hint for parkers */
	io->wn = n > 0 ? n : 0;
	w->io_harvest = true; /* dispatched by wp_poll at the end of the park */
	return true;
}

/* Between runs (online, not idle): dispatch the park's harvest; with
 * `any`, poll without waiting first. */
static void
wp_poll(struct cadre__worker *w, bool any)
{
	struct cadre__io *io = w->sys->io;
	if (w->io_harvest) {
		w->io_harvest = false; /* we hold the token since the park */
	} else {
		/* Acquire: pairs with start's release store. */
		if (!any || !cadre__load_acq_u32(&io->started) || !take(io))
			return;
		int n = epoll_wait(io->epfd, io->wevs, CADRE__IO_BATCH, 0);
		io->wn = n > 0 ? n : 0;
	}
	/* Acquire: pairs with cadre__io_stop's release store of stopping. */
	if (!cadre__load_acq_u32(&io->stopping)) {
		if (io->nstarved != 0 && cadre__now_ns() >= io->starved_until)
			cadre__io_unstarve(io); /* listeners paused for want of fds (tcp.c) */
		cadre__io_batch(io, io->wevs, io->wn);
	}
	io->wn = 0;
	give(io);
}

/* sched.c's wake_worker: w waits in epoll_wait; the eventfd ends it. */
static void
wp_kick(struct cadre_system *sys)
{
	uint64_t one = 1;
	(void)!write(sys->io->evfd, &one, sizeof one);
}

void
cadre__wpoll_init(struct cadre_system *sys)
{
	sys->io_park = wp_park;
	sys->io_poll = wp_poll;
	sys->io_kick = wp_kick;
}

void
cadre__wpoll_start(struct cadre_system *sys)
{
	/* Workers that parked before the engine started sleep on their
	 * futexes, and nobody waits in epoll_wait: wake them (seq_cst adds,
	 * after start's release store of `started`); a parker whose acquire
	 * load of wake_seq reads a bump sees `started` set, and one that read
	 * wake_seq before the bump does not sleep. */
	cadre__wake_all(sys);
}

void
cadre__wpoll_stop(struct cadre__io *io)
{
	while (!take(io))
		sched_yield(); /* a holder drops its batch and gives it back */
}
