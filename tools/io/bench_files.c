/* cadre-bench-files: regular-file reads (or writes) through cadre_file_read
 * / cadre_file_write, on each back end (io_uring, the file threads), A/B
 * alternating over several rounds, so the two are compared under the same
 * machine noise (docs/performance.md, "Regular files").
 *
 * One actor keeps `inflight` operations of `size` bytes in flight against
 * one file of `file_mb` MiB that is read once first (so its pages are
 * cached: the cost measured is Cadre's and the back end's, not the disk's),
 * at random aligned offsets, until `ops` have completed. Each round makes a
 * fresh system per back end. Reported per back end, as JSON Lines: the
 * median over the rounds of the throughput (operations a second) and of
 * each round's p50 and p99 latency (from the call to the completion's
 * receive). Progress goes to stderr. */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cadre.h>

#include "bench_cli.h"
#include "bench_progress.h"

struct opts {
	uint64_t ops, inflight, size, file_mb, rounds, workers;
	bool write;
	const char *backend; /* "both", "uring" or "pool" */
	const char *dir;
};

struct run {
	const struct opts *o;
	int fd;
	uint64_t pages;
	uint64_t *issued_ns; /* per id (ids are 1, 2, ... in one system) */
	double *lat_us;      /* per completion */
	uint64_t started, done, errors;
	uint64_t rng;
	char *wbuf;
	atomic_int finished;
	double secs;
};

struct bencher {
	cadre_actor base;
	struct run *r;
};

static uint64_t
next_page(struct run *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng % r->pages;
}

static int
issue(cadre_actor *self, struct run *r)
{
	uint64_t off = next_page(r) * r->o->size, id = 0;
	uint64_t t = bench_now_ns();
	int rc = r->o->write ? cadre_file_write(self, r->fd, off, r->wbuf, r->o->size, &id)
	                     : cadre_file_read(self, r->fd, off, r->o->size, &id);
	if (rc != 0)
		return rc;
	r->issued_ns[id] = t;
	r->started++;
	return 0;
}

static int
b_start(cadre_actor *self, void *arg)
{
	struct run *r = arg;
	((struct bencher *)self)->r = r;
	r->secs = bench_now();
	for (uint64_t i = 0; i < r->o->inflight && i < r->o->ops; i++)
		if (issue(self, r) != 0)
			return CADRE_ESYS;
	return 0;
}

static int
b_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct run *r = ((struct bencher *)self)->r;
	cadre_io_event ev;
	if (cadre_io_event_read(msg, &ev) != 0 || ev.kind != CADRE_IO_FILE)
		return 0;
	uint64_t now = bench_now_ns();
	if (ev.status != 0 || ev.size != r->o->size)
		r->errors++;
	r->lat_us[r->done++] = (double)(now - r->issued_ns[ev.id]) / 1e3;
	if (r->started < r->o->ops && issue(self, r) != 0)
		r->errors++;
	if (r->done == r->o->ops) {
		r->secs = bench_now() - r->secs;
		atomic_store(&r->finished, 1);
		cadre_stop(self);
	}
	return 0;
}

static const cadre_behaviour bencher_beh = {
        .size = sizeof(struct bencher), .start = b_start, .receive = b_receive, .name = "bench"};

struct result {
	double ops_s, p50, p99;
	bool ok;
};

static struct result
run_once(const struct opts *o, int fd, const char *backend, uint64_t seed)
{
	struct result res = {0};
	setenv("CADRE_IO_FILES", backend, 1); /* no system is alive: read at its first call */
	struct run r = {.o = o, .fd = fd, .pages = o->file_mb * 1024 * 1024 / o->size, .rng = seed};
	r.issued_ns = calloc(o->ops + 1, sizeof *r.issued_ns);
	r.lat_us = calloc(o->ops, sizeof *r.lat_us);
	r.wbuf = calloc(1, o->size);
	cadre_config cfg = {.workers = (unsigned)o->workers};
	cadre_system *sys = NULL;
	if (r.issued_ns == NULL || r.lat_us == NULL || r.wbuf == NULL ||
	    cadre_system_new(&sys, &cfg) != 0)
		return res;
	cadre_ref ref;
	int rc = cadre_spawn(sys, &bencher_beh, NULL, &r, &ref);
	if (rc != 0) {
		fprintf(stderr, "cadre-bench-files: spawn: %s\n", cadre_strerror(rc));
		exit(1);
	}
	while (!atomic_load(&r.finished))
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	cadre_system_free(sys);
	qsort(r.lat_us, o->ops, sizeof *r.lat_us, bench_cmp_double);
	res.ops_s = (double)o->ops / r.secs;
	res.p50 = r.lat_us[o->ops / 2];
	res.p99 = r.lat_us[o->ops * 99 / 100];
	res.ok = r.errors == 0;
	free(r.issued_ns);
	free(r.lat_us);
	free(r.wbuf);
	return res;
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: cadre-bench-files [--ops N] [--inflight K] [--size BYTES] [--file-mb M]\n"
	        "       [--rounds R] [--workers W] [--write] [--backend both|uring|pool]\n"
	        "       [--dir DIR]\n");
}

