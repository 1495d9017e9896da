/* The error table: every code has a distinct name and message, codes are
 * negative, and unknown codes are answered, not crashed on. */
#include <string.h>

#include <cadre.h>

#include "check.h"

static const int codes[] = {
#define X(name, value, msg) CADRE_##name,
        CADRE_ERRNO_MAP(X)
#undef X
};
#define NCODES ((int)(sizeof codes / sizeof codes[0]))

static void
codes_are_negative_and_distinct(void)
{
	for (int i = 0; i < NCODES; i++) {
		CHECK(codes[i] < 0);
		for (int j = i + 1; j < NCODES; j++)
			CHECK(codes[i] != codes[j]);
	}
}

static void
names_and_messages(void)
{
	CHECK(strcmp(cadre_err_name(CADRE_OK), "CADRE_OK") == 0);
	CHECK(strcmp(cadre_strerror(CADRE_OK), "success") == 0);
	CHECK(strcmp(cadre_err_name(CADRE_EFULL), "CADRE_EFULL") == 0);
	CHECK(strcmp(cadre_err_name(CADRE_ENOACTOR), "CADRE_ENOACTOR") == 0);
	for (int i = 0; i < NCODES; i++) {
		const char *name = cadre_err_name(codes[i]);
		const char *msg = cadre_strerror(codes[i]);
		CHECK(strncmp(name, "CADRE_E", 7) == 0);
		CHECK(strcmp(msg, "unknown error") != 0 && msg[0] != '\0');
		for (int j = 0; j < i; j++) {
			CHECK(strcmp(name, cadre_err_name(codes[j])) != 0);
			CHECK(strcmp(msg, cadre_strerror(codes[j])) != 0);
		}
	}
}

static void
unknown_codes(void)
{
	CHECK(strcmp(cadre_strerror(12345), "unknown error") == 0);
	CHECK(strcmp(cadre_err_name(-12345), "CADRE_UNKNOWN") == 0);
	CHECK(strcmp(cadre_err_name(1), "CADRE_UNKNOWN") == 0);
}

int
main(void)
{
	TEST_CASE(codes_are_negative_and_distinct);
	TEST_CASE(names_and_messages);
	TEST_CASE(unknown_codes);
	fprintf(stderr, "test_error: ok\n");
	return 0;
}
