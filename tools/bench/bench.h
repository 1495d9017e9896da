/* cadre-bench's internal header: what the files of tools/bench/ share.
 *
 *   main.c              the workload table, main, the summary table
 *   cli.c               options: the size table, usage, parsing
 *   run.c               one run: its state, the actors' helpers, the
 *                       watchdog, begin / wait / finish and their checks
 *   report.c            one workload: warm-up, runs, median, its JSON line;
 *                       the JSON lines of the invocation (--save)
 *   core_messaging.c    pingpong, counting, threadring, fanin, fjthrput
 *   core_fanout.c       fanout, wakeup (one sender, many receivers)
 *   core_population.c   skynet, big, idle (and --idle-child)
 *   savina_NAME.c       one Savina workload each: chameneos, bank,
 *                       philosophers, barber, dictionary, logmap,
 *                       trapezoid, nqueens
 *   chaos.c             the chaos soak (tools/common/chaos.c) as a workload
 *   stress.c            --stress: the workloads over and over
 *   baseline.c          --baseline: this run against saved JSON lines
 *   compare.c           --compare: the peers, side by side
 *
 * A workload is a wl_fn: one run on a fresh system (run_begin ... run_finish),
 * filling a struct sample; it verifies its own result. Its actors read
 * their sizes from g_run.sz. */
#ifndef CADRE_BENCH_BENCH_H
#define CADRE_BENCH_BENCH_H

#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cadre.h>

#define DEFAULT_WORKERS 2
#define DEFAULT_RUNS 5
#define DEFAULT_WARMUPS 1
#define DEFAULT_TIMEOUT_S 180
#define SKYNET_FANOUT 10

/* Message types: M_CONT, which a sender of many sends itself between
 * slices, is common to all; each workload file numbers its own messages
 * from M_FIRST. */
enum { M_CONT = 1, M_FIRST };

/* ---- options (cli.c) ------------------------------------------------------------------------ */

struct sizes {
	uint64_t pingpong_n;
	uint64_t counting_n;
	uint64_t threadring_r;
	uint64_t threadring_t;
	uint64_t fanin_p;
	uint64_t fanin_n;
	uint64_t fjthrput_a;
	uint64_t fjthrput_n;
	uint64_t fanout_r;
	uint64_t fanout_n;
	uint64_t wakeup_r;
	uint64_t wakeup_n;
	uint64_t skynet_leaves;
	uint64_t big_w;
	uint64_t big_m;
	uint64_t idle_actors;
	uint64_t idle_ms;
	uint64_t slice;
	uint64_t chameneos_c, chameneos_n;
	uint64_t bank_a, bank_n;
	uint64_t philosophers_p, philosophers_r;
	uint64_t barber_n, barber_w, barber_apr, barber_ahr;
	uint64_t dictionary_w, dictionary_m, dictionary_write;
	uint64_t logmap_s, logmap_t;
	uint64_t trapezoid_w, trapezoid_n;
	uint64_t nqueens_n, nqueens_t, nqueens_w;
	uint64_t chaos_n;
};

/* A size option: --NAME, the field of struct sizes at off. */
struct size_opt {
	const char *name;
	size_t off;
	uint64_t dflt, min, max;
	bool quick; /* --quick divides it by 10 */
	const char *help;
};

extern const struct size_opt size_opts[];
extern const size_t nsize_opts;

uint64_t *size_at(struct sizes *sz, size_t off);

struct options {
	struct sizes sz;
	unsigned workers;
	uint32_t runs;
	uint32_t warmups; /* --warmups: untimed runs before the timed ones (0: none) */
	uint64_t timeout_s;
	bool quick;
	unsigned only;             /* bit per workload; 0 = all */
	bool idle_child;           /* internal: run one idle measurement, print it, exit */
	uint64_t stress_secs;      /* --stress: soak for this long (0: no soak) */
	uint64_t stress_msgs;      /* --stress-msgs: soak until this many messages */
	const char *save_path;     /* --save: write the JSON lines here */
	const char *baseline_path; /* --baseline: compare with these JSON lines */
	bool compare;              /* --compare: run the peers too, print ratios */
	bool no_run_next;          /* --no-run-next: cadre_config.no_run_next */
	bool no_backpressure;      /* --no-backpressure: cadre_config.no_backpressure */
	bool no_coalesce;          /* --no-coalesce: cadre_config.no_coalesce */
	bool no_governor;          /* --no-governor: cadre_config.no_governor */
	bool actor_stats;          /* --actor-stats: cadre_config.actor_stats */
	unsigned steal_after_us;   /* --steal-after-us: cadre_config.steal_after_us */
	uint64_t prealloc_mib;     /* --prealloc-mib: cadre_config.prealloc_bytes / 2^20 */
	unsigned trace_events;     /* --trace N: cadre_config.trace_events (recording on) */
	const char *peers_script;  /* --peers-script: run-peers.sh to use */
};

