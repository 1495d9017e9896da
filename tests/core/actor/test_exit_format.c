/* cadre_exit_format and cadre_log_format: the text of every exit kind, a
 * detail, cadre_ignore's reason, CADRE_EXIT_ERROR's code name, truncation
 * (a small buffer gets a cut, NUL-terminated text and the length needed),
 * NULL arguments.
 *
 * Before the change there was no such function (and no ERROR kind). */
#include <string.h>

#include <cadre.h>

#include "check.h"

static void
expect(cadre_exit r, const char *want)
{
	char buf[128];
	memset(buf, 'x', sizeof buf);
	int n = cadre_exit_format(&r, buf, sizeof buf);
	if (n < 0 || strcmp(buf, want) != 0) {
		fprintf(stderr, "got [%s] (%d), want [%s]\n", buf, n, want);
		CHECK(0);
	}
	CHECK_EQ(n, (long)strlen(want));
}

static void
every_kind(void)
{
	expect((cadre_exit){CADRE_EXIT_NORMAL, 0, NULL}, "normal");
	expect((cadre_exit){CADRE_EXIT_SHUTDOWN, 0, NULL}, "shutdown");
	expect((cadre_exit){CADRE_EXIT_KILLED, 0, NULL}, "killed");
	expect((cadre_exit){CADRE_EXIT_NOPROC, 0, NULL}, "noproc");
	expect((cadre_exit){CADRE_EXIT_FAILURE, 42, NULL}, "failure(42)");
	expect((cadre_exit){CADRE_EXIT_FAILURE, -1, NULL}, "failure(-1)");
	expect((cadre_exit){CADRE_EXIT_FAILURE, 42, "bad input"}, "failure(42, \"bad input\")");
	expect((cadre_exit){CADRE_EXIT_ERROR, CADRE_ENOMEM, NULL}, "error(CADRE_ENOMEM)");
	expect((cadre_exit){CADRE_EXIT_ERROR, CADRE_ENOMEM, "link: out of memory"},
	       "error(CADRE_ENOMEM, \"link: out of memory\")");
	expect((cadre_exit){CADRE_EXIT_NORMAL, CADRE_IGNORE_CODE, "ignore"}, "normal(ignore)");
	expect((cadre_exit){CADRE_EXIT_SHUTDOWN, 0, "pool shrink"}, "shutdown(\"pool shrink\")");
	/* the two namespaces: a user's -1 is not CADRE_EINVAL */
	CHECK(CADRE_EXIT_ERROR != CADRE_EXIT_FAILURE);
}

static void
truncation(void)
{
	cadre_exit r = {CADRE_EXIT_FAILURE, 42, "bad input"};
	const char *full = "failure(42, \"bad input\")";
	int need = cadre_exit_format(&r, NULL, 0);
	CHECK_EQ(need, (long)strlen(full));
	char small[8];
	memset(small, 'x', sizeof small);
	CHECK_EQ(cadre_exit_format(&r, small, sizeof small), need);
	CHECK(strcmp(small, "failure") == 0); /* 7 chars and the NUL */
	char one[1] = {'x'};
	CHECK_EQ(cadre_exit_format(&r, one, 1), need);
	CHECK_EQ(one[0], '\0');
	char exact[64];
	CHECK_EQ(cadre_exit_format(&r, exact, (size_t)need + 1), need);
	CHECK(strcmp(exact, full) == 0);
}

static void
nulls(void)
{
	char buf[16];
	cadre_exit r = {CADRE_EXIT_NORMAL, 0, NULL};
	CHECK_EQ(cadre_exit_format(NULL, buf, sizeof buf), CADRE_EINVAL);
	CHECK_EQ(cadre_exit_format(&r, NULL, 4), CADRE_EINVAL);
	CHECK_EQ(cadre_exit_format(&r, NULL, 0), 6);
	cadre_log_event ev = {.kind = CADRE_LOG_ACTOR_FAILED};
	CHECK_EQ(cadre_log_format(NULL, buf, sizeof buf), CADRE_EINVAL);
	CHECK_EQ(cadre_log_format(&ev, NULL, 4), CADRE_EINVAL);
	ev.kind = (cadre_log_kind)99;
	CHECK_EQ(cadre_log_format(&ev, buf, sizeof buf), CADRE_EINVAL);
	CHECK_EQ(cadre_system_log(NULL, &ev), CADRE_EINVAL);
}

static void
log_lines(void)
{
	char buf[256];
	cadre_log_event ev = {
	        .kind = CADRE_LOG_ACTOR_FAILED,
	        .actor = {1, 42, 3, 0},
	        .name = "counter",
	        .reason = {CADRE_EXIT_FAILURE, 42, "bad input"},
	        .unhandled = true,
	};
	const char *want = "cadre: actor <1.42.3> (counter) failed: failure(42, \"bad input\")";
	CHECK_EQ(cadre_log_format(&ev, buf, sizeof buf), (long)strlen(want));
	CHECK(strcmp(buf, want) == 0);
	CHECK_EQ(cadre_log_format(&ev, NULL, 0), (long)strlen(want));
	ev.name = NULL; /* shown as "?" */
	CHECK(cadre_log_format(&ev, buf, sizeof buf) > 0);
	CHECK(strstr(buf, "(?)") != NULL);
	ev = (cadre_log_event){.kind = CADRE_LOG_DEAD_LETTERS,
	                       .actor = {1, 2, 3, 0},
	                       .count = 1001,
	                       .window_ms = 350};
	CHECK(cadre_log_format(&ev, buf, sizeof buf) > 0);
	CHECK(strcmp(buf, "cadre: 1001 dead letters in 350 ms (the last to <1.2.3>)") == 0);
	ev = (cadre_log_event){.kind = CADRE_LOG_INTENSITY,
	                       .actor = {1, 5, 1, 0},
	                       .supervisor = {1, 2, 1, 0},
	                       .name = "w",
	                       .child_id = "kid",
	                       .reason = {CADRE_EXIT_FAILURE, 7, NULL},
	                       .count = 1,
	                       .window_ms = 5000};
	CHECK(cadre_log_format(&ev, buf, sizeof buf) > 0);
	CHECK(strstr(buf, "<1.2.1>") != NULL && strstr(buf, "\"kid\" <1.5.1> (w)") != NULL &&
	      strstr(buf, "failure(7)") != NULL && strstr(buf, "intensity (1 in 5000 ms)") != NULL);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, every_kind);
	TEST_CASE_IF(only, truncation);
	TEST_CASE_IF(only, nulls);
	TEST_CASE_IF(only, log_lines);
	return 0;
}
