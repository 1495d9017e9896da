/* The shared command-line parser of the benchmark programs (bench_cli.h). */
#include "bench_cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
bench_args_init(struct bench_args *a, int argc, char **argv, const char *prog,
                bench_usage_fn *usage)
{
	memset(a, 0, sizeof *a);
	a->argc = argc;
	a->argv = argv;
	a->prog = prog;
	a->usage = usage;
}

bool
bench_args_next(struct bench_args *a)
{
	if (a->i + 1 >= a->argc)
		return false;
	a->arg = a->argv[++a->i];
	a->eq = strchr(a->arg, '=');
	a->len = a->eq != NULL ? (size_t)(a->eq - a->arg) : strlen(a->arg);
	a->val = NULL;
	if (bench_args_is(a, "--help") || bench_args_is(a, "-h")) {
		a->usage(stdout);
		exit(0);
	}
	return true;
}

bool
bench_args_is(const struct bench_args *a, const char *name)
{
	return a->len == strlen(name) && strncmp(a->arg, name, a->len) == 0;
}

const char *
bench_args_value(struct bench_args *a)
{
	if (a->eq != NULL)
		a->val = a->eq + 1;
	else if (a->i + 1 < a->argc)
		a->val = a->argv[++a->i];
	if (a->val == NULL)
		bench_args_bad(a);
	return a->val;
}

uint64_t
bench_args_u64(struct bench_args *a, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (!bench_parse_u64(bench_args_value(a), min, max, &v))
		bench_args_bad(a);
	return v;
}

double
bench_args_double(struct bench_args *a, double min, double max)
{
	const char *s = bench_args_value(a);
	char *end;

	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max))
		bench_args_bad(a);
	return v;
}

void
bench_args_bad(const struct bench_args *a)
{
	/* A value taken from the next argument is shown after a space; one
	 * given with '=' is part of the argument already. */
	bool apart = a->val != NULL && a->eq == NULL;

	fprintf(stderr, "%s: bad argument: %s%s%s\n", a->prog, a->arg, apart ? " " : "",
	        apart ? a->val : "");
	a->usage(stderr);
	exit(2);
}

bool
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
