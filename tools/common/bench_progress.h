/* Cadre's by-hand benchmarks: progress on stderr, as shared/BENCH.md asks
 * (a line updated in place on a terminal; finished lines either way), and
 * the small helpers every benchmark program needs (clock, median, option
 * values). Header-only, for the benchmark programs (tools/ and
 * tests/core/bench_*). */
#ifndef CADRE_BENCH_PROGRESS_H
#define CADRE_BENCH_PROGRESS_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static bool stderr_tty;

/* Call once at start. */
static inline void
progress_init(void)
{
	stderr_tty = isatty(STDERR_FILENO);
}

/* A line on stderr that replaces the progress line on a terminal; ended by
 * a newline if `line`, else left to be updated in place. */
static inline void __attribute__((format(printf, 2, 0)))
progress_v(bool line, const char *fmt, va_list ap)
{
	if (stderr_tty)
		fputs("\r\033[K", stderr);
	vfprintf(stderr, fmt, ap);
	if (line)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Progress on stderr: updated in place on a terminal, silent otherwise. */
static inline void __attribute__((format(printf, 1, 2))) progress(const char *fmt, ...)
{
	va_list ap;

	if (!stderr_tty)
		return;
	va_start(ap, fmt);
	progress_v(false, fmt, ap);
	va_end(ap);
}

/* Progress on stderr: updated in place on a terminal, plain lines otherwise. */
static inline void __attribute__((format(printf, 1, 2))) progress_lines(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	progress_v(!stderr_tty, fmt, ap);
	va_end(ap);
}

/* A finished line on stderr (replaces the progress line on a terminal). */
static inline void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	progress_v(true, fmt, ap);
	va_end(ap);
}

/* Seconds on the monotonic clock. */
static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* qsort's comparison of doubles, ascending. */
static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n) (sorts v); 0 if n is 0. */
static inline double
bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* An option's value: a decimal number in [min, max], nothing else. */
static inline bool
bench_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

#endif /* CADRE_BENCH_PROGRESS_H */
