/* Where the workers run: pinning follows the CPUs the creating thread may
 * run on (sched_getaffinity), not the online CPUs; cfg.cpus / cfg.ncpus
 * give an explicit list, checked; cadre_system_worker_cpu says where each
 * worker is pinned, and the worker threads really run there.
 *
 * The cases adapt to the machine: with a single allowed CPU the "last CPU"
 * is the only one, and the cases that need a second allowed CPU say so on
 * stderr and assert what they can without it. */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include <cadre.h>

#include "check.h"
#include "quiet.h"

#define MAXCPU 4096

/* The allowed CPUs of the calling thread, in increasing order (ncpu). */
static int allowed[MAXCPU];
static unsigned nallowed;

static void
read_allowed(void)
{
	size_t bytes = CPU_ALLOC_SIZE(MAXCPU);
	cpu_set_t *set = CPU_ALLOC(MAXCPU);
	CHECK(set != NULL);
	CHECK_EQ(sched_getaffinity(0, bytes, set), 0);
	nallowed = 0;
	for (int c = 0; c < MAXCPU; c++)
		if (CPU_ISSET_S((size_t)c, bytes, set))
			allowed[nallowed++] = c;
	CPU_FREE(set);
	CHECK(nallowed >= 1);
}

/* Restricts the calling thread to cpu, or (cpu < 0) gives it back every
 * CPU it had at the start. */
static void
restrict_to(int cpu)
{
	size_t bytes = CPU_ALLOC_SIZE(MAXCPU);
	cpu_set_t *set = CPU_ALLOC(MAXCPU);
	CHECK(set != NULL);
	CPU_ZERO_S(bytes, set);
	if (cpu >= 0)
		CPU_SET_S((size_t)cpu, bytes, set);
	else
		for (unsigned i = 0; i < nallowed; i++)
			CPU_SET_S((size_t)allowed[i], bytes, set);
	CHECK_EQ(sched_setaffinity(0, bytes, set), 0);
	CPU_FREE(set);
}

static unsigned
min_workers(unsigned n)
{
	return n < 64 ? n : 64;
}

/* ---- a probe: an actor reports its thread's affinity and CPU ---------------- */

struct probe {
	int mask_cpu; /* the only CPU of the thread's mask; -1: several; -2: error */
	int on_cpu;   /* sched_getcpu() */
	int done;
};

static int
probe_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	struct probe *p;
	memcpy(&p, m->data, sizeof p);
	size_t bytes = CPU_ALLOC_SIZE(MAXCPU);
	cpu_set_t *set = CPU_ALLOC(MAXCPU);
	p->mask_cpu = -2;
	if (set != NULL && pthread_getaffinity_np(pthread_self(), bytes, set) == 0) {
		p->mask_cpu = -1;
		if (CPU_COUNT_S(bytes, set) == 1)
			for (int c = 0; c < MAXCPU; c++)
				if (CPU_ISSET_S((size_t)c, bytes, set))
					p->mask_cpu = c;
	}
	if (set != NULL)
		CPU_FREE(set);
	p->on_cpu = sched_getcpu();
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE); /* pairs with the acquire in probe_all */
	return 0;
}

static const cadre_behaviour probe_beh = {.size = sizeof(cadre_actor), .receive = probe_receive};

#define NPROBE_ACTORS 8
#define NPROBE_ROUNDS 4

/* Every worker thread that runs a probe is pinned to cpu alone, and runs on
 * it. Several actors, several messages each, so that every worker of a
 * small system is likely to run some. */
