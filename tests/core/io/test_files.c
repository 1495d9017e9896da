/* Cadre tests: regular files without blocking a worker (cadre_file_read,
 * cadre_file_write), on each back end: io_uring and the file threads
 * (CADRE_IO_FILES=uring|pool picks; each case runs on both). A round trip,
 * a short read at the end of the file, bad fds, an owner gone before its
 * completion (a counted dead letter), calls during shutdown, and many
 * reads in flight from one actor, each completed exactly once, even to a
 * bounded mailbox. No fd is left open. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dead_letters.h"
#include "io_aux_helpers.h"

static struct peer peer;
static char path[64];

static int
temp_file(size_t pages)
{
	strcpy(path, "/tmp/cadre-files-XXXXXX");
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	/* Page i holds "page%04zu" at its start. */
	for (size_t i = 0; i < pages; i++) {
		char b[16];
		int n = snprintf(b, sizeof b, "page%04zu", i);
		CHECK_EQ(pwrite(fd, b, (size_t)n, (off_t)(i * 4096u)), n);
	}
	return fd;
}

static struct evcopy
event(long i)
{
	CHECK(wait_count(&peer.nevents, i + 1) > i);
	pthread_mutex_lock(&peer.mu);
	struct evcopy e = peer.evs[i];
	pthread_mutex_unlock(&peer.mu);
	return e;
}

static uint64_t
last_id(void)
{
	pthread_mutex_lock(&peer.mu);
	uint64_t id = peer.last_id;
	pthread_mutex_unlock(&peer.mu);
	return id;
}

static int
file_cmd(cadre_system *sys, cadre_ref r, int type, int fd, uint64_t off, size_t len,
         const char *data)
{
	struct cmd c;
	memset(&c, 0, sizeof c);
	c.arg = fd;
	c.offset = off;
	c.len = len;
	if (data != NULL)
		memcpy(c.data, data, len);
	return peer_call(sys, r, &peer, type, &c);
}

/* Write, read back, read across and past the end. */
static void
round_trip(void)
{
	int fd = temp_file(0);
	cadre_system *sys = dl_system(2, 0, NULL);
	peer_init(&peer);
	cadre_ref r = peer_spawn(sys, &peer);
	CHECK_EQ(file_cmd(sys, r, CMD_WRITE, fd, 0, 11, "hello world"), 0);
	uint64_t id = last_id();
	struct evcopy e = event(0);
	CHECK_EQ(e.ev.kind, CADRE_IO_FILE);
	CHECK_EQ(e.ev.id, id);
	CHECK_EQ(e.ev.fd, fd);
	CHECK_EQ(e.ev.status, 0);
	CHECK_EQ(e.ev.size, 11);
	CHECK(e.ev.data == NULL);
	CHECK_EQ(file_cmd(sys, r, CMD_READ, fd, 0, 11, NULL), 0);
	e = event(1);
	CHECK_EQ(e.ev.id, last_id());
	CHECK(e.ev.id != id);
	CHECK_EQ(e.ev.status, 0);
	CHECK_EQ(e.ev.size, 11);
	CHECK(memcmp(e.bytes, "hello world", 11) == 0);
	CHECK_EQ(file_cmd(sys, r, CMD_READ, fd, 6, 100, NULL), 0); /* short at EOF */
	e = event(2);
	CHECK_EQ(e.ev.status, 0);
	CHECK_EQ(e.ev.size, 5);
	CHECK(memcmp(e.bytes, "world", 5) == 0);
	CHECK_EQ(file_cmd(sys, r, CMD_READ, fd, 1000, 10, NULL), 0); /* past EOF */
	e = event(3);
	CHECK_EQ(e.ev.status, 0);
	CHECK_EQ(e.ev.size, 0);
	CHECK_EQ(file_cmd(sys, r, CMD_WRITE, fd, 6, 5, "cadre"), 0); /* overwrite */
	CHECK_EQ(event(4).ev.size, 5);
	char b[16] = {0};
	CHECK_EQ(pread(fd, b, 11, 0), 11);
	CHECK(memcmp(b, "hello cadre", 11) == 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.dead_letters, 0);
	cadre_system_free(sys);
	close(fd);
}

/* Bad fds: refused at the call (a pipe is no regular file: CADRE_EINVAL);
 * a read on a write-only fd fails in its event. Bad arguments:
 * CADRE_EINVAL, CADRE_ETOOBIG. */