static void
parse(int argc, char **argv, struct opts *o)
{
	struct bench_args a;
	bench_args_init(&a, argc, argv, "cadre-bench-files", usage);
	while (bench_args_next(&a)) {
		if (bench_args_is(&a, "--ops"))
			o->ops = bench_args_u64(&a, 1000, 100000000);
		else if (bench_args_is(&a, "--inflight"))
			o->inflight = bench_args_u64(&a, 1, 65536);
		else if (bench_args_is(&a, "--size"))
			o->size = bench_args_u64(&a, 1, 1 << 20);
		else if (bench_args_is(&a, "--file-mb"))
			o->file_mb = bench_args_u64(&a, 1, 65536);
		else if (bench_args_is(&a, "--rounds"))
			o->rounds = bench_args_u64(&a, 1, 100);
		else if (bench_args_is(&a, "--workers"))
			o->workers = bench_args_u64(&a, 1, 64);
		else if (bench_args_is(&a, "--write"))
			o->write = true;
		else if (bench_args_is(&a, "--backend"))
			o->backend = bench_args_value(&a);
		else if (bench_args_is(&a, "--dir"))
			o->dir = bench_args_value(&a);
		else
			bench_args_bad(&a);
	}
	if (strcmp(o->backend, "both") != 0 && strcmp(o->backend, "uring") != 0 &&
	    strcmp(o->backend, "pool") != 0) {
		usage(stderr);
		exit(2);
	}
}

/* The test file: file_mb MiB, written, then read once (cached). */
static int
make_file(const struct opts *o)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/cadre-bench-files-XXXXXX", o->dir);
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	char *buf = malloc(1 << 20);
	if (buf == NULL)
		return -1;
	memset(buf, 'x', 1 << 20);
	for (uint64_t i = 0; i < o->file_mb; i++)
		if (pwrite(fd, buf, 1 << 20, (off_t)(i << 20)) != 1 << 20)
			return -1;
	for (uint64_t i = 0; i < o->file_mb; i++)
		if (pread(fd, buf, 1 << 20, (off_t)(i << 20)) != 1 << 20)
			return -1;
	free(buf);
	return fd;
}

static int
cmp_res(const void *a, const void *b)
{
	return bench_cmp_double(a, b);
}

int
main(int argc, char **argv)
{
	struct opts o = {.ops = 200000,
	                 .inflight = 64,
	                 .size = 4096,
	                 .file_mb = 64,
	                 .rounds = 5,
	                 .workers = 2,
	                 .backend = "both",
	                 .dir = "/tmp"};
	parse(argc, argv, &o);
	progress_init();
	int fd = make_file(&o);
	if (fd < 0) {
		perror("cadre-bench-files: the test file");
		return 1;
	}
	const char *names[2] = {"uring", "pool"};
	int first = strcmp(o.backend, "pool") == 0 ? 1 : 0;
	int last = strcmp(o.backend, "uring") == 0 ? 0 : 1;
	double v[2][3][100];
	bool ok = true;
	for (uint64_t round = 0; round <= o.rounds; round++) { /* round 0: warm-up */
		for (int k = first; k <= last; k++) {
			int b = round % 2 == 0 ? k
			                       : first + last - k; /* alternate who goes first */
			struct result res = run_once(&o, fd, names[b], 0x9e3779b97f4a7c15u + round);
			ok &= res.ok;
			note("files: round %llu/%llu %s: %.0f ops/s, p50 %.1f us, p99 %.1f us%s",
			     (unsigned long long)round, (unsigned long long)o.rounds, names[b],
			     res.ops_s, res.p50, res.p99, res.ok ? "" : " (errors)");
			if (round > 0) {
				v[b][0][round - 1] = res.ops_s;
				v[b][1][round - 1] = res.p50;
				v[b][2][round - 1] = res.p99;
			}
		}
	}
	for (int b = first; b <= last; b++) {
		for (int m = 0; m < 3; m++)
			qsort(v[b][m], o.rounds, sizeof(double), cmp_res);
		printf("{\"bench\":\"file_%s\",\"impl\":\"cadre\",\"backend\":\"%s\",\"workers\":%"
		       "llu,"
		       "\"size\":%llu,\"inflight\":%llu,\"ops\":%llu,\"runs\":%llu,\"stat\":"
		       "\"median\","
		       "\"ops_per_s\":%.1f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"check\":\"%s\"}\n",
		       o.write ? "write" : "read", names[b], (unsigned long long)o.workers,
		       (unsigned long long)o.size, (unsigned long long)o.inflight,
		       (unsigned long long)o.ops, (unsigned long long)o.rounds,
		       v[b][0][o.rounds / 2], v[b][1][o.rounds / 2], v[b][2][o.rounds / 2],
		       ok ? "ok" : "fail");
	}
	close(fd);
	return ok ? 0 : 1;
}