static void
probe_all(cadre_system *sys, int cpu)
{
	static struct probe p[NPROBE_ACTORS * NPROBE_ROUNDS];
	memset(p, 0, sizeof p);
	cadre_ref a[NPROBE_ACTORS];
	for (int i = 0; i < NPROBE_ACTORS; i++)
		CHECK_EQ(cadre_spawn(sys, &probe_beh, NULL, NULL, &a[i]), 0);
	for (int r = 0; r < NPROBE_ROUNDS; r++)
		for (int i = 0; i < NPROBE_ACTORS; i++) {
			struct probe *q = &p[r * NPROBE_ACTORS + i];
			CHECK_EQ(cadre_send(sys, a[i], 1, &q, sizeof q), 0);
		}
	long deadline = now_ms() + 10000;
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
		/* Acquire: pairs with the release store in probe_receive. */
		while (!__atomic_load_n(&p[i].done, __ATOMIC_ACQUIRE)) {
			CHECK(now_ms() < deadline);
			nap_us(100);
		}
		CHECK_EQ(p[i].mask_cpu, cpu);
		CHECK_EQ(p[i].on_cpu, cpu);
	}
	for (int i = 0; i < NPROBE_ACTORS; i++)
		CHECK_EQ(cadre_stop_ref(sys, a[i]), 0);
}

/* ---- (a) the default follows the creating thread's allowed CPUs ------------- */

static void
default_follows_affinity(void)
{
	int last = allowed[nallowed - 1];
	restrict_to(last);
	cadre_system *sys = NULL;
	CHECK_EQ(cadre_system_new(&sys, NULL), 0);
	CHECK_EQ(cadre_system_workers(sys), 1); /* one per allowed CPU, not per online */
	CHECK_EQ(cadre_system_worker_cpu(sys, 0), last);
	probe_all(sys, last);
	cadre_system_free(sys);
	/* The allowed set is the calling thread's, read at creation: another
	 * CPU of the process is not in it now. */
	if (nallowed >= 2) {
		cadre_config cfg;
		memset(&cfg, 0, sizeof cfg);
		int first = allowed[0];
		cfg.cpus = &first;
		cfg.ncpus = 1;
		sys = (cadre_system *)&cfg;
		CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
		CHECK(sys == NULL);
	} else {
		fprintf(stderr, "   one allowed CPU: no other CPU to refuse\n");
	}
	restrict_to(-1);
	/* Unrestricted: worker i on the i-th allowed CPU (mod their number). */
	CHECK_EQ(cadre_system_new(&sys, NULL), 0);
	CHECK_EQ(cadre_system_workers(sys), min_workers(nallowed));
	for (unsigned i = 0; i < cadre_system_workers(sys); i++)
		CHECK_EQ(cadre_system_worker_cpu(sys, i), allowed[i % nallowed]);
	cadre_system_free(sys);
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.workers = 2 * nallowed + 1 <= 64 ? 2 * nallowed + 1 : 64;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	for (unsigned i = 0; i < cfg.workers; i++)
		CHECK_EQ(cadre_system_worker_cpu(sys, i), allowed[i % nallowed]);
	cadre_system_free(sys);
}

/* ---- (b) an explicit list ------------------------------------------------------ */

static void
explicit_list(void)
{
	int last = allowed[nallowed - 1];
	int list[2] = {last, allowed[0]};
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.cpus = list;
	cfg.ncpus = 1;
	cfg.workers = 2;
	cadre_system *sys = NULL;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	list[0] = -1; /* copied: the caller's array may change at once */
	CHECK_EQ(cadre_system_workers(sys), 2);
	CHECK_EQ(cadre_system_worker_cpu(sys, 0), last);
	CHECK_EQ(cadre_system_worker_cpu(sys, 1), last);
	probe_all(sys, last);
	cadre_system_free(sys);
	/* workers 0: one per entry; worker i on cpus[i % ncpus]. */
	list[0] = last;
	cfg.ncpus = 2;
	cfg.workers = 0;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre_system_workers(sys), 2);
	CHECK_EQ(cadre_system_worker_cpu(sys, 0), last);
	CHECK_EQ(cadre_system_worker_cpu(sys, 1), allowed[0]);
	cadre_system_free(sys);
	cfg.workers = 5;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	for (unsigned i = 0; i < 5; i++)
		CHECK_EQ(cadre_system_worker_cpu(sys, i), list[i % 2]);
	cadre_system_free(sys);
	/* A list longer than the most workers: workers 0 gives 64. */
	static int longlist[100];
	for (int i = 0; i < 100; i++)
		longlist[i] = allowed[(unsigned)i % nallowed];
	cfg.cpus = longlist;
	cfg.ncpus = 100;
	cfg.workers = 0;
	cfg.no_pinning = false;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre_system_workers(sys), 64);
	for (unsigned i = 0; i < 64; i++)
		CHECK_EQ(cadre_system_worker_cpu(sys, i), longlist[i]);
	cadre_system_free(sys);
}

