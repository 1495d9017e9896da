/* Progress on stderr and the clock and median of the benchmark programs
 * (bench_progress.h). */
#define _POSIX_C_SOURCE 200809L

#include "bench_progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static bool stderr_tty;

void
progress_init(void)
{
	stderr_tty = isatty(STDERR_FILENO);
}

bool
progress_tty(void)
{
	return stderr_tty;
}

/* A line on stderr that replaces the progress line on a terminal; ended by
 * a newline if `line`, else left to be updated in place. */
static void __attribute__((format(printf, 2, 0))) progress_v(bool line, const char *fmt, va_list ap)
{
	if (stderr_tty)
		fputs("\r\033[K", stderr);
	vfprintf(stderr, fmt, ap);
	if (line)
		fputc('\n', stderr);
	fflush(stderr);
}

void
progress(const char *fmt, ...)
{
	va_list ap;

	if (!stderr_tty)
		return;
	va_start(ap, fmt);
	progress_v(false, fmt, ap);
	va_end(ap);
}

void
progress_lines(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	progress_v(!stderr_tty, fmt, ap);
	va_end(ap);
}

void
note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	progress_v(true, fmt, ap);
	va_end(ap);
}

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
