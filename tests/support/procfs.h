/* What /proc says of this process, for tests: its threads. */
#ifndef CADRE_TEST_PROCFS_H
#define CADRE_TEST_PROCFS_H

#include <dirent.h>

#include "check.h"

/* The process's threads now (/proc/self/task, less "." and ".."). */
static inline int
threads_now(void)
{
	DIR *d = opendir("/proc/self/task");
	CHECK(d != NULL);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

#endif /* CADRE_TEST_PROCFS_H */
