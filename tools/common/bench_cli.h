/* The command line of Cadre's benchmark programs: one parser for all of
 * them, so that every tool takes its options the same way.
 *
 * A tool walks its arguments and asks for each option's value:
 *
 *	struct bench_args a;
 *
 *	bench_args_init(&a, argc, argv, "cadre-bench-x", usage);
 *	while (bench_args_next(&a)) {
 *		if (bench_args_is(&a, "--quick"))
 *			o->quick = true;
 *		else if (bench_args_is(&a, "--runs"))
 *			o->runs = (uint32_t)bench_args_u64(&a, 1, 1000);
 *		else
 *			bench_args_bad(&a);
 *	}
 *
 * The rules, the same in every tool:
 * - an option's value follows it (--runs 3) or is joined by '='
 *   (--runs=3); a number is decimal digits only, within the option's range;
 * - --help and -h print the usage on stdout and exit 0;
 * - anything else that is wrong (an unknown option, a missing or bad
 *   value) prints "PROG: bad argument: ARG [VALUE]" and the usage on
 *   stderr and exits 2. */
#ifndef CADRE_BENCH_CLI_H
#define CADRE_BENCH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Prints the tool's usage text to f. */
typedef void bench_usage_fn(FILE *f);

struct bench_args {
	int argc, i;
	char **argv;
	const char *prog;      /* names the tool in error lines */
	bench_usage_fn *usage; /* printed after an error line, and for --help */
	const char *arg;       /* the current argument */
	const char *eq;        /* its '=', or NULL */
	size_t len;            /* the length of its name (up to the '=') */
	const char *val;       /* its value, once taken */
};

void bench_args_init(struct bench_args *a, int argc, char **argv, const char *prog,
                     bench_usage_fn *usage);

/* Steps to the next argument; false when there is none. Answers --help and
 * -h itself (the usage on stdout, exit 0). */
bool bench_args_next(struct bench_args *a);

/* Whether the current argument is the option `name` (with or without an
 * '=' and a value). */
bool bench_args_is(const struct bench_args *a, const char *name);

/* The current option's value (after its '=', else the next argument); a
 * missing value is a bad argument. */
const char *bench_args_value(struct bench_args *a);

/* The current option's value as a decimal number in [min, max]. */
uint64_t bench_args_u64(struct bench_args *a, uint64_t min, uint64_t max);

/* The current option's value as a decimal fraction (strtod) in [min, max]. */
double bench_args_double(struct bench_args *a, double min, double max);

/* Reports the current argument as bad, prints the usage on stderr and
 * exits 2. */
_Noreturn void bench_args_bad(const struct bench_args *a);

/* s as a decimal number in [min, max], nothing else. */
bool bench_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif /* CADRE_BENCH_CLI_H */
