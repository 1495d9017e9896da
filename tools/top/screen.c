/* cadre-top's live view on a terminal (ncurses): a snapshot every
 * interval, the screen redrawn from it, keys read in between (100 ms at a
 * time, so that a key or a resize shows at once). An endpoint that goes
 * away is said on the screen and tried again every interval. */
#include "top.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct screen {
	const top_opts *o;
	top_conn *c;
	top_snap prev, cur; /* cur: the one shown (nactors 0 before the first) */
	bool have;          /* cur holds a snapshot */
	top_sort sort;
	char status[512];
	int row;
} screen;

static int64_t
clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
draw_line(void *ctx, enum top_attr attr, const char *text)
{
	screen *sc = ctx;
	if (sc->row >= LINES)
		return false;
	attr_t a = attr == TOP_TITLE     ? A_REVERSE | A_BOLD
	           : attr == TOP_HEADING ? A_REVERSE
	           : attr == TOP_WARN    ? A_BOLD
	                                 : A_NORMAL;
	attrset(a);
	mvaddnstr(sc->row++, 0, text, COLS);
	if (attr == TOP_TITLE || attr == TOP_HEADING) /* the bar across the screen */
		for (int x = (int)strlen(text); x < COLS; x++)
			mvaddch(sc->row - 1, x, ' ');
	attrset(A_NORMAL);
	return true;
}

static void
draw(screen *sc)
{
	erase();
	sc->row = 0;
	top_view v = {.path = sc->o->path,
	              .sort = sc->sort,
	              .width = COLS > 0 ? (unsigned)COLS : 80,
	              .status = sc->status[0] ? sc->status : NULL};
	top_render(&v, sc->have ? &sc->cur : NULL, draw_line, sc);
	refresh();
}

/* One refresh: reconnects if need be, samples, computes rates. */
static void
refresh_data(screen *sc)
{
	char err[256];
	if (sc->c->fd < 0) {
		int rc = top_connect(sc->c, sc->o->path);
		if (rc != 0) {
			snprintf(sc->status, sizeof sc->status,
			         "endpoint %s is gone (%s); retrying every %u ms  (q quits)",
			         sc->o->path, strerror(-rc), sc->o->interval_ms);
			return;
		}
	}
	top_snap next;
	if (top_sample(sc->c, sc->o, &next, NULL, NULL, err, sizeof err) != 0) {
		top_close(sc->c);
		snprintf(sc->status, sizeof sc->status,
		         "lost the endpoint: %s; retrying every %u ms", err, sc->o->interval_ms);
		top_snap_free(&sc->prev);
		top_snap_free(&sc->cur);
		sc->have = false;
		return;
	}
	sc->status[0] = '\0';
	top_snap_free(&sc->prev);
	sc->prev = sc->cur;
	sc->cur = next;
	top_snap_rates(&sc->cur, sc->have ? &sc->prev : NULL);
	sc->have = true;
	top_snap_sort(&sc->cur, sc->sort);
}

int
top_interactive(const top_opts *o, top_conn *c)
{
	screen sc = {.o = o, .c = c, .sort = o->sort};
	/* newterm, not initscr: a terminal it cannot drive is an error to
	 * report, not an exit inside the library. */
	const char *term = getenv("TERM");
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (scr == NULL) {
		fprintf(stderr, "cadre-top: cannot drive this terminal (TERM=%s); try --once\n",
		        term != NULL ? term : "unset");
		return 1;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(100);
	int64_t next = 0;
	for (;;) {
		if (clock_ms() >= next) {
			refresh_data(&sc);
			next = clock_ms() + o->interval_ms;
			draw(&sc);
		}
		int ch = getch();
		if (ch == 'q' || ch == 'Q')
			break;
		int s = ch == ERR ? -1 : top_sort_for_key(ch);
		if (s >= 0) {
			sc.sort = (top_sort)s;
			if (sc.have)
				top_snap_sort(&sc.cur, sc.sort);
			draw(&sc);
		} else if (ch == KEY_RESIZE || ch == 12 /* ^L */) {
			draw(&sc);
		}
	}
	endwin();
	delscreen(scr);
	top_snap_free(&sc.prev);
	top_snap_free(&sc.cur);
	return 0;
}