static void
bad_fd(void)
{
	int fd = temp_file(1);
	char self_path[64];
	snprintf(self_path, sizeof self_path, "/proc/self/fd/%d", fd);
	int wo = open(self_path, O_WRONLY | O_CLOEXEC); /* the same file, write-only */
	CHECK(wo >= 0);
	int pfd[2];
	CHECK_EQ(pipe(pfd), 0);
	int closed = dup(fd);
	close(closed);
	cadre_system *sys = dl_system(2, 0, NULL);
	peer_init(&peer);
	cadre_ref r = peer_spawn(sys, &peer);
	CHECK_EQ(file_cmd(sys, r, CMD_READ, -1, 0, 8, NULL), CADRE_EBADF);
	CHECK_EQ(file_cmd(sys, r, CMD_READ, closed, 0, 8, NULL), CADRE_EBADF);
	CHECK_EQ(file_cmd(sys, r, CMD_WRITE, closed, 0, 2, "ab"), CADRE_EBADF);
	CHECK_EQ(file_cmd(sys, r, CMD_WRITE, 100000, 0, 2, "ab"), CADRE_EBADF);
	CHECK_EQ(file_cmd(sys, r, CMD_READ, fd, (uint64_t)INT64_MAX + 1u, 8, NULL), CADRE_EINVAL);
	CHECK_EQ(file_cmd(sys, r, CMD_READ, pfd[0], 0, 8, NULL), CADRE_EINVAL); /* a pipe */
	CHECK_EQ(file_cmd(sys, r, CMD_WRITE, pfd[1], 0, 2, "ab"), CADRE_EINVAL);
	CHECK_EQ(file_cmd(sys, r, CMD_READ, fd, 0, (size_t)1 << 30, NULL), CADRE_ETOOBIG);
	CHECK_EQ(cadre_file_read(NULL, fd, 0, 8, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_file_write(NULL, fd, 0, "x", 1, NULL), CADRE_EINVAL);
	CHECK_EQ(atomic_load(&peer.nevents), 0);
	CHECK_EQ(file_cmd(sys, r, CMD_READ, wo, 0, 8, NULL), 0); /* fails later */
	struct evcopy e = event(0);
	CHECK_EQ(e.ev.kind, CADRE_IO_FILE);
	CHECK_EQ(e.ev.status, CADRE_EBADF);
	CHECK_EQ(e.ev.os_error, EBADF);
	CHECK_EQ(e.ev.size, 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
	close(wo);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
}

/* The owner stops right after its call: the completion is a dead letter
 * (queued before the stop, or sent after it), counted once. */
static void
owner_gone(void)
{
	int fd = temp_file(4);
	struct dl_log l;
	dl_init(&l);
	cadre_system *sys = dl_system(2, 0, &l);
	peer_init(&peer);
	cadre_ref r = peer_spawn(sys, &peer);
	CHECK_EQ(file_cmd(sys, r, CMD_READ_STOP, fd, 0, 8, NULL), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 20000), 0);
	CHECK_EQ(dl_wait(&l, 1), 1);
	CHECK_EQ(l.type, CADRE_MSG_IO);
	CHECK_EQ(atomic_load(&peer.nevents), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.dead_letters, 1);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	cadre_system_free(sys);
	dl_fini(&l);
	close(fd);
}

/* A call from a stop callback during shutdown: CADRE_ECLOSED; and a
 * system shut down with reads in flight drains them (dead letters). */
static void
after_shutdown(void)
{
	int fd = temp_file(64);
	cadre_system *sys = dl_system(2, 0, NULL);
	peer_init(&peer);
	peer.stop_probe = true;
	peer.stop_fd = fd;
	cadre_ref r = peer_spawn(sys, &peer);
	CHECK_EQ(file_cmd(sys, r, CMD_READ_MANY, fd, 0, 64, NULL), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(atomic_load(&peer.stop_read_rc), CADRE_ECLOSED);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(atomic_load(&peer.nevents) + (long)st.dead_letters, 64);
	cadre_system_free(sys);
	close(fd);
}

/* Many reads in flight from one actor: each completes exactly once, with
 * its own page's bytes. */
static void
many_in_flight(void)
{
	long n = test_size("CADRE_FILES_N", 3000);
	if (n > EV_MAX)
		n = EV_MAX;
	int fd = temp_file((size_t)n);
	cadre_system *sys = dl_system(2, 0, NULL);
	peer_init(&peer);
	cadre_ref r = peer_spawn(sys, &peer);
	CHECK_EQ(file_cmd(sys, r, CMD_READ_MANY, fd, 0, (size_t)n, NULL), 0);
	CHECK_EQ(wait_count(&peer.nevents, n), n);
	nap_us(50000);
	CHECK_EQ(atomic_load(&peer.nevents), n);
	static bool seen[EV_MAX];
	memset(seen, 0, sizeof seen);
	uint64_t id0 = UINT64_MAX;
	for (long i = 0; i < n; i++)
		if (peer.evs[i].ev.id < id0)
			id0 = peer.evs[i].ev.id;
	for (long i = 0; i < n; i++) {
		const struct evcopy *e = &peer.evs[i];
		CHECK_EQ(e->ev.status, 0);
		CHECK_EQ(e->ev.size, 8);
		long k = (long)(e->ev.id - id0); /* ids are given in call order */
		CHECK(k >= 0 && k < n && !seen[k]);
		seen[k] = true;
		char want[32];
		snprintf(want, sizeof want, "page%04ld", k);
		CHECK(memcmp(e->bytes, want, 8) == 0);
	}
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.dead_letters, 0);
	cadre_system_free(sys);
	close(fd);
}

/* A bounded mailbox (capacity 2, CADRE_OVERFLOW_FAIL) is no reason to lose
 * a completion: each of many reads in flight still arrives, once. */
static void
bounded_mailbox(void)
{
	long n = 500;
	int fd = temp_file((size_t)n);
	struct dl_log l;
	dl_init(&l);
	cadre_system *sys = dl_system(2, 0, &l);
	peer_init(&peer);
	cadre_spawn_opts opts = {.mailbox_capacity = 2, .overflow = CADRE_OVERFLOW_FAIL};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &scripted_beh, &opts, &peer, &r), 0);
	struct cmd c = {.arg = fd, .offset = 0, .len = (size_t)n};
	CHECK_EQ(cadre_send(sys, r, CMD_READ_MANY, &c, sizeof c), 0);
	CHECK_EQ(wait_count(&peer.nevents, n), n);
	nap_us(50000);
	CHECK_EQ(atomic_load(&peer.nevents), n);
	CHECK_EQ(atomic_load(&peer.rc), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(dl_calls(&l), 0);
	cadre_system_free(sys);
	dl_fini(&l);
	close(fd);
}

