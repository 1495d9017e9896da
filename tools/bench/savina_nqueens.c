/* cadre-bench: Savina's nqueens, written as plain actors through the public
 * API like every workload here. It verifies its own result exactly and
 * knows how many messages it implies. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* Message types (nqueens). */
enum {
	M_EXIT = M_FIRST,
	M_WORK,
	M_RESULT,
	M_CHILD,
};

/* ---- nqueens ---------------------------------------------------------------------------------------
 * Savina's N-queens (first solutions, here: all of them): a master hands
 * partial boards (M_WORK) round-robin to W workers. A worker expands a
 * board with fewer than THRESHOLD queens into its valid children, which it
 * sends to the master (M_CHILD) to hand out, and counts a deeper board's
 * solutions sequentially; either way it then reports (M_RESULT: solutions
 * and children). A worker's children precede its result (FIFO per pair),
 * so the master's count of outstanding boards reaches 0 only at the end.
 * The total must be the known count for N, and the boards handed out the
 * number main counts. Messages: 3B - 1 + W, with B the boards. */
static const uint64_t nq_known[] = {1,      1,       0,        0,        2,        10,    4,
                                    40,     92,      352,      724,      2680,     14200, 73712,
                                    365596, 2279184, 14772512, 95815104, 666090624};
_Static_assert(sizeof nq_known / sizeof nq_known[0] == 18 + 1,
               "nq_known covers every --nqueens-n (at most 18, size_opts)");

struct nq_board {
	uint32_t cols, d1, d2, placed;
};

struct nq_result {
	uint64_t solutions, children;
};

static uint64_t
nq_count(uint32_t all, uint32_t cols, uint32_t d1, uint32_t d2)
{
	if (cols == all)
		return 1;
	uint64_t n = 0;
	uint32_t free_ = all & ~(cols | d1 | d2);
	while (free_ != 0) {
		uint32_t bit = free_ & (~free_ + 1);
		free_ -= bit;
		n += nq_count(all, cols | bit, ((d1 | bit) << 1) & all, (d2 | bit) >> 1);
	}
	return n;
}

/* Boards handed out: the valid partial boards with at most THRESHOLD queens. */
static uint64_t
nq_boards(uint32_t all, struct nq_board b, uint64_t threshold)
{
	uint64_t n = 1;

	if (b.placed >= threshold || b.cols == all)
		return n;
	uint32_t free_ = all & ~(b.cols | b.d1 | b.d2);
	while (free_ != 0) {
		uint32_t bit = free_ & (~free_ + 1);
		free_ -= bit;
		struct nq_board c = {b.cols | bit, ((b.d1 | bit) << 1) & all, (b.d2 | bit) >> 1,
		                     b.placed + 1};
		n += nq_boards(all, c, threshold);
	}
	return n;
}

static int
nq_worker_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_system *sys = cadre_actor_system(self);
	uint32_t all = (uint32_t)((1ULL << g_run.sz.nqueens_n) - 1);
	struct nq_result res = {0, 0};
	struct nq_board b;

	if (m->type == M_EXIT)
		return cadre_stop(self);
	if (m->type != M_WORK || m->size != sizeof b)
		return BAD("nqueens worker: unexpected message type %" PRIu32, m->type);
	memcpy(&b, m->data, sizeof b);
	if (b.placed >= g_run.sz.nqueens_t || b.cols == all) {
		res.solutions = nq_count(all, b.cols, b.d1, b.d2);
	} else {
		uint32_t free_ = all & ~(b.cols | b.d1 | b.d2);
		while (free_ != 0) {
			uint32_t bit = free_ & (~free_ + 1);
			free_ -= bit;
			struct nq_board c = {b.cols | bit, ((b.d1 | bit) << 1) & all,
			                     (b.d2 | bit) >> 1, b.placed + 1};
			int rc = cadre_send(sys, m->sender, M_CHILD, &c, sizeof c);
			if (rc != 0)
				return rc;
			res.children++;
		}
	}
	return cadre_send(sys, m->sender, M_RESULT, &res, sizeof res);
}