/* ---- (c) every invalid list is refused ------------------------------------- */

static void
refused(const cadre_config *cfg)
{
	cadre_system *sys = (cadre_system *)&sys; /* must be reset to NULL */
	CHECK_EQ(cadre_system_new(&sys, cfg), CADRE_EINVAL);
	CHECK(sys == NULL);
}

static void
invalid_lists(void)
{
	int last = allowed[nallowed - 1];
	int beyond = last + 1; /* larger than every allowed CPU: not allowed */
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	int bad[] = {-1, INT_MIN, beyond, 1 << 20, INT_MAX};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int list[2] = {last, bad[i]}; /* a good one first: each entry is checked */
		cfg.cpus = list;
		cfg.ncpus = 2;
		refused(&cfg);
		cfg.ncpus = 1;
		cfg.cpus = &bad[i];
		refused(&cfg);
	}
	/* An entry beyond the 64 that workers can reach is checked too. */
	static int longlist[100];
	for (int i = 0; i < 100; i++)
		longlist[i] = last;
	longlist[99] = -1;
	cfg.cpus = longlist;
	cfg.ncpus = 100;
	refused(&cfg);
	longlist[99] = beyond;
	refused(&cfg);
	cfg.cpus = NULL; /* NULL with ncpus > 0 */
	cfg.ncpus = 1;
	refused(&cfg);
	cfg.cpus = &last; /* a list with no pinning */
	cfg.no_pinning = true;
	refused(&cfg);
	/* ncpus 0: cpus is ignored (here a negative CPU, with no_pinning). */
	int junk = -5;
	cfg.cpus = &junk;
	cfg.ncpus = 0;
	cadre_system *sys = NULL;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_system_free(sys);
}

/* ---- (d) no pinning, (e) bad arguments ----------------------------------------- */

static void
no_pinning(void)
{
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.no_pinning = true;
	cadre_system *sys = NULL;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre_system_workers(sys), min_workers(nallowed)); /* still per allowed CPU */
	for (unsigned i = 0; i < cadre_system_workers(sys); i++)
		CHECK_EQ(cadre_system_worker_cpu(sys, i), CADRE_ENOENT);
	cadre_system_free(sys);
	cfg.workers = 3;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(cadre_system_worker_cpu(sys, i), CADRE_ENOENT);
	cadre_system_free(sys);
}

static void
bad_arguments(void)
{
	CHECK_EQ(cadre_system_worker_cpu(NULL, 0), CADRE_EINVAL);
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.workers = 2;
	cfg.blocking_threads = 2;
	cadre_system *sys = NULL;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK(cadre_system_worker_cpu(sys, 1) >= 0);
	CHECK_EQ(cadre_system_worker_cpu(sys, 2), CADRE_EINVAL); /* (a blocking-pool thread) */
	CHECK_EQ(cadre_system_worker_cpu(sys, 64), CADRE_EINVAL);
	CHECK_EQ(cadre_system_worker_cpu(sys, UINT_MAX), CADRE_EINVAL);
	/* The answer stays until the system is freed. */
	int cpu = cadre_system_worker_cpu(sys, 0);
	CHECK_EQ(cpu, allowed[0]);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_system_worker_cpu(sys, 0), cpu);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	read_allowed();
	fprintf(stderr, "   %u allowed CPU(s), the last is %d\n", nallowed, allowed[nallowed - 1]);
	if (nallowed == 1)
		fprintf(stderr, "   one allowed CPU: the lists cannot tell CPUs apart\n");
	TEST_CASE_IF(only, default_follows_affinity);
	TEST_CASE_IF(only, explicit_list);
	TEST_CASE_IF(only, invalid_lists);
	TEST_CASE_IF(only, no_pinning);
	TEST_CASE_IF(only, bad_arguments);
	return 0;
}
