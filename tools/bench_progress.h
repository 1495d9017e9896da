/* Cadre's by-hand benchmarks: progress on stderr, as shared/BENCH.md asks
 * (a line updated in place on a terminal; finished lines either way).
 * Header-only, for the benchmark programs (tools/ and tests/core/bench_*). */
#ifndef CADRE_BENCH_PROGRESS_H
#define CADRE_BENCH_PROGRESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

static bool stderr_tty;

/* Call once at start. */
static inline void
progress_init(void)
{
	stderr_tty = isatty(STDERR_FILENO);
}

/* Progress on stderr: updated in place on a terminal, silent otherwise. */
static inline void __attribute__((format(printf, 1, 2))) progress(const char *fmt, ...)
{
	va_list ap;

	if (!stderr_tty)
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

/* A finished line on stderr (replaces the progress line on a terminal). */
static inline void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	if (stderr_tty)
		fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

#endif /* CADRE_BENCH_PROGRESS_H */
