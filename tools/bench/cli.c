/* cadre-bench's options: the size table, the usage text, parsing (with
 * the shared parser, tools/common/bench_cli.h) and --quick. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_cli.h"

/* Every size is an option; those marked quick are divided by 10 by
 * --quick. The peers take the same size options (compare.c). */
#define SZ(field) offsetof(struct sizes, field)
#define BIG_MAX 1000000000000ULL

const struct size_opt size_opts[] = {
        {"--pingpong-n", SZ(pingpong_n), 1000000, 1, BIG_MAX, true, "pingpong: round trips"},
        {"--counting-n", SZ(counting_n), 10000000, 1, BIG_MAX, true, "counting: increments"},
        {"--threadring-r", SZ(threadring_r), 503, 1, 1000000, false, "threadring: actors"},
        {"--threadring-t", SZ(threadring_t), 10000000, 1, BIG_MAX, true, "threadring: hops"},
        {"--fanin-p", SZ(fanin_p), 8, 1, 100000, false, "fanin: producers"},
        {"--fanin-n", SZ(fanin_n), 2000000, 1, BIG_MAX, true, "fanin: messages per producer"},
        {"--fjthrput-a", SZ(fjthrput_a), 60, 1, 1000000, false, "fjthrput: actors"},
        {"--fjthrput-n", SZ(fjthrput_n), 1000000, 1, BIG_MAX, true, "fjthrput: messages per actor"},
        {"--fanout-r", SZ(fanout_r), 1000, 1, 1000000, false, "fanout: receivers"},
        {"--fanout-n", SZ(fanout_n), 10000000, 1, BIG_MAX, true,
         "fanout: messages in all (at least --fanout-r)"},
        {"--skynet-leaves", SZ(skynet_leaves), 1000000, 10, 100000000, true,
         "skynet: leaves, a power of 10"},
        {"--big-w", SZ(big_w), 1000, 1, 1000000, false, "big: actors"},
        {"--big-m", SZ(big_m), 2000, 1, UINT32_MAX, true, "big: pings per actor"},
        {"--idle-actors", SZ(idle_actors), 100000, 1, 100000000, true, "idle: actors"},
        {"--idle-ms", SZ(idle_ms), 2000, 1, 3600000, true, "idle: idle time (ms)"},
        {"--slice", SZ(slice), 1000, 1, 1000000000, false,
         "counting, fanin, fjthrput, fanout, wakeup, bank: sends before a continue"},
        {"--chameneos-c", SZ(chameneos_c), 5, 2, 100000, false, "chameneos: creatures"},
        {"--chameneos-n", SZ(chameneos_n), 1000000, 1, BIG_MAX, true, "chameneos: meetings"},
        {"--bank-a", SZ(bank_a), 1000, 2, 10000000, false, "bank: accounts"},
        {"--bank-n", SZ(bank_n), 1000000, 1, BIG_MAX, true, "bank: transactions"},
        {"--philosophers-p", SZ(philosophers_p), 20, 2, 1000000, false,
         "philosophers: philosophers"},
        {"--philosophers-r", SZ(philosophers_r), 100000, 1, BIG_MAX, true,
         "philosophers: meals each"},
        {"--barber-n", SZ(barber_n), 500000, 1, 100000000, true, "barber: customers"},
        {"--barber-w", SZ(barber_w), 1000, 1, 100000000, false, "barber: waiting room seats"},
        {"--barber-apr", SZ(barber_apr), 1000, 0, 1000000000, false,
         "barber: busy loop between arrivals (max)"},
        {"--barber-ahr", SZ(barber_ahr), 1000, 0, 1000000000, false,
         "barber: busy loop per haircut (max)"},
        {"--dictionary-w", SZ(dictionary_w), 20, 1, 100000, false, "dictionary: workers"},
        {"--dictionary-m", SZ(dictionary_m), 100000, 1, BIG_MAX, true,
         "dictionary: requests per worker"},
        {"--dictionary-write", SZ(dictionary_write), 10, 0, 100, false,
         "dictionary: writes (percent)"},
        {"--logmap-s", SZ(logmap_s), 10, 1, 1000000, false, "logmap: series"},
        {"--logmap-t", SZ(logmap_t), 250000, 1, BIG_MAX, true, "logmap: terms"},
        {"--trapezoid-w", SZ(trapezoid_w), 100, 1, 1000000, false, "trapezoid: workers"},
        {"--trapezoid-n", SZ(trapezoid_n), 300000000, 1, BIG_MAX, true, "trapezoid: pieces"},
        {"--nqueens-n", SZ(nqueens_n), 15, 1, 18, false, "nqueens: board size (--quick: N - 2)"},
        {"--nqueens-t", SZ(nqueens_t), 4, 0, 18, false,
         "nqueens: queens placed in parallel, then sequentially"},
        {"--nqueens-w", SZ(nqueens_w), 20, 1, 100000, false, "nqueens: workers"},
        {"--wakeup-r", SZ(wakeup_r), 100000, 1, 10000000, false, "wakeup: idle receivers"},
        {"--wakeup-n", SZ(wakeup_n), 100, 1, 1000000, true, "wakeup: rounds (one wake each)"},
        {"--chaos-n", SZ(chaos_n), 2000000, 1000, BIG_MAX, true,
         "chaos: WORK messages from outside threads, among crashes and restarts"},
};