/* The options of this invocation: defaults, the command line, --quick
 * (exits 2 on a bad argument). */
void parse_options(int argc, char **argv, struct options *o);

/* ---- the workload table (main.c) ------------------------------------------------------------ */

enum wl {
	WL_PINGPONG,
	WL_COUNTING,
	WL_THREADRING,
	WL_FANIN,
	WL_FJTHRPUT,
	WL_FANOUT,
	WL_SKYNET,
	WL_BIG,
	WL_CHAMENEOS,
	WL_BANK,
	WL_PHILOSOPHERS,
	WL_BARBER,
	WL_DICTIONARY,
	WL_LOGMAP,
	WL_TRAPEZOID,
	WL_NQUEENS,
	WL_IDLE,
	WL_CHAOS,  /* only when named (--only chaos) or soaking (--stress) */
	WL_WAKEUP, /* only when named (--only wakeup) */
	WL_COUNT
};

/* What one run measured. */
struct sample {
	double secs;
	uint64_t msgs;
	uint64_t spawns;
	double cpu_secs;
	double bytes_per_actor;
	uint64_t handled, dead;
	uint64_t minflt; /* the process's minor page faults in the measured phase */
};

/* One run of a workload; false if a check failed. */
typedef bool wl_fn(const struct options *o, struct sample *s);

struct workload {
	const char *name;
	wl_fn *run;
};

extern const struct workload workloads[WL_COUNT];

wl_fn wl_pingpong, wl_counting, wl_threadring, wl_fanin, wl_fjthrput; /* core_messaging.c */
wl_fn wl_skynet, wl_big, wl_idle;                                     /* core_population.c */
wl_fn wl_chameneos, wl_bank, wl_philosophers, wl_barber;              /* savina_NAME.c */
wl_fn wl_dictionary, wl_logmap, wl_trapezoid, wl_nqueens;             /* savina_NAME.c */
wl_fn wl_fanout, wl_wakeup;                                           /* core_fanout.c */
wl_fn wl_chaos;                                                       /* chaos.c */

/* --idle-child: one idle measurement in this process, printed for the
 * parent's wl_idle; the exit status. */
int idle_child(const struct options *o);

/* ---- one run (run.c) ------------------------------------------------------------------------ */

/* The state of one run. Main sets it up before the system exists and reads
 * it after the semaphore or the shutdown; in between, each field has one
 * writer actor (or is atomic), and messages and spawns order the accesses. */
struct run {
	sem_t done;        /* posted by the actor that completes the workload, or on failure */
	atomic_int failed; /* a check failed: why says which (first failure only) */
	char why[512];     /* read by main after the shutdown */
	struct sizes sz;
	cadre_ref first;        /* threadring: node 0 (node 0 writes); fanin: the sink (sink);
	                         * wakeup: the driver (driver) */
	uint64_t *next;         /* fanin: next expected seq per producer (sink only) */
	cadre_ref *refs;        /* fjthrput, fanout: receivers (sender); big: actors (driver);
	                         * idle, wakeup: receivers (main) */
	uint64_t expect;        /* fjthrput: each worker's hash (main) */
	uint64_t result;        /* the final actor's result */
	_Atomic uint64_t tally; /* big: pings answered; idle, wakeup: actors started */
	_Atomic uint64_t shut;  /* big, idle: actors stopped by cadre_stop_ref */
	/* The further Savina workloads (main sets them up, one actor reads or
	 * writes them, main reads them after the semaphore). */
	cadre_ref second;            /* dictionary: the dictionary */
	void *data;                  /* bank: final balances; dictionary: the dump; logmap: terms */
	const uint64_t *expect_vals; /* dictionary: the expected value per key */
	const double *dexpect;       /* logmap: terms and sum; trapezoid: the area */
	uint64_t extra[3];           /* philosophers: denials; barber: waited, turned, served */
};

