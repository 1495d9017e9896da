/* cadre-bench --stress: a soak. The workloads (--only, else all but idle)
 * in turn at the --quick sizes, one run each, every check on, until
 * --stress seconds pass or --stress-msgs messages were measured, whichever
 * comes first; one JSON line, bench "stress", stat "total". */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* What the soak did. */
struct soak {
	uint64_t msgs, runs, per[WL_COUNT];
	const char *failed; /* the workload that failed, or NULL */
	double secs;
};

/* Runs the workloads of mask in turn until the limits or a failure. */
static void
soak(const struct options *o, unsigned mask, struct soak *k)
{
	double t0 = bench_now(), limit = o->stress_secs > 0 ? (double)o->stress_secs : 0;
	double shown = -5;

	for (int w = 0; k->failed == NULL;) {
		double el = bench_now() - t0;
		if ((limit > 0 && el >= limit) || (o->stress_msgs > 0 && k->msgs >= o->stress_msgs))
			break;
		while ((mask & (1u << w)) == 0)
			w = (w + 1) % WL_COUNT;
		struct sample s;
		memset(&s, 0, sizeof s);
		g_bench = workloads[w].name;
		if (progress_tty() || el >= shown + 5) { /* plain lines: one per 5 s */
			shown = el;
			progress_lines("stress (workers %u): %" PRIu64 " runs, %.0f s, %" PRIu64
			               " msgs; now %s",
			               o->workers, k->runs, el, k->msgs, workloads[w].name);
		}
		if (!workloads[w].run(o, &s))
			k->failed = workloads[w].name;
		k->runs++;
		k->per[w]++;
		k->msgs += s.msgs;
		w = (w + 1) % WL_COUNT;
	}
	k->secs = bench_now() - t0;
}

/* The JSON line, a note and the runs per workload on stderr. */
static void
soak_report(const struct options *o, const struct soak *k)
{
	jprintf("{\"bench\":\"stress\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":%" PRIu64
	        ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":%" PRIu64
	        ",\"stat\":\"total\",\"check\":\"%s\"",
	        o->workers, k->msgs, k->secs, k->secs > 0 ? (double)k->msgs / k->secs : 0, k->runs,
	        k->failed == NULL ? "ok" : "fail");
	if (k->failed != NULL)
		jprintf(",\"failed\":\"%s\"", k->failed);
	jprintf("}\n");
	jline_end();
	note("stress (workers %u): %" PRIu64 " runs, %" PRIu64 " msgs in %.1f s: %s%s", o->workers,
	     k->runs, k->msgs, k->secs, k->failed == NULL ? "ok" : "FAILED in ",
	     k->failed == NULL ? "" : k->failed);
	for (int w = 0; w < WL_COUNT; w++)
		if (k->per[w] > 0)
			fprintf(stderr, "  %-13s %6" PRIu64 " runs\n", workloads[w].name,
			        k->per[w]);
}

int
run_stress(const struct options *o)
{
	unsigned mask = o->only != 0 ? o->only : ~0u;
	struct soak k;

	mask &= ~(1u << WL_IDLE); /* it sleeps, in a child process: not a soak */
	mask &= (1u << WL_COUNT) - 1;
	if (mask == 0) {
		fprintf(stderr, "cadre-bench: --stress: no workload to run (idle is left out)\n");
		return 2;
	}
	g_stress = true;
	watchdog_line_set("stress", "total", o->workers);
	memset(&k, 0, sizeof k);
	soak(o, mask, &k);
	soak_report(o, &k);
	return k.failed == NULL ? 0 : 1;
}