const size_t nsize_opts = sizeof size_opts / sizeof size_opts[0];

uint64_t *
size_at(struct sizes *sz, size_t off)
{
	return (uint64_t *)(void *)((char *)sz + off);
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: cadre-bench [--workers N] [--runs R] [--warmups W] [--quick]\n"
	        "                   [--only NAME[,NAME...]] [--timeout SECS] [size options]\n"
	        "  --workers N     worker threads (cadre_config.workers; default %d)\n"
	        "  --runs R        timed runs after the warm-ups; secs is their median "
	        "(default %d)\n"
	        "  --warmups W     untimed runs of each workload first, in the same process\n"
	        "                  (default %d; 0: the first run of the process is timed)\n"
	        "  --quick         divide the sizes marked * by 10 (given ones too)\n"
	        "  --only NAMES    run these workloads only, comma-separated:\n"
	        "                  pingpong, counting, threadring, fanin, fjthrput, fanout,\n"
	        "                  skynet, big, chameneos, bank, philosophers, barber,\n"
	        "                  dictionary, logmap, trapezoid, nqueens, idle; and chaos\n"
	        "                  (only when named, or with --stress) and wakeup (only\n"
	        "                  when named)\n"
	        "  --timeout SECS  a run that takes longer fails (default %d)\n"
	        "  --stress SECS   soak: run the workloads (--only, else all but idle) in turn\n"
	        "                  at --quick sizes, one run each, until SECS pass; every\n"
	        "                  check on; one JSON line, bench \"stress\"; exit 1 on a failure\n"
	        "  --stress-msgs N soak until N messages (with --stress: whichever comes first)\n"
	        "  --save FILE     also write this run's JSON lines to FILE\n"
	        "  --compare       then run the same workloads on the installed peers (Go, "
	        "Erlang,\n"
	        "                  CAF, rawc: tools/peers/run-peers.sh, missing ones skipped) "
	        "with\n"
	        "                  the same workers, runs, warm-ups and sizes, and print "
	        "cadre/peer\n"
	        "                  ratios\n"
	        "  --peers-script F  the run-peers.sh to use (default: the source tree's, or\n"
	        "                  $CADRE_PEERS_SCRIPT)\n"
	        "  --baseline FILE compare the medians with FILE's per (bench, impl, workers);\n"
	        "                  a table on stderr; exit 3 if slower by more than the noise,\n"
	        "                  max(10%%, 3 x the larger (max-min)/median of the two)\n"
	        "  --no-run-next, --no-backpressure, --no-coalesce, --no-governor,\n"
	        "  --steal-after-us N\n"
	        "                  ablations: the cadre_config fields of those names\n"
	        "  --prealloc-mib N  cadre_config.prealloc_bytes = N MiB: each worker prefaults\n"
	        "                  N MiB at the system's start (default 0)\n"
	        "  --actor-stats   cadre_config.actor_stats: per-actor counters on\n"
	        "  --trace N       record the scheduling trace (cadre_config.trace_events = N\n"
	        "                  events per ring): the cost of recording\n"
	        "  --stats         print each run's counters (steals, parks, ...) on stderr\n"
	        "size options (default):\n",
	        DEFAULT_WORKERS, DEFAULT_RUNS, DEFAULT_WARMUPS, DEFAULT_TIMEOUT_S);
	for (size_t i = 0; i < nsize_opts; i++)
		fprintf(f, "  %-18s %s (%" PRIu64 ")%s\n", size_opts[i].name, size_opts[i].help,
		        size_opts[i].dflt, size_opts[i].quick ? " *" : "");
	fprintf(f,
	        "JSON Lines on stdout (docs/benchmarks.md), progress and a summary on stderr.\n");
}

/* --only's value: a mask of workloads, one bit per name. */
static unsigned
parse_only(struct bench_args *a)
{
	const char *p = bench_args_value(a);
	unsigned mask = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		int found = -1;

		for (int w = 0; w < WL_COUNT; w++)
			if (strlen(workloads[w].name) == len &&
			    strncmp(p, workloads[w].name, len) == 0)
				found = w;
		if (found < 0)
			bench_args_bad(a);
		mask |= 1u << found;
		p += len;
		if (*p == ',')
			p++;
	}
	if (mask == 0)
		bench_args_bad(a);
	return mask;
}

/* A size option (--pingpong-n ...): true if the current argument is one. */
static bool
parse_size(struct bench_args *a, struct options *o)
{
	for (size_t k = 0; k < nsize_opts; k++) {
		const struct size_opt *so = &size_opts[k];

		if (!bench_args_is(a, so->name))
			continue;
		*size_at(&o->sz, so->off) = bench_args_u64(a, so->min, so->max);
		return true;
	}
	return false;
}

