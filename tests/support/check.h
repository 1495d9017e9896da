/* Cadre tests: plain checks that stay on in every build type.
 *
 * CHECK(cond) and CHECK_EQ(a, b) print the failing expression with its file
 * and line and abort the process; ctest runs each test as its own process.
 * No framework: each test is a main() calling plain functions. */
#ifndef CADRE_TEST_CHECK_H
#define CADRE_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#define CHECK_EQ(a, b)                                                                       \
	do {                                                                                 \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);              \
		if (check_a_ != check_b_) {                                                  \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", \
			        __FILE__, __LINE__, #a, #b, check_a_, check_b_);             \
			abort();                                                             \
		}                                                                            \
	} while (0)

/* Announces a test case on stderr so a failure names it. */
#define TEST_CASE(fn)                            \
	do {                                     \
		fprintf(stderr, "-- %s\n", #fn); \
		fn();                            \
	} while (0)

/* Runs fn unless the test was given the name of another case: `test only`
 * (argv[1]) runs just the case named `only`. */
#define TEST_CASE_IF(only, fn)                                  \
	do {                                                    \
		if ((only) == NULL || strcmp((only), #fn) == 0) \
			TEST_CASE(fn);                          \
	} while (0)

/* Sizes for stress tests: the default, or the value of an environment
 * variable (CADRE_STRESS_SCALE divides, to make sanitizer runs shorter). */
static inline long
test_size(const char *env, long dflt)
{
	const char *s = getenv(env);
	long v = dflt;
	if (s != NULL && *s != '\0')
		v = strtol(s, NULL, 10);
	const char *scale = getenv("CADRE_STRESS_SCALE");
	if (scale != NULL && *scale != '\0' && strtol(scale, NULL, 10) > 1)
		v /= strtol(scale, NULL, 10);
	return v > 0 ? v : 1;
}

#endif /* CADRE_TEST_CHECK_H */