extern struct run g_run;
extern const char *g_bench; /* the workload running, for notes */
extern bool g_stats;        /* --stats: print each run's counters */
extern bool g_stress;       /* soaking: fewer notes */

/* The workload is complete (an actor posts the run's semaphore). */
void run_done(void);

/* A failed check: recorded (the first only), and main stops waiting. */
void run_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A failed check inside a callback: record it, and fail the actor (1 is
 * not a CADRE_E* code). */
#define BAD(...) (run_fail(__VA_ARGS__), 1)

/* The stop callback of actors that stop only by themselves. */
void on_stop(cadre_actor *self, const cadre_exit *why);

/* The actors' helpers, on the hot path: inline. */
static inline bool
get_u64(const cadre_msg *m, uint64_t *v)
{
	if (m->size != sizeof *v)
		return false;
	memcpy(v, m->data, sizeof *v);
	return true;
}

static inline int
send_u64(cadre_system *sys, cadre_ref to, uint32_t type, uint64_t v)
{
	return cadre_send(sys, to, type, &v, sizeof v);
}

static inline int
send_self(cadre_actor *self, uint32_t type)
{
	return cadre_send(cadre_actor_system(self), cadre_self(self), type, NULL, 0);
}

/* Self-sent continues of a sender of n messages in slices. */
static inline uint64_t
continues(uint64_t n, uint64_t slice)
{
	return n == 0 ? 0 : (n + slice - 1) / slice - 1;
}

static inline uint64_t
splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* A deterministic random stream (splitmix64 over a counter). */
static inline uint64_t
rng_next(uint64_t *s)
{
	return splitmix64((*s)++);
}

/* What the counters must show once the run is over. */
struct expect {
	uint64_t handled;
	uint64_t spawned;
};

/* A fresh system for one run (g_run reset, the watchdog armed); NULL if it
 * could not be created. */
cadre_system *run_begin(const struct options *o);

/* Waits for the run's semaphore; false on the timeout (`what` names what
 * was awaited). */
bool wait_signal(cadre_system *sys, const char *what);

/* Spawns the workload's first actor and waits until the run completes;
 * s->secs is the time from the spawn on. */
bool spawn_timed(cadre_system *sys, const cadre_behaviour *beh, const char *what, struct sample *s);

/* After the measured phase: waits for every actor to stop, shuts the system
 * down, checks the counters against e and frees the system. */
bool run_finish(cadre_system *sys, bool ok, const struct expect *e, struct sample *s);

/* The common shape: spawn the workload's first actor, wait, finish. */
bool run_simple(const struct options *o, const cadre_behaviour *beh, const struct expect *e,
                struct sample *s);

/* run_simple with a prep (may be NULL) that sets up g_run after run_begin
 * and a fix (may be NULL) that completes the expected counts from what the
 * workload reported, once it is done. */
bool run_custom(const struct options *o, const cadre_behaviour *beh, void (*prep)(void *ctx),
                void (*fix)(struct expect *e, struct sample *s), void *ctx, struct expect *e,
                struct sample *s);

/* The watchdog ends the program if a run hangs beyond its timeout, printing
 * a failed JSON line for bench (none if bench is NULL). */
void watchdog_install(void);
void watchdog_line_set(const char *bench, const char *stat, unsigned workers);

/* ---- results (report.c, baseline.c, compare.c, stress.c) ------------------------------------ */

struct result {
	bool ran;
	bool ok;
	double secs, mps;
	uint64_t msgs;
};

/* Warm-up, --runs runs, the median; prints the workload's JSON line and a
 * note. */
struct result run_case(enum wl w, const struct options *o);

/* The JSON lines of this invocation: printed, and kept for --save,
 * --baseline and --compare. A line is built with jprintf, then ended with
 * jline_end. */
void jprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void jline_end(void);
const char *json_lines(void); /* all so far, "" if none */
void save_lines(const char *path);

/* A field of a JSON Lines object as written by the benchmarks (flat, no
 * nesting): a string into buf, or a number. */
bool json_str(const char *line, const char *key, char *buf, size_t len);
bool json_num(const char *line, const char *key, double *v);

/* Prints this run against the baseline's lines; true if a regression was
 * flagged. */
bool compare_baseline(const char *path);

/* Runs the peers with our settings; false if a peer failed its check. */
bool compare_peers(const struct options *o);

/* --stress: the exit status. */
int run_stress(const struct options *o);

#endif /* CADRE_BENCH_BENCH_H */