/* The options that are no size and no mode: true if the current argument
 * is one. */
static bool
parse_setting(struct bench_args *a, struct options *o)
{
	if (bench_args_is(a, "--quick"))
		o->quick = true;
	else if (bench_args_is(a, "--idle-child"))
		o->idle_child = true;
	else if (bench_args_is(a, "--no-run-next"))
		o->no_run_next = true;
	else if (bench_args_is(a, "--no-backpressure"))
		o->no_backpressure = true;
	else if (bench_args_is(a, "--no-coalesce"))
		o->no_coalesce = true;
	else if (bench_args_is(a, "--no-governor"))
		o->no_governor = true;
	else if (bench_args_is(a, "--actor-stats"))
		o->actor_stats = true;
	else if (bench_args_is(a, "--stats"))
		g_stats = true;
	else if (bench_args_is(a, "--trace"))
		o->trace_events = (unsigned)bench_args_u64(a, 1, CADRE_TRACE_MAX_EVENTS);
	else if (bench_args_is(a, "--prealloc-mib"))
		o->prealloc_mib = bench_args_u64(a, 0, 65536);
	else if (bench_args_is(a, "--steal-after-us"))
		o->steal_after_us = (unsigned)bench_args_u64(a, 1, 10000000);
	else if (bench_args_is(a, "--workers"))
		o->workers = (unsigned)bench_args_u64(a, 1, 64);
	else if (bench_args_is(a, "--runs"))
		o->runs = (uint32_t)bench_args_u64(a, 1, 1000);
	else if (bench_args_is(a, "--warmups"))
		o->warmups = (uint32_t)bench_args_u64(a, 0, 1000);
	else if (bench_args_is(a, "--timeout"))
		o->timeout_s = bench_args_u64(a, 1, 86400);
	else if (bench_args_is(a, "--only"))
		o->only = parse_only(a);
	else
		return false;
	return true;
}

/* The modes (--stress, --save, --baseline, --compare): true if the current
 * argument is one of their options. */
static bool
parse_mode(struct bench_args *a, struct options *o)
{
	if (bench_args_is(a, "--stress"))
		o->stress_secs = bench_args_u64(a, 1, 100000000);
	else if (bench_args_is(a, "--stress-msgs"))
		o->stress_msgs = bench_args_u64(a, 1, UINT64_MAX);
	else if (bench_args_is(a, "--save"))
		o->save_path = bench_args_value(a);
	else if (bench_args_is(a, "--baseline"))
		o->baseline_path = bench_args_value(a);
	else if (bench_args_is(a, "--compare"))
		o->compare = true;
	else if (bench_args_is(a, "--peers-script"))
		o->peers_script = bench_args_value(a);
	else
		return false;
	return true;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	struct bench_args a;

	bench_args_init(&a, argc, argv, "cadre-bench", usage);
	while (bench_args_next(&a))
		if (!parse_setting(&a, o) && !parse_mode(&a, o) && !parse_size(&a, o))
			bench_args_bad(&a);
}

static void
finish_sizes(struct options *o)
{
	for (size_t k = 0; k < nsize_opts; k++) {
		const struct size_opt *so = &size_opts[k];
		uint64_t *v = size_at(&o->sz, so->off);

		if (o->quick && so->quick) {
			*v /= 10;
			if (*v < so->min)
				*v = so->min;
		}
	}
	if (o->sz.fanout_n < o->sz.fanout_r) {
		fprintf(stderr,
		        "cadre-bench: --fanout-n (%" PRIu64
		        ") must be at least --fanout-r (%" PRIu64 ")\n",
		        o->sz.fanout_n, o->sz.fanout_r);
		exit(2);
	}
	if (o->quick && o->sz.nqueens_n > 6)
		o->sz.nqueens_n -= 2;
	uint64_t l = o->sz.skynet_leaves;
	while (l % SKYNET_FANOUT == 0)
		l /= SKYNET_FANOUT;
	if (l != 1) {
		fprintf(stderr, "cadre-bench: --skynet-leaves must be a power of 10\n");
		exit(2);
	}
}

void
parse_options(int argc, char **argv, struct options *o)
{
	*o = (struct options){
	        .workers = DEFAULT_WORKERS,
	        .runs = DEFAULT_RUNS,
	        .warmups = DEFAULT_WARMUPS,
	        .timeout_s = DEFAULT_TIMEOUT_S,
	};
	for (size_t k = 0; k < nsize_opts; k++)
		*size_at(&o->sz, size_opts[k].off) = size_opts[k].dflt;
	parse_args(argc, argv, o);
	if (o->stress_secs > 0 || o->stress_msgs > 0)
		o->quick = true; /* a soak runs the --quick sizes */
	finish_sizes(o);
}
