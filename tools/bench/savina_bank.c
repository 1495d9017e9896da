/* cadre-bench: Savina's bank, written as plain actors through the public
 * API like every workload here. It verifies its own result exactly and
 * knows how many messages it implies. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* Message types (bank). */
enum {
	M_DONE = M_FIRST,
	M_REPLY,
	M_XFER,
	M_DEPOSIT,
	M_ACK,
	M_BALANCE,
};

/* ---- bank ---------------------------------------------------------------------------------------
 * Savina's banking: a teller spawns A accounts, then orders N random
 * transfers (in slices): M_XFER to the source, which debits itself and
 * sends M_DEPOSIT to the destination, which credits itself and answers
 * M_ACK; the source then reports M_DONE to the teller. After N dones the
 * teller asks every account for its balance (M_BALANCE), which must be
 * exactly the one main computed by replaying the transfers, and their sum
 * the initial total. Messages: 4N + 2A (+ the teller's continues). */
#define BANK_INITIAL ((int64_t)1000000000)
#define BANK_SEED 0x42414e4bULL

struct bank_xfer {
	cadre_ref to;
	int64_t amount;
	uint64_t id;
};

struct bank_balance {
	int64_t balance;
	uint64_t index;
};

/* The t-th transfer of the teller's stream. */
static void
bank_pick(uint64_t *rng, uint64_t accounts, uint64_t *src, uint64_t *dst, int64_t *amount)
{
	uint64_t r = rng_next(rng);

	*src = r % accounts;
	*dst = (r >> 20) % (accounts - 1);
	if (*dst >= *src)
		(*dst)++;
	*amount = (int64_t)((r >> 44) % 1000) + 1;
}

struct bank_account {
	cadre_actor base;
	cadre_ref teller;
	int64_t balance;
	uint64_t index;
};

static int
bank_account_start(cadre_actor *self, void *arg)
{
	struct bank_account *a = (struct bank_account *)self;

	a->index = (uint64_t)(uintptr_t)arg;
	a->balance = BANK_INITIAL;
	a->teller = g_run.first;
	return 0;
}

static int
bank_account_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bank_account *a = (struct bank_account *)self;
	cadre_system *sys = cadre_actor_system(self);
	struct bank_xfer x;

	switch (m->type) {
	case M_XFER:
		if (m->size != sizeof x)
			break;
		memcpy(&x, m->data, sizeof x);
		a->balance -= x.amount;
		return cadre_send(sys, x.to, M_DEPOSIT, &x, sizeof x);
	case M_DEPOSIT:
		if (m->size != sizeof x)
			break;
		memcpy(&x, m->data, sizeof x);
		a->balance += x.amount;
		return cadre_send(sys, m->sender, M_ACK, &x, sizeof x);
	case M_ACK:
		if (m->size != sizeof x)
			break;
		memcpy(&x, m->data, sizeof x);
		return send_u64(sys, a->teller, M_DONE, x.id);
	case M_BALANCE: {
		struct bank_balance b = {.balance = a->balance, .index = a->index};
		int rc = cadre_send(sys, m->sender, M_REPLY, &b, sizeof b);
		return rc != 0 ? rc : cadre_stop(self);
	}
	default:
		break;
	}
	return BAD("bank account: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour bank_account_beh = {.size = sizeof(struct bank_account),
                                                 .start = bank_account_start,
                                                 .receive = bank_account_receive,
                                                 .stop = on_stop,
                                                 .name = "bank_account"};

struct bank_teller {
	cadre_actor base;
	cadre_ref *accounts;
	const int64_t *expect; /* final balances, computed by main */
	uint64_t naccounts, n, sent, dones, replies, rng;
	int64_t total;
};

