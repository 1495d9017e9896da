/* cadre-bench --compare: after Cadre's runs, the same workloads on the
 * installed peers (Go, Erlang, CAF, rawc: tools/peers/run-peers.sh, missing
 * ones skipped) with the same workers, runs, warm-ups and sizes; their JSON
 * lines join ours, and a table of cadre/peer ratios goes to stderr. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#ifndef CADRE_PEERS_SCRIPT
#define CADRE_PEERS_SCRIPT "tools/peers/run-peers.sh"
#endif

/* The workloads every peer implements (tools/peers/README.md). */
static const char *const peer_benches[] = {"pingpong", "counting", "threadring", "fanin",
                                           "fjthrput", "fanout",   "skynet",     "big"};

#define NPEER_BENCHES (sizeof peer_benches / sizeof peer_benches[0])

/* The peers' --only: the workloads of this invocation that they have. */
static void
peers_only(const struct options *o, char *only, size_t len)
{
	only[0] = '\0';
	for (size_t i = 0; i < NPEER_BENCHES; i++) {
		for (int w = 0; w < WL_COUNT; w++) {
			if (strcmp(workloads[w].name, peer_benches[i]) != 0 ||
			    (o->only != 0 && (o->only & (1u << w)) == 0))
				continue;
			if (only[0] != '\0')
				strncat(only, ",", len - strlen(only) - 1);
			strncat(only, peer_benches[i], len - strlen(only) - 1);
		}
	}
}

/* The peers' size options: the same options with the same defaults, so
 * ours are passed on (those of the peers' workloads). */
static void
peers_sizes(const struct options *o, char *sizes, size_t len)
{
	sizes[0] = '\0';
	for (size_t k = 0; k < nsize_opts; k++) {
		uint64_t v = *size_at((struct sizes *)&o->sz, size_opts[k].off);
		char one[96];
		snprintf(one, sizeof one, " %s %" PRIu64, size_opts[k].name, v);
		for (size_t i = 0; i < NPEER_BENCHES; i++) {
			size_t bl = strlen(peer_benches[i]);
			if (strncmp(size_opts[k].name + 2, peer_benches[i], bl) == 0 &&
			    size_opts[k].name[2 + bl] == '-')
				strncat(sizes, one, len - strlen(sizes) - 1);
		}
	}
}

/* Runs cmd; its JSON lines go to stdout and into ours; *status gets its
 * exit status (pclose). Returns false if it could not be run. */
static bool
run_peers(const char *cmd, const char *script, int *status)
{
	fprintf(stderr, "cadre-bench: --compare: %s\n", cmd);
	fflush(stdout);
	FILE *p = popen(cmd, "r");
	if (p == NULL) {
		fprintf(stderr, "cadre-bench: --compare: cannot run %s\n", script);
		return false;
	}
	char line[2048];
	while (fgets(line, sizeof line, p) != NULL) {
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0 || line[0] != '{')
			continue;
		jprintf("%s\n", line);
		jline_end();
	}
	*status = pclose(p);
	return true;
}

/* The msgs-per-second table of the invocation's lines: rows are the peers'
 * workloads, one column per peer found. */
struct ratios {
	char impls[8][32];
	int nimpl;
	double mps[16][8], cadre_mps[16];
};

static bool
collect_ratios(struct ratios *r)
{
	char *text = strdup(json_lines());

	if (text == NULL)
		return false;
	memset(r, 0, sizeof *r);
	for (char *l = strtok(text, "\n"); l != NULL; l = strtok(NULL, "\n")) {
		char bench[48], impl[32];
		double v;
		if (!json_str(l, "bench", bench, sizeof bench) ||
		    !json_str(l, "impl", impl, sizeof impl) || !json_num(l, "mps", &v))
			continue;
		size_t bi = 0;
		while (bi < NPEER_BENCHES && strcmp(peer_benches[bi], bench) != 0)
			bi++;
		if (bi == NPEER_BENCHES)
			continue;
		if (strcmp(impl, "cadre") == 0) {
			r->cadre_mps[bi] = v;
			continue;
		}
		int ii = 0;
		while (ii < r->nimpl && strcmp(r->impls[ii], impl) != 0)
			ii++;
		if (ii == r->nimpl && r->nimpl < 8)
			snprintf(r->impls[r->nimpl++], sizeof r->impls[0], "%s", impl);
		if (ii < 8)
			r->mps[bi][ii] = v;
	}
	free(text);
	return true;
}

static void
print_ratios(const struct options *o, const struct ratios *r)
{
	fprintf(stderr, "\ncadre / peer (msgs per second; > 1: cadre is faster), %u workers:\n",
	        o->workers);
	fprintf(stderr, "%-12s %10s", "bench", "cadre M/s");
	for (int i = 0; i < r->nimpl; i++)
		fprintf(stderr, " %9s", r->impls[i]);
	fprintf(stderr, "\n");
	for (size_t b = 0; b < NPEER_BENCHES; b++) {
		if (r->cadre_mps[b] == 0)
			continue;
		fprintf(stderr, "%-12s %10.2f", peer_benches[b], r->cadre_mps[b] / 1e6);
		for (int i = 0; i < r->nimpl; i++) {
			if (r->mps[b][i] > 0)
				fprintf(stderr, " %8.2fx", r->cadre_mps[b] / r->mps[b][i]);
			else
				fprintf(stderr, " %9s", "-");
		}
		fprintf(stderr, "\n");
	}
}

bool
compare_peers(const struct options *o)
{
	const char *script =
	        o->peers_script != NULL ? o->peers_script : getenv("CADRE_PEERS_SCRIPT");
	if (script == NULL)
		script = CADRE_PEERS_SCRIPT;
	char cmd[4096], only[256], sizes[2048];
	peers_only(o, only, sizeof only);
	if (only[0] == '\0') {
		fprintf(stderr, "cadre-bench: --compare: none of these workloads has peers\n");
		return true;
	}
	peers_sizes(o, sizes, sizeof sizes);
	snprintf(cmd, sizeof cmd, "bash '%s' --workers %u --runs %u --warmups %u --only %s%s",
	         script, o->workers, (unsigned)o->runs, (unsigned)o->warmups, only, sizes);
	int st;
	if (!run_peers(cmd, script, &st))
		return false;
	struct ratios r;
	if (!collect_ratios(&r))
		return false;
	print_ratios(o, &r);
	return st == 0;
}
