/* The futex (cadre__futex.h): Linux's FUTEX_WAIT / FUTEX_WAKE, private to
 * the process. */
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cadre/error.h>

#include "cadre__atomic.h"
#include "cadre__clock.h"
#include "cadre__futex.h"

void
cadre__futex_wait(uint32_t *addr, uint32_t val, long timeout_ns)
{
	struct timespec ts = {timeout_ns / 1000000000L, timeout_ns % 1000000000L};
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, timeout_ns != 0 ? &ts : NULL, NULL, 0);
}

int
cadre__futex_wait_until(uint32_t *addr, uint32_t val, uint64_t deadline_ns)
{
	if (deadline_ns == UINT64_MAX) {
		syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
		return 0;
	}
	uint64_t now = cadre__now_ns();
	if (now >= deadline_ns)
		return CADRE_ETIMEDOUT;
	uint64_t left = deadline_ns - now;
	struct timespec rel = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, &rel, NULL, 0);
	return 0;
}

void
cadre__futex_wake(uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

void
cadre__futex_bump(uint32_t *addr, int n)
{
	/* seq_cst add: a sleeper that read the old value (the workers' park,
	 * the blocking pool's park, the timer service; each an acquire load)
	 * fails its futex_wait. */
	cadre__faa_sc_u32(addr, 1);
	cadre__futex_wake(addr, n);
}