/* Whether the process has an io_uring instance open (/proc/self/fd). */
static bool
has_ring(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	bool found = false;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char p[300], target[256];
		snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(p, target, sizeof target - 1);
		if (n > 0) {
			target[n] = '\0';
			found |= strstr(target, "io_uring") != NULL;
		}
	}
	closedir(d);
	return found;
}

/* One read; whether a ring was open while the system lived. */
static bool
read_once_ring(void)
{
	int fd = temp_file(1);
	cadre_system *sys = dl_system(2, 0, NULL);
	peer_init(&peer);
	cadre_ref r = peer_spawn(sys, &peer);
	CHECK_EQ(file_cmd(sys, r, CMD_READ, fd, 0, 8, NULL), 0);
	struct evcopy e = event(0);
	CHECK_EQ(e.ev.status, 0);
	CHECK(memcmp(e.bytes, "page0000", 8) == 0);
	bool ring = has_ring();
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
	close(fd);
	return ring;
}

/* The kernel refuses io_uring (here: a seccomp filter makes io_uring_setup
 * fail with ENOSYS, as a kernel with io_uring disabled does): the file
 * threads serve, and nothing else changes. Without the filter the ring is
 * used (where the kernel allows it). The filter stays: the last case. */
static void
uring_refused(void)
{
	CHECK_EQ(setenv("CADRE_IO_FILES", "uring", 1), 0);
	int probe = (int)syscall(__NR_io_uring_setup, 0, NULL); /* EINVAL if io_uring exists */
	if (probe < 0 && errno != ENOSYS && errno != EPERM)
		CHECK(read_once_ring());
	struct sock_filter f[] = {
	        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
	        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
	        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	CHECK_EQ(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	CHECK_EQ(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0), 0);
	CHECK(!read_once_ring());
	round_trip();
	many_in_flight();
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	const char *backends[] = {"uring", "pool"};
	for (int b = 0; b < 2; b++) {
		CHECK_EQ(setenv("CADRE_IO_FILES", backends[b], 1), 0);
		fprintf(stderr, "== back end: %s\n", backends[b]);
		int fds0 = open_fds();
		TEST_CASE_IF(only, round_trip);
		TEST_CASE_IF(only, bad_fd);
		TEST_CASE_IF(only, owner_gone);
		TEST_CASE_IF(only, after_shutdown);
		TEST_CASE_IF(only, many_in_flight);
		TEST_CASE_IF(only, bounded_mailbox);
		CHECK_EQ(open_fds(), fds0);
	}
	TEST_CASE_IF(only, uring_refused);
	return 0;
}
