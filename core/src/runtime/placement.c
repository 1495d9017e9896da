/* Cadre: where the per-core workers run.
 *
 * Design notes.
 *
 * The CPUs are decided once, by cadre_system_new, on the creating thread:
 * the CPUs that thread may run on (sched_getaffinity: cgroup cpusets,
 * taskset), or the config's list, checked against them. Worker i gets
 * cpu[i % n] as a thread attribute (pthread_attr_setaffinity_np), so glibc
 * pins the thread before it runs any of our code, and pthread_create's
 * result says whether the pin took. A refused pin: the thread is started
 * again unpinned and its cpu is -1. w->cpu is written before the thread
 * starts and never after, so any thread that got the system pointer reads
 * it without atomics. The sets are CPU_ALLOC'd and grown until the kernel
 * takes them: no limit of 1024 CPUs.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "cadre__runtime.h"

/* The calling thread's allowed CPUs; *bytes: the set's size. NULL with
 * *rc set if it cannot be read. */
static cpu_set_t *
allowed_set(size_t *bytes, int *rc)
{
	for (int ncpu = 1024; ncpu <= (1 << 24); ncpu *= 2) {
		cpu_set_t *set = CPU_ALLOC(ncpu);
		if (set == NULL) {
			*rc = CADRE_ENOMEM;
			return NULL;
		}
		size_t size = CPU_ALLOC_SIZE(ncpu);
		if (sched_getaffinity(0, size, set) == 0) {
			*bytes = size;
			return set;
		}
		CPU_FREE(set);
		if (errno != EINVAL) /* EINVAL: the kernel's mask is larger */
			break;
	}
	*rc = CADRE_ESYS;
	return NULL;
}

/* The config's list, checked: 0 or CADRE_EINVAL. */
static int
check_list(const cadre_config *cfg, const cpu_set_t *set, size_t bytes)
{
	if (cfg->cpus == NULL || cfg->no_pinning)
		return CADRE_EINVAL;
	for (unsigned i = 0; i < cfg->ncpus; i++) {
		int c = cfg->cpus[i];
		if (c < 0 || (size_t)c >= bytes * 8 || !CPU_ISSET_S((size_t)c, bytes, set))
			return CADRE_EINVAL;
	}
	return 0;
}

/* p->cpu: the config's list, or the allowed CPUs in increasing order; the
 * first CADRE__MAX_WORKERS of them only, which is all that worker i's
 * cpu[i % n] can reach. */
static int
fill(struct cadre__placement *p, const cadre_config *cfg, const cpu_set_t *set, size_t bytes)
{
	unsigned n = cfg->ncpus != 0 ? cfg->ncpus : p->allowed;
	if (n > CADRE__MAX_WORKERS)
		n = CADRE__MAX_WORKERS;
	p->cpu = cadre__alloc(n * sizeof *p->cpu);
	if (p->cpu == NULL)
		return CADRE_ENOMEM;
	p->n = n;
	if (cfg->ncpus != 0) {
		for (unsigned i = 0; i < n; i++)
			p->cpu[i] = cfg->cpus[i];
		return 0;
	}
	unsigned k = 0;
	for (size_t c = 0; c < bytes * 8 && k < n; c++)
		if (CPU_ISSET_S(c, bytes, set))
			p->cpu[k++] = (int)c;
	return 0;
}

int
cadre__placement_new(struct cadre__placement *p, const cadre_config *cfg)
{
	p->cpu = NULL;
	p->n = 0;
	size_t bytes = 0;
	int rc = 0;
	cpu_set_t *set = allowed_set(&bytes, &rc);
	if (set == NULL)
		return rc;
	int count = CPU_COUNT_S(bytes, set);
	p->allowed = count > 0 ? (unsigned)count : 1u;
	if (cfg->ncpus != 0)
		rc = check_list(cfg, set, bytes);
	if (rc == 0 && (cfg->ncpus != 0 || (!cfg->no_pinning && count > 0)))
		rc = fill(p, cfg, set, bytes);
	CPU_FREE(set);
	return rc;
}

void
cadre__placement_free(struct cadre__placement *p)
{
	if (p->cpu != NULL)
		cadre__free(p->cpu, p->n * sizeof *p->cpu);
	p->cpu = NULL;
}

/* Starts w's thread, pinned to w->cpu if it is >= 0; if the pin is refused
 * (or the start fails), starts it unpinned and sets w->cpu to -1. Returns 0
 * or CADRE_ESYS. */
int
cadre__thread_start(struct cadre__worker *w, void *(*fn)(void *))
{
	if (w->cpu >= 0) {
		cpu_set_t *set = CPU_ALLOC(w->cpu + 1);
		size_t bytes = CPU_ALLOC_SIZE(w->cpu + 1);
		pthread_attr_t attr;
		if (set != NULL && pthread_attr_init(&attr) == 0) {
			CPU_ZERO_S(bytes, set);
			CPU_SET_S((size_t)w->cpu, bytes, set);
			int r = pthread_attr_setaffinity_np(&attr, bytes, set);
			if (r == 0)
				r = pthread_create(&w->thread, &attr, fn, w);
			pthread_attr_destroy(&attr);
			CPU_FREE(set);
			if (r == 0)
				return 0;
		} else if (set != NULL) {
			CPU_FREE(set);
		}
		w->cpu = -1; /* best effort: a refused pin runs unpinned */
	}
	return pthread_create(&w->thread, NULL, fn, w) == 0 ? 0 : CADRE_ESYS;
}

int
cadre_system_worker_cpu(const cadre_system *sys, unsigned worker)
{
	if (sys == NULL || worker >= sys->nworkers)
		return CADRE_EINVAL;
	int cpu = sys->workers[worker].cpu;
	return cpu >= 0 ? cpu : CADRE_ENOENT;
}
