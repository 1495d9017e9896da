/* A seeded ordering bug, found and replayed: testing actors in the
 * deterministic mode (cadre/sim.h; docs/guide.md, "Testing your actors").
 *
 * An account actor holds a balance. Two clients each want to withdraw 80
 * from 100, and each does it in two steps: it asks the balance, and if the
 * answer is enough it sends WITHDRAW. Each step is atomic (one message),
 * the protocol is not: if both balances are asked before either withdrawal
 * arrives, both see 100 and the account ends at -60 (check-then-act). The
 * second client does a little other work first (THINK), so the window is
 * narrow: on threads this happens now and then; here cadre_sim_check runs the
 * scenario under many seeds, each a different interleaving, prints the
 * first seed that breaks the rule "the balance never goes negative", and
 * the sample replays that seed: the same run again, event for event (the
 * same hash). It exits 0 when it found the bug and replayed it exactly,
 * 1 if no seed found it (or the replay differed).
 *
 * Replay one seed alone: CADRE_SEED=<seed> sample_racy_bank. */
#include <stdio.h>

#include <cadre.h>

enum { GET = 1, BALANCE = 2, WITHDRAW = 3, THINK = 4 };

struct account {
	cadre_actor base;
	long balance;
	long *final; /* where the balance is left when it changes */
};

static int
account_start(cadre_actor *self, void *arg)
{
	struct account *a = (struct account *)self;
	a->final = arg;
	a->balance = *a->final;
	return 0;
}

static int
account_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct account *a = (struct account *)self;
	if (msg->type == GET)
		return cadre_respond(self, msg, BALANCE, &a->balance, sizeof a->balance);
	if (msg->type == WITHDRAW && msg->size == sizeof(long)) {
		a->balance -= *(const long *)msg->data; /* trusts the client's check */
		*a->final = a->balance;
	}
	return 0;
}

static const cadre_behaviour account = {.size = sizeof(struct account),
                                        .start = account_start,
                                        .receive = account_receive,
                                        .name = "account"};

struct client {
	cadre_actor base;
	cadre_ref account;
	int think; /* steps of other work before it checks the balance */
};

struct client_arg {
	cadre_ref account;
	int think;
};

#define AMOUNT 80L
#define THINK_STEPS 4 /* the second client's other work: the race is rarer */

static int
client_start(cadre_actor *self, void *arg)
{
	struct client *c = (struct client *)self;
	const struct client_arg *ca = arg;
	c->account = ca->account;
	c->think = ca->think;
	return cadre_send(cadre_actor_system(self), cadre_self(self), THINK, NULL, 0);
}

static int
client_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct client *c = (struct client *)self;
	cadre_system *sys = cadre_actor_system(self);
	if (msg->type == THINK) /* other work first, then step 1: check */
		return c->think-- > 0 ? cadre_send(sys, cadre_self(self), THINK, NULL, 0)
		                      : cadre_send(sys, c->account, GET, NULL, 0);
	if (msg->type != BALANCE || msg->size != sizeof(long))
		return 0;
	long seen = *(const long *)msg->data;
	if (seen >= AMOUNT) { /* step 2: act, on what may be stale by now */
		long amount = AMOUNT;
		int rc = cadre_send(sys, c->account, WITHDRAW, &amount, sizeof amount);
		if (rc != 0)
			return rc;
	}
	return cadre_stop(self);
}

static const cadre_behaviour client = {.size = sizeof(struct client),
                                       .start = client_start,
                                       .receive = client_receive,
                                       .name = "client"};

/* One run: returns 0 if the balance stayed >= 0; *hash: the run's. */
static int
run_once(uint64_t seed, uint64_t *hash)
{
	cadre_config cfg = {.seed = seed};
	cadre_system *sys;
	if (cadre_system_new(&sys, &cfg) != 0)
		return -1;
	long final = 100;
	cadre_ref acc, c1, c2;
	int rc = cadre_spawn(sys, &account, NULL, &final, &acc);
	struct client_arg a1 = {acc, 0}, a2 = {acc, THINK_STEPS};
	if (rc == 0)
		rc = cadre_spawn(sys, &client, NULL, &a1, &c1);
	if (rc == 0)
		rc = cadre_spawn(sys, &client, NULL, &a2, &c2);
	/* Run until nothing is left to do: on this thread, one actor at a
	 * time, in the order the seed draws. */
	if (rc == 0)
		rc = cadre_sim_run(sys, CADRE_FOREVER) < 0;
	*hash = cadre_sim_hash(sys);
	cadre_system_free(sys);
	return rc != 0 ? -1 : final < 0;
}

static uint64_t found_hash;

/* The scenario cadre_sim_check runs: nonzero means "broken". */
static int
scenario(uint64_t seed, void *ctx)
{
	(void)ctx;
	return run_once(seed, &found_hash) != 0;
}

int
main(void)
{
	uint64_t seed = 0;
	if (cadre_sim_check(scenario, NULL, 1, 200, &seed) == 0) {
		printf("racy_bank: no seed of 200 broke the account: the race was not found\n");
		return 1;
	}
	uint64_t first = found_hash, again = 0;
	printf("racy_bank: seed %llu overdraws the account (hash %016llx); replaying it\n",
	       (unsigned long long)seed, (unsigned long long)first);
	for (int i = 0; i < 3; i++) {
		if (run_once(seed, &again) != 1 || again != first) {
			printf("racy_bank: the replay differed (hash %016llx)\n",
			       (unsigned long long)again);
			return 1;
		}
	}
	printf("racy_bank: replayed 3 times: the same overdraft, the same events\n");
	return 0;
}