static int
bank_teller_step(cadre_actor *self)
{
	struct bank_teller *t = (struct bank_teller *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t slice = g_run.sz.slice;

	for (uint64_t i = 0; i < slice && t->sent < t->n; i++, t->sent++) {
		uint64_t src, dst;
		struct bank_xfer x = {.id = t->sent};
		bank_pick(&t->rng, t->naccounts, &src, &dst, &x.amount);
		x.to = t->accounts[dst];
		int rc = cadre_send(sys, t->accounts[src], M_XFER, &x, sizeof x);
		if (rc != 0)
			return rc;
	}
	return t->sent < t->n ? send_self(self, M_CONT) : 0;
}

static int
bank_teller_start(cadre_actor *self, void *arg)
{
	struct bank_teller *t = (struct bank_teller *)self;

	(void)arg;
	t->naccounts = g_run.sz.bank_a;
	t->n = g_run.sz.bank_n;
	t->accounts = g_run.refs;
	t->expect = g_run.data;
	t->rng = BANK_SEED;
	g_run.first = cadre_self(self);
	for (uint64_t i = 0; i < t->naccounts; i++) {
		int rc = cadre_spawn(cadre_actor_system(self), &bank_account_beh, NULL,
		                     (void *)(uintptr_t)i, &t->accounts[i]);
		if (rc != 0)
			return rc;
	}
	return bank_teller_step(self);
}

static int
bank_teller_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bank_teller *t = (struct bank_teller *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_CONT)
		return bank_teller_step(self);
	if (m->type == M_DONE) {
		if (++t->dones < t->n)
			return 0;
		for (uint64_t i = 0; i < t->naccounts; i++) {
			int rc = cadre_send(sys, t->accounts[i], M_BALANCE, NULL, 0);
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	struct bank_balance b;
	if (m->type != M_REPLY || m->size != sizeof b)
		return BAD("bank teller: unexpected message type %" PRIu32, m->type);
	memcpy(&b, m->data, sizeof b);
	if (t->dones != t->n || b.index >= t->naccounts || b.balance != t->expect[b.index])
		return BAD("bank: account %" PRIu64 " holds %" PRId64 ", expected %" PRId64,
		           b.index, b.balance, b.index < t->naccounts ? t->expect[b.index] : 0);
	t->total += b.balance;
	if (++t->replies < t->naccounts)
		return 0;
	g_run.result = (uint64_t)t->total;
	if (t->total != (int64_t)t->naccounts * BANK_INITIAL)
		return BAD("bank: total balance %" PRId64 ", expected %" PRId64, t->total,
		           (int64_t)t->naccounts * BANK_INITIAL);
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour bank_teller_beh = {.size = sizeof(struct bank_teller),
                                                .start = bank_teller_start,
                                                .receive = bank_teller_receive,
                                                .stop = on_stop,
                                                .name = "bank_teller"};

/* ---- the workload ---------------------------------------------------------------------------- */

struct bank_ctx {
	cadre_ref *refs;
	int64_t *expect;
};

static void
bank_prep(void *ctx)
{
	struct bank_ctx *b = ctx;

	g_run.refs = b->refs;
	g_run.data = b->expect;
}

bool
wl_bank(const struct options *o, struct sample *s)
{
	uint64_t a = o->sz.bank_a, n = o->sz.bank_n, rng = BANK_SEED;
	struct expect e = {.handled = 4 * n + 2 * a + continues(n, o->sz.slice), .spawned = a + 1};
	struct bank_ctx b = {calloc(a, sizeof *b.refs), calloc(a, sizeof *b.expect)};
	bool ok = b.refs != NULL && b.expect != NULL;

	s->msgs = 4 * n + 2 * a;
	s->spawns = a + 1;
	for (uint64_t i = 0; ok && i < a; i++)
		b.expect[i] = BANK_INITIAL;
	for (uint64_t t = 0; ok && t < n; t++) {
		uint64_t src, dst;
		int64_t amount;
		bank_pick(&rng, a, &src, &dst, &amount);
		b.expect[src] -= amount;
		b.expect[dst] += amount;
	}
	if (!ok)
		note("%s: out of memory", g_bench);
	else
		ok = run_custom(o, &bank_teller_beh, bank_prep, NULL, &b, &e, s);
	free(b.refs);
	free(b.expect);
	return ok;
}
