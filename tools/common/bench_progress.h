/* Cadre's by-hand benchmarks: progress on stderr, as docs/benchmarks.md
 * asks (a line updated in place on a terminal; finished lines either way),
 * and the small helpers every benchmark program needs (clock, median).
 * Compiled once (bench_progress.c, the cadre_bench_common library) for
 * every program in tools/. */
#ifndef CADRE_BENCH_PROGRESS_H
#define CADRE_BENCH_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Call once at start. */
void progress_init(void);

/* Whether stderr is a terminal (known after progress_init). */
bool progress_tty(void);

/* Progress on stderr: updated in place on a terminal, silent otherwise. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress on stderr: updated in place on a terminal, plain lines otherwise. */
void progress_lines(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A finished line on stderr (replaces the progress line on a terminal). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Nanoseconds on the monotonic clock. */
uint64_t bench_now_ns(void);

/* qsort's comparison of doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);

/* The median of v[0..n) (sorts v); 0 if n is 0. */
double bench_median(double *v, size_t n);

#endif /* CADRE_BENCH_PROGRESS_H */