static const cadre_behaviour nq_worker_beh = {.size = sizeof(cadre_actor),
                                              .receive = nq_worker_receive,
                                              .stop = on_stop,
                                              .name = "nqueens_worker"};

struct nq_master {
	cadre_actor base;
	cadre_ref *workers;
	uint64_t nworkers, next, outstanding, solutions, boards;
};

static int
nq_hand_out(struct nq_master *q, const struct nq_board *b)
{
	cadre_ref to = q->workers[q->next];

	q->next = (q->next + 1) % q->nworkers;
	q->outstanding++;
	q->boards++;
	return cadre_send(cadre_actor_system(&q->base), to, M_WORK, b, sizeof *b);
}

static int
nq_master_start(cadre_actor *self, void *arg)
{
	struct nq_master *q = (struct nq_master *)self;
	struct nq_board root = {0, 0, 0, 0};

	(void)arg;
	q->nworkers = g_run.sz.nqueens_w;
	q->workers = g_run.refs;
	for (uint64_t i = 0; i < q->nworkers; i++) {
		int rc = cadre_spawn(cadre_actor_system(self), &nq_worker_beh, NULL, NULL,
		                     &q->workers[i]);
		if (rc != 0)
			return rc;
	}
	return nq_hand_out(q, &root);
}

static int
nq_master_receive(cadre_actor *self, const cadre_msg *m)
{
	struct nq_master *q = (struct nq_master *)self;
	struct nq_board b;
	struct nq_result res;

	if (m->type == M_CHILD && m->size == sizeof b) {
		memcpy(&b, m->data, sizeof b);
		return nq_hand_out(q, &b);
	}
	if (m->type != M_RESULT || m->size != sizeof res)
		return BAD("nqueens master: unexpected message type %" PRIu32, m->type);
	memcpy(&res, m->data, sizeof res);
	q->solutions += res.solutions;
	if (--q->outstanding > 0)
		return 0;
	uint64_t n = g_run.sz.nqueens_n;
	g_run.result = q->solutions;
	if (q->solutions != nq_known[n] || q->boards != g_run.expect)
		return BAD("nqueens: %" PRIu64 " solutions for N = %" PRIu64 " (expected %" PRIu64
		           "), %" PRIu64 " boards (expected %" PRIu64 ")",
		           q->solutions, n, nq_known[n], q->boards, g_run.expect);
	for (uint64_t i = 0; i < q->nworkers; i++) {
		int rc = cadre_send(cadre_actor_system(self), q->workers[i], M_EXIT, NULL, 0);
		if (rc != 0)
			return rc;
	}
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour nq_master_beh = {.size = sizeof(struct nq_master),
                                              .start = nq_master_start,
                                              .receive = nq_master_receive,
                                              .stop = on_stop,
                                              .name = "nqueens_master"};

/* ---- the workload ---------------------------------------------------------------------------- */

struct nq_ctx {
	cadre_ref *refs;
	uint64_t boards;
};

static void
nq_prep(void *ctx)
{
	const struct nq_ctx *c = ctx;

	g_run.refs = c->refs;
	g_run.expect = c->boards;
}

bool
wl_nqueens(const struct options *o, struct sample *s)
{
	uint64_t n = o->sz.nqueens_n, w = o->sz.nqueens_w;
	uint32_t all = (uint32_t)((1ULL << n) - 1);
	struct nq_board root = {0, 0, 0, 0};
	uint64_t boards = nq_boards(all, root, o->sz.nqueens_t);
	cadre_ref *refs = calloc(w, sizeof *refs);
	struct nq_ctx ctx = {refs, boards};
	struct expect e = {.handled = 3 * boards - 1 + w, .spawned = w + 1};

	s->msgs = e.handled;
	s->spawns = w + 1;
	if (refs == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	bool ok = run_custom(o, &nq_master_beh, nq_prep, NULL, &ctx, &e, s);
	if (ok && g_run.result != nq_known[n]) {
		note("%s: FAILED: %" PRIu64 " solutions, expected %" PRIu64, g_bench, g_run.result,
		     nq_known[n]);
		ok = false;
	}
	free(refs);
	return ok;
}
