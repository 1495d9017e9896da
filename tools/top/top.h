/* cadre-top: what its parts share. A snapshot (model.c) decoded from the
 * observe endpoint's JSON (client.c fetches it), the rates between two
 * snapshots, the sort orders, and the screen lines (view.c) that the
 * terminal (main.c, ncurses) or --once prints. */
#ifndef CADRE_TOP_H
#define CADRE_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the endpoint (client.c) ---------------------------------------- */

typedef struct top_conn {
	int fd;
	char *buf; /* bytes read past the last line */
	size_t len, cap;
} top_conn;

/* Connects to the Unix socket at path. 0, or -errno. */
int top_connect(top_conn *c, const char *path);
void top_close(top_conn *c);
/* Sends "snapshot LIMIT\n" and reads one line of answer (without its
 * newline) into *line (malloc'd; the caller frees). 0, or -errno (-EPROTO:
 * the answer was not one line; -ETIMEDOUT: none within timeout_ms). */
int top_request(top_conn *c, unsigned limit, int timeout_ms, char **line, size_t *len);

/* ---- snapshots and rates (model.c) ------------------------------------ */

typedef struct top_worker {
	unsigned index;
	int cpu;
	bool active;
	uint64_t runs, messages, steals, parks, wakeups, busy_ns, idle_ns, runq;
	double util; /* busy share of the wall time since the previous snapshot, 0..1; <0: unknown */
} top_worker;

typedef struct top_actor {
	char ref[32];
	char behaviour[48]; /* "" when null */
	char name[48];      /* "" when null */
	char state[12];
	uint64_t mailbox, handled, runs, run_ns, restarts;
	double rate; /* messages handled per second; <0: unknown (first sight) */
	double cpu;  /* share of one CPU (run_ns per wall ns), 0..; <0: unknown */
} top_actor;

typedef struct top_snap {
	long pid;
	uint64_t now_ns, uptime_ns;
	uint64_t sent, handled, dead_letters, spawned, stopped, actors_alive, restarts, mutes,
	        unmutes;
	bool actor_stats;
	uint64_t actors_total;
	top_worker *workers;
	size_t nworkers;
	top_actor *actors;
	size_t nactors;
	/* Rates since the previous snapshot (valid when has_rates). */
	bool has_rates;
	double interval_s, sent_s, handled_s, dead_s, restarts_s;
} top_snap;

/* Decodes one answer of the endpoint. 0, or -1 with a reason in err. */
int top_snap_decode(top_snap *s, const char *json, size_t len, char *err, size_t errsize);
void top_snap_free(top_snap *s);
/* Fills cur's rates (system, workers, actors) from prev (may be NULL: the
 * rates stay unknown). */
void top_snap_rates(top_snap *cur, const top_snap *prev);

typedef enum top_sort {
	TOP_SORT_MAILBOX,
	TOP_SORT_RATE,
	TOP_SORT_CPU,
	TOP_SORT_NAME,
	TOP_SORT_STATE,
	TOP_SORT_BEHAVIOUR,
	TOP_SORT_RESTARTS,
} top_sort;

/* The sort a key selects ('m', 'r', ...), or -1. */
int top_sort_for_key(int key);
/* The sort named by --sort (mailbox, rate, cpu, name, state, behaviour,
 * restarts), or -1. */
int top_sort_for_name(const char *name);
const char *top_sort_name(top_sort s);
void top_snap_sort(top_snap *s, top_sort by);

/* ---- the screen (view.c) ---------------------------------------------- */

enum top_attr { TOP_PLAIN, TOP_TITLE, TOP_HEADING, TOP_BAR, TOP_WARN };

/* Called for each screen line in order; returns false to stop (screen full). */
typedef bool (*top_line_fn)(void *ctx, enum top_attr attr, const char *text);

typedef struct top_view {
	const char *path;
	top_sort sort;
	unsigned width;     /* columns */
	const char *status; /* a message above the table (endpoint gone, ...), or NULL */
} top_view;

/* Lays out the screen for s (may be NULL: only the header and status). */
void top_render(const top_view *v, const top_snap *s, top_line_fn out, void *ctx);

/* ---- --once --json ------------------------------------------------------ */

/* Prints the answer line with, when s has rates, a "rates" member added at
 * the end of the object. */
void top_print_json(const char *line, size_t len, const top_snap *s);

/* ---- the program (main.c, screen.c) ------------------------------------ */

typedef struct top_opts {
	const char *path;
	unsigned interval_ms; /* refresh; with --once, the gap between two samples (0: one) */
	bool interval_given;
	unsigned limit;
	top_sort sort;
	bool once, json;
} top_opts;

/* How long one request may wait for its answer. */
#define TOP_TIMEOUT_MS 5000

/* Takes one snapshot: the raw line (when line is not NULL; the caller frees
 * it) and the decoded one. 0, or -1 with a reason in err. */
int top_sample(top_conn *c, const top_opts *o, top_snap *s, char **line, size_t *len, char *err,
               size_t errsize);
/* The live view, until 'q'; c is connected (and may be reconnected). The
 * exit status. */
int top_interactive(const top_opts *o, top_conn *c);

#endif
