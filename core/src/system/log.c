/* Cadre: log events (cadre/log.h): formatting reasons and events, the log
 * hook or the default printer, and the dead-letter rate.
 *
 * Design notes.
 *
 * The dead-letter rate is counted on the dead-letter path only (never on a
 * send that succeeds): one window of at least a second, shared by the
 * system's threads. Its start (ms) and count are atomics; the thread that
 * finds the window over opens the next one (CAS on the start) and zeroes the
 * count; an increment racing with that reset may be lost, so under
 * concurrency the count is close, not exact; from one thread it is exact.
 * Past the rate, the thread that claims `reported` (the time of the last
 * event, by CAS) makes the event: at most one a second, and so at most one
 * per window. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cadre__system.h"

#define DL_WINDOW_MS 1000u
#define DL_DEFAULT_RATE 1000u

/* ---- formatting ---------------------------------------------------------- */

/* An snprintf that appends at *len (the length the whole text needs). */
__attribute__((format(printf, 4, 5))) static void
put(char *buf, size_t size, int *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t at = (size_t)*len;
	int n = vsnprintf(at < size ? buf + at : NULL, at < size ? size - at : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += n;
}

static const char *const kind_names[] = {"normal", "shutdown", "killed",      "failure",
                                         "noproc", "error",    "noconnection"};

static void
put_exit(char *buf, size_t size, int *len, const cadre_exit *r)
{
	if (r->kind == CADRE_EXIT_NORMAL && r->code == CADRE_IGNORE_CODE) {
		put(buf, size, len, "normal(ignore)");
		return;
	}
	if ((unsigned)r->kind > CADRE_EXIT_NOCONNECTION) {
		put(buf, size, len, "unknown(%d)", (int)r->kind);
		return;
	}
	put(buf, size, len, "%s", kind_names[r->kind]);
	bool args =
	        r->kind == CADRE_EXIT_FAILURE || r->kind == CADRE_EXIT_ERROR || r->detail != NULL;
	if (!args)
		return;
	put(buf, size, len, "(");
	if (r->kind == CADRE_EXIT_FAILURE)
		put(buf, size, len, "%d", r->code);
	else if (r->kind == CADRE_EXIT_ERROR)
		put(buf, size, len, "%s", cadre_err_name(r->code));
	if (r->detail != NULL)
		put(buf, size, len, "%s\"%s\"",
		    r->kind == CADRE_EXIT_FAILURE || r->kind == CADRE_EXIT_ERROR ? ", " : "",
		    r->detail);
	put(buf, size, len, ")");
}

int
cadre_exit_format(const cadre_exit *reason, char *buf, size_t size)
{
	if (reason == NULL || (buf == NULL && size > 0))
		return CADRE_EINVAL;
	int len = 0;
	if (size > 0)
		buf[0] = '\0';
	put_exit(buf, size, &len, reason);
	return len;
}

static void
put_ref(char *buf, size_t size, int *len, cadre_ref r)
{
	put(buf, size, len, "<%u.%u.%u>", r.sys, r.index, r.gen);
}

static const char *
or_str(const char *s, const char *dflt)
{
	return s != NULL ? s : dflt;
}

int
cadre_log_format(const cadre_log_event *ev, char *buf, size_t size)
{
	if (ev == NULL || (unsigned)ev->kind > CADRE_LOG_NODE_REFUSED || (buf == NULL && size > 0))
		return CADRE_EINVAL;
	int len = 0;
	if (size > 0)
		buf[0] = '\0';
	const char *name = or_str(ev->name, "?"), *id = or_str(ev->child_id, "");
	switch (ev->kind) {
	case CADRE_LOG_ACTOR_FAILED:
		put(buf, size, &len, "cadre: actor ");
		put_ref(buf, size, &len, ev->actor);
		put(buf, size, &len, " (%s) %s: ", name,
		    ev->signalled ? "ended by an exit signal" : "failed");
		put_exit(buf, size, &len, &ev->reason);
		break;
	case CADRE_LOG_CHILD_RESTARTED:
	case CADRE_LOG_INTENSITY:
		put(buf, size, &len, "cadre: supervisor ");
		put_ref(buf, size, &len, ev->supervisor);
		if (ev->kind == CADRE_LOG_CHILD_RESTARTED)
			put(buf, size, &len, " restarts child \"%s\" ", id);
		else
			put(buf, size, &len,
			    " reached its restart intensity (%llu in %llu ms) and shuts down: "
			    "child \"%s\" ",
			    (unsigned long long)ev->count, (unsigned long long)ev->window_ms, id);
		put_ref(buf, size, &len, ev->actor);
		put(buf, size, &len, " (%s) ended: ", name);
		put_exit(buf, size, &len, &ev->reason);
		if (ev->kind == CADRE_LOG_CHILD_RESTARTED)
			put(buf, size, &len, " (restart %llu in %llu ms)",
			    (unsigned long long)ev->count, (unsigned long long)ev->window_ms);
		break;
	case CADRE_LOG_DEAD_LETTERS:
		put(buf, size, &len, "cadre: %llu dead letters in %llu ms (the last to ",
		    (unsigned long long)ev->count, (unsigned long long)ev->window_ms);
		put_ref(buf, size, &len, ev->actor);
		put(buf, size, &len, ")");
		break;
	case CADRE_LOG_NODE_REFUSED:
		put(buf, size, &len, "cadre: node connection refused: %s (%s; %llu so far)", name,
		    id, (unsigned long long)ev->count);
		break;
	}
	return len;
}

/* ---- reporting ------------------------------------------------------------- */

/* The default printer: the events an operator must not miss, one line each,
 * written with one write() so that lines of several threads do not mix. */
static void
print_default(const cadre_log_event *ev)
{
	if (ev->kind == CADRE_LOG_CHILD_RESTARTED ||
	    (ev->kind == CADRE_LOG_ACTOR_FAILED && (!ev->unhandled || ev->signalled)))
		return;
	char line[512];
	int n = cadre_log_format(ev, line, sizeof line - 1);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line - 2 ? (size_t)n : sizeof line - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w; /* nowhere to report a failed report */
}

void
cadre__log(struct cadre_system *sys, const cadre_log_event *ev)
{
	if (sys->log != NULL)
		sys->log(sys->log_ctx, ev);
	else if (!sys->quiet)
		print_default(ev);
}

int
cadre_system_log(cadre_system *sys, const cadre_log_event *ev)
{
	if (sys == NULL || ev == NULL || (unsigned)ev->kind > CADRE_LOG_NODE_REFUSED)
		return CADRE_EINVAL;
	cadre_log_event e = *ev;
	e.system = sys;
	e.name = or_str(e.name, "?");
	e.child_id = or_str(e.child_id, "");
	cadre__log(sys, &e);
	return 0;
}

void
cadre__log_configure(struct cadre_system *sys, const cadre_config *cfg)
{
	sys->log = cfg->log;
	sys->log_ctx = cfg->log_ctx;
	sys->quiet = cfg->quiet;
	sys->dl_rate = cfg->dead_letter_rate != 0 ? cfg->dead_letter_rate : DL_DEFAULT_RATE;
}

/* ---- the dead-letter rate (design notes above) ----------------------------- */
void
cadre__dead_letter_rate(struct cadre_system *sys, cadre_ref to)
{
	uint64_t now = cadre__clock_ns(sys) / 1000000u; /* virtual in the deterministic mode */
	/* Acquire: pairs with the acq_rel CAS that opened the window, so its
	 * count reset (release store below) is ordered before our increment
	 * when we saw that window. */
	uint64_t start = cadre__load_acq_u64(&sys->dl_start);
	if (now >= start + DL_WINDOW_MS) {
		/* acq_rel CAS: pairs with the acquire load above (other threads);
		 * the winner opens the window and zeroes its count. */
		if (cadre__cas_acqrel_u64(&sys->dl_start, start, now)) {
			/* Release: pairs with the acq_rel increment below. */
			cadre__store_rel_u64(&sys->dl_count, 0);
			start = now;
		} else {
			start = cadre__load_acq_u64(&sys->dl_start); /* as the load above */
		}
	}
	/* acq_rel add: pairs with the reset's release store. */
	uint64_t n = cadre__faa_acqrel_u64(&sys->dl_count, 1) + 1;
	if (n <= sys->dl_rate)
		return;
	/* Over the rate: report, unless a report was made less than a second
	 * ago (which also means: in this window). Acquire: pairs with the CAS. */
	uint64_t last = cadre__load_acq_u64(&sys->dl_reported);
	/* acq_rel CAS: one thread makes the report, the others see it made. */
	if ((last != 0 && now < last + DL_WINDOW_MS) ||
	    !cadre__cas_acqrel_u64(&sys->dl_reported, last, now))
		return;
	cadre_log_event ev = {
	        .kind = CADRE_LOG_DEAD_LETTERS,
	        .level = CADRE_LOG_LEVEL_WARNING,
	        .system = sys,
	        .actor = to,
	        .name = "?",
	        .child_id = "",
	        .count = n,
	        .window_ms = now > start ? now - start : 0,
	};
	cadre__log(sys, &ev);
}
