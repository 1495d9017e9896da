/* cadre-top: a live view of a running Cadre system, as htop or Erlang's
 * etop show a machine or a node. It attaches to the observe endpoint (the
 * Unix socket a program names in cadre_config.observe_path), asks for a
 * snapshot about once a second and shows the workers' utilisation and the
 * top actors, sorted by the column a key picks. --once prints one snapshot
 * (--json: the endpoint's JSON, with rates when two samples are taken). */
#include "top.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
usage(FILE *f)
{
	fprintf(f, "usage: cadre-top [options] PATH\n"
	           "\n"
	           "Shows a live view of the Cadre system whose observe endpoint is the Unix\n"
	           "socket PATH (cadre_config.observe_path): each worker's utilisation, then\n"
	           "the top actors by mailbox, message rate or CPU time.\n"
	           "\n"
	           "options:\n"
	           "  --interval MS  refresh every MS milliseconds (default 1000); with --once,\n"
	           "                 take two samples MS apart and add the rates\n"
	           "  --limit N      ask for at most N actors (default 1000, 1..100000)\n"
	           "  --sort KEY     first sort: mailbox, rate, cpu, name, state, behaviour,\n"
	           "                 restarts (default mailbox)\n"
	           "  --once         print one snapshot and exit (text, or JSON with --json)\n"
	           "  --json         with --once: print the endpoint's JSON (one line)\n"
	           "  --help         this text\n"
	           "\n"
	           "keys: m mailbox, r msgs/s, c cpu, n name, s state, b behaviour, x restarts\n"
	           "      (sort by that column), q quit\n"
	           "\n"
	           "exit status: 0 done, 1 the endpoint cannot be reached or answers garbage,\n"
	           "2 bad arguments\n");
}

static int __attribute__((format(printf, 1, 2))) bad_args(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "cadre-top: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\ntry 'cadre-top --help'\n");
	va_end(ap);
	return 2;
}

static bool
parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	if (s == NULL || *s < '0' || *s > '9')
		return false;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

/* 0 parsed, 1 --help shown, 2 bad arguments (reported). */
static int
parse_args(int argc, char **argv, top_opts *o)
{
	*o = (top_opts){.interval_ms = 1000, .limit = 1000, .sort = TOP_SORT_MAILBOX};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 1;
		} else if (strcmp(a, "--once") == 0) {
			o->once = true;
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "--interval") == 0) {
			if (!parse_uint(val, 10, 3600000, &o->interval_ms))
				return bad_args(
				        "--interval wants milliseconds, 10..3600000 (got '%s')",
				        val ? val : "nothing");
			o->interval_given = true;
			i++;
		} else if (strcmp(a, "--limit") == 0) {
			if (!parse_uint(val, 1, 100000, &o->limit))
				return bad_args("--limit wants a count, 1..100000 (got '%s')",
				                val ? val : "nothing");
			i++;
		} else if (strcmp(a, "--sort") == 0) {
			int s = val ? top_sort_for_name(val) : -1;
			if (s < 0)
				return bad_args(
				        "--sort wants mailbox, rate, cpu, name, state, behaviour "
				        "or restarts (got '%s')",
				        val ? val : "nothing");
			o->sort = (top_sort)s;
			i++;
		} else if (a[0] == '-' && a[1] != '\0') {
			return bad_args("unknown option '%s'", a);
		} else if (o->path != NULL) {
			return bad_args("one endpoint only (extra '%s')", a);
		} else {
			o->path = a;
		}
	}
	if (o->path == NULL)
		return bad_args("%s", "no endpoint: give the PATH of the observe socket");
	if (o->json && !o->once)
		return bad_args("%s", "--json goes with --once");
	return 0;
}

int
top_sample(top_conn *c, const top_opts *o, top_snap *s, char **line, size_t *len, char *err,
           size_t errsize)
{
	char *l = NULL;
	size_t n = 0;
	int rc = top_request(c, o->limit, TOP_TIMEOUT_MS, &l, &n);
	if (rc != 0) {
		snprintf(err, errsize, "%s: %s", o->path,
		         rc == -ECONNRESET ? "the endpoint closed the connection"
		         : rc == -EPROTO   ? "an answer too long to be a snapshot"
		                           : strerror(-rc));
		return -1;
	}
	rc = top_snap_decode(s, l, n, err, errsize);
	if (rc == 0 && line != NULL) {
		*line = l;
		*len = n;
	} else {
		free(l);
	}
	return rc;
}

static bool
print_line(void *ctx, enum top_attr attr, const char *text)
{
	(void)ctx;
	(void)attr;
	puts(text);
	return true;
}

static int
run_once(const top_opts *o, top_conn *c)
{
	char err[256], *line = NULL;
	size_t len = 0;
	top_snap prev = {0}, cur = {0};
	bool two = o->interval_given;
	if (top_sample(c, o, two ? &prev : &cur, two ? NULL : &line, &len, err, sizeof err) != 0)
		goto failed;
	if (two) {
		struct timespec ts = {o->interval_ms / 1000,
		                      (long)(o->interval_ms % 1000) * 1000000};
		nanosleep(&ts, NULL);
		if (top_sample(c, o, &cur, &line, &len, err, sizeof err) != 0)
			goto failed;
		top_snap_rates(&cur, &prev);
	}
	if (o->json) {
		top_print_json(line, len, &cur);
	} else {
		top_snap_sort(&cur, o->sort);
		top_view v = {.path = o->path, .sort = o->sort, .width = 120};
		top_render(&v, &cur, print_line, NULL);
	}
	free(line);
	top_snap_free(&prev);
	top_snap_free(&cur);
	return fflush(stdout) == 0 ? 0 : 1;
failed:
	fprintf(stderr, "cadre-top: %s\n", err);
	top_snap_free(&prev);
	return 1;
}

int
main(int argc, char **argv)
{
	top_opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	top_conn c;
	rc = top_connect(&c, o.path);
	if (rc != 0) {
		fprintf(stderr,
		        "cadre-top: cannot attach to %s: %s\n"
		        "(is the program running, with cadre_config.observe_path set to it?)\n",
		        o.path, strerror(-rc));
		return 1;
	}
	rc = o.once ? run_once(&o, &c) : top_interactive(&o, &c);
	top_close(&c);
	return rc;
}
