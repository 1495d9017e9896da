/* cadre-bench: one workload (--warmups warm-up runs, then --runs runs, secs
 * their median) and its JSON line; the JSON lines of the invocation, kept
 * for --save, --baseline and --compare. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* The runs kept of one workload: every run after the warm-ups, or a failed
 * warm-up (all there is then). */
struct kept {
	double *secs, *cpu, *bpa, *flt;
	uint32_t done;
};

/* The sizes of workload w, for progress and notes. */
static void
sizes_text(enum wl w, const struct sizes *z, char *buf, size_t len)
{
	switch (w) {
	case WL_PINGPONG:
		snprintf(buf, len, "N=%" PRIu64, z->pingpong_n);
		break;
	case WL_COUNTING:
		snprintf(buf, len, "N=%" PRIu64, z->counting_n);
		break;
	case WL_THREADRING:
		snprintf(buf, len, "R=%" PRIu64 " T=%" PRIu64, z->threadring_r, z->threadring_t);
		break;
	case WL_FANIN:
		snprintf(buf, len, "P=%" PRIu64 " N=%" PRIu64, z->fanin_p, z->fanin_n);
		break;
	case WL_FJTHRPUT:
		snprintf(buf, len, "A=%" PRIu64 " N=%" PRIu64, z->fjthrput_a, z->fjthrput_n);
		break;
	case WL_FANOUT:
		snprintf(buf, len, "R=%" PRIu64 " N=%" PRIu64, z->fanout_r, z->fanout_n);
		break;
	case WL_WAKEUP:
		snprintf(buf, len, "R=%" PRIu64 " rounds=%" PRIu64, z->wakeup_r, z->wakeup_n);
		break;
	case WL_SKYNET:
		snprintf(buf, len, "leaves=%" PRIu64, z->skynet_leaves);
		break;
	case WL_BIG:
		snprintf(buf, len, "W=%" PRIu64 " M=%" PRIu64, z->big_w, z->big_m);
		break;
	case WL_IDLE:
		snprintf(buf, len, "actors=%" PRIu64 " ms=%" PRIu64, z->idle_actors, z->idle_ms);
		break;
	case WL_CHAOS:
		snprintf(buf, len, "N=%" PRIu64, z->chaos_n);
		break;
	case WL_CHAMENEOS:
		snprintf(buf, len, "C=%" PRIu64 " N=%" PRIu64, z->chameneos_c, z->chameneos_n);
		break;
	case WL_BANK:
		snprintf(buf, len, "A=%" PRIu64 " N=%" PRIu64, z->bank_a, z->bank_n);
		break;
	case WL_PHILOSOPHERS:
		snprintf(buf, len, "P=%" PRIu64 " R=%" PRIu64, z->philosophers_p,
		         z->philosophers_r);
		break;
	case WL_BARBER:
		snprintf(buf, len, "N=%" PRIu64 " W=%" PRIu64, z->barber_n, z->barber_w);
		break;
	case WL_DICTIONARY:
		snprintf(buf, len, "W=%" PRIu64 " M=%" PRIu64, z->dictionary_w, z->dictionary_m);
		break;
	case WL_LOGMAP:
		snprintf(buf, len, "S=%" PRIu64 " T=%" PRIu64, z->logmap_s, z->logmap_t);
		break;
	case WL_TRAPEZOID:
		snprintf(buf, len, "W=%" PRIu64 " N=%" PRIu64, z->trapezoid_w, z->trapezoid_n);
		break;
	case WL_NQUEENS:
		snprintf(buf, len, "N=%" PRIu64 " T=%" PRIu64 " W=%" PRIu64, z->nqueens_n,
		         z->nqueens_t, z->nqueens_w);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

/* The JSON lines of this invocation: the line being built, and all so far. */
static char g_line[1024];
static size_t g_line_len;
static char *g_lines;
static size_t g_lines_len, g_lines_cap;

void
jprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(g_line + g_line_len, sizeof g_line - g_line_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		g_line_len += (size_t)n;
	if (g_line_len >= sizeof g_line)
		g_line_len = sizeof g_line - 1;
}

void
jline_end(void)
{
	fputs(g_line, stdout);
	fflush(stdout);
	if (g_lines_len + g_line_len + 1 > g_lines_cap) {
		size_t cap = (g_lines_cap + g_line_len + 1) * 2;
		char *p = realloc(g_lines, cap);
		if (p == NULL) {
			fprintf(stderr, "cadre-bench: out of memory\n");
			exit(1);
		}
		g_lines = p;
		g_lines_cap = cap;
	}
	memcpy(g_lines + g_lines_len, g_line, g_line_len + 1);
	g_lines_len += g_line_len;
	g_line_len = 0;
	g_line[0] = '\0';
}

const char *
json_lines(void)
{
	return g_lines != NULL ? g_lines : "";
}

void
save_lines(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(g_lines, 1, g_lines_len, f) != g_lines_len || fclose(f) != 0) {
		fprintf(stderr, "cadre-bench: --save %s: %s\n", path, strerror(errno));
		exit(1);
	}
	note("cadre-bench: %s: saved the JSON lines of this run", path);
}

/* The warm-ups (--warmups, untimed) and the runs of workload w (the runs
 * stop at a failure); *last gets the last run's sample. Returns whether
 * every run passed. */
static bool
measure(enum wl w, const struct options *o, const char *sz, struct kept *k, struct sample *last)
{
	const char *bn = workloads[w].name;
	bool ok = true;

	for (uint32_t i = 0; i < o->warmups + o->runs && ok; i++) {
		struct sample s;
		bool warm_up = i < o->warmups;

		memset(&s, 0, sizeof s);
		if (warm_up)
			progress_lines("%s (%s, workers %u): warm-up %" PRIu32 "/%" PRIu32, bn, sz,
			               o->workers, i + 1, o->warmups);
		else
			progress_lines("%s (%s, workers %u): run %" PRIu32 "/%" PRIu32, bn, sz,
			               o->workers, i - o->warmups + 1, o->runs);
		ok = workloads[w].run(o, &s);
		*last = s;
		if (!warm_up || !ok) { /* a failed warm-up is all we have */
			k->secs[k->done] = s.secs;
			k->cpu[k->done] = s.cpu_secs;
			k->bpa[k->done] = s.bytes_per_actor;
			k->flt[k->done] = (double)s.minflt;
			k->done++;
		}
	}
	return ok;
}

/* The workload's JSON line and its note on stderr; k->secs is sorted. */
static void
report(enum wl w, const struct options *o, const char *sz, const struct result *res,
       const struct sample *last, struct kept *k)
{
	const char *bn = workloads[w].name;
	double lo = k->done > 0 ? k->secs[0] : 0, hi = k->done > 0 ? k->secs[k->done - 1] : 0;
	double cpu = bench_median(k->cpu, k->done), bpa = bench_median(k->bpa, k->done);
	double flt = bench_median(k->flt, k->done);

	jprintf("{\"bench\":\"%s\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":%" PRIu64
	        ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":%" PRIu32 ",\"warmups\":%" PRIu32
	        ",\"stat\":\"median\",\"check\":\"%s\"",
	        bn, o->workers, last->msgs, res->secs, res->mps, k->done, o->warmups,
	        res->ok ? "ok" : "fail");
	if (w == WL_SKYNET || w == WL_BARBER)
		jprintf(",\"spawns\":%" PRIu64 ",\"sps\":%.1f", last->spawns,
		        res->ok && res->secs > 0 ? (double)last->spawns / res->secs : 0);
	if (w == WL_FANOUT)
		jprintf(",\"receivers\":%" PRIu64, o->sz.fanout_r);
	if (w == WL_WAKEUP)
		jprintf(",\"receivers\":%" PRIu64 ",\"ns_per_wakeup\":%.1f", o->sz.wakeup_r,
		        res->ok && last->msgs > 0 ? res->secs * 1e9 / (double)last->msgs : 0);
	if (w == WL_IDLE)
		jprintf(",\"spawns\":%" PRIu64 ",\"cpu_secs\":%.6f,\"bytes_per_actor\":%.1f",
		        last->spawns, cpu, bpa);
	jprintf(",\"min_secs\":%.6f,\"max_secs\":%.6f,\"handled\":%" PRIu64 ",\"dead\":%" PRIu64,
	        lo, hi, last->handled, last->dead);
	if (w != WL_IDLE) /* idle runs in a child: its faults are not ours */
		jprintf(",\"minflt\":%.0f", flt);
	jprintf("}\n");
	jline_end();

	if (w == WL_IDLE)
		note("%-10s w%u %-22s idle %.3f s: cpu %.4f s, %.1f bytes/actor  %s", bn,
		     o->workers, sz, res->secs, cpu, bpa, res->ok ? "ok" : "FAILED");
	else
		note("%-10s w%u %-22s %9.3f Mmsg/s  median %.4f s [%.4f .. %.4f]  %s", bn,
		     o->workers, sz, res->mps / 1e6, res->secs, lo, hi, res->ok ? "ok" : "FAILED");
}

struct result
run_case(enum wl w, const struct options *o)
{
	struct result res = {.ran = true};
	struct kept k = {calloc(o->runs + 1, sizeof(double)), calloc(o->runs + 1, sizeof(double)),
	                 calloc(o->runs + 1, sizeof(double)), calloc(o->runs + 1, sizeof(double)),
	                 0};
	struct sample last;
	char sz[96];

	if (k.secs == NULL || k.cpu == NULL || k.bpa == NULL || k.flt == NULL) {
		fprintf(stderr, "cadre-bench: out of memory\n");
		exit(1);
	}
	g_bench = workloads[w].name;
	sizes_text(w, &o->sz, sz, sizeof sz);
	memset(&last, 0, sizeof last);
	watchdog_line_set(workloads[w].name, "median", o->workers);
	res.ok = measure(w, o, sz, &k, &last);
	res.msgs = last.msgs;
	res.secs = bench_median(k.secs, k.done); /* sorts secs */
	/* A failed result does not count: no rate for it. */
	res.mps = res.ok && res.secs > 0 ? (double)last.msgs / res.secs : 0;
	report(w, o, sz, &res, &last, &k);
	free(k.secs);
	free(k.cpu);
	free(k.bpa);
	free(k.flt);
	return res;
}
