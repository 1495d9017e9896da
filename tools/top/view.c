/* cadre-top's screen, as lines of text: the header (pid, uptime, actors,
 * rates), one utilisation line per worker, the key help, then the actor
 * table. The same lines go to ncurses (main.c) or to stdout (--once). */
#include "top.h"

#include <stdio.h>
#include <string.h>

#define LINE_MAX_CHARS 512

/* A count in at most 7 characters: 999999, 12.3M, 4.5G. */
static const char *
fmt_count(char *buf, size_t size, double v)
{
	if (v < 0)
		snprintf(buf, size, "-");
	else if (v < 1e6)
		snprintf(buf, size, "%.0f", v);
	else if (v < 1e9)
		snprintf(buf, size, "%.1fM", v / 1e6);
	else
		snprintf(buf, size, "%.1fG", v / 1e9);
	return buf;
}

static const char *
fmt_uptime(char *buf, size_t size, uint64_t ns)
{
	uint64_t s = ns / 1000000000u;
	if (s >= 86400)
		snprintf(buf, size, "%llud %02llu:%02llu:%02llu", (unsigned long long)(s / 86400),
		         (unsigned long long)(s / 3600 % 24), (unsigned long long)(s / 60 % 60),
		         (unsigned long long)(s % 60));
	else
		snprintf(buf, size, "%02llu:%02llu:%02llu", (unsigned long long)(s / 3600),
		         (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	return buf;
}

static bool
header(const top_view *v, const top_snap *s, top_line_fn out, void *ctx)
{
	char line[LINE_MAX_CHARS], up[32], a[16], b[16];
	if (s == NULL) {
		snprintf(line, sizeof line, "cadre-top  %s", v->path);
		return out(ctx, TOP_TITLE, line);
	}
	double na = s->has_rates ? 0 : -1;
	snprintf(line, sizeof line,
	         "cadre-top  pid %ld  up %s  actors %llu  msgs/s %s  dead letters/s %s  "
	         "restarts %llu",
	         s->pid, fmt_uptime(up, sizeof up, s->uptime_ns),
	         (unsigned long long)s->actors_alive,
	         fmt_count(a, sizeof a, s->has_rates ? s->handled_s : na),
	         fmt_count(b, sizeof b, s->has_rates ? s->dead_s : na),
	         (unsigned long long)s->restarts);
	if (!out(ctx, TOP_TITLE, line))
		return false;
	snprintf(line, sizeof line,
	         "sent %s  handled %s  dead letters %llu  spawned %llu  stopped %llu  mutes %llu  "
	         "(%s)",
	         fmt_count(a, sizeof a, (double)s->sent),
	         fmt_count(b, sizeof b, (double)s->handled), (unsigned long long)s->dead_letters,
	         (unsigned long long)s->spawned, (unsigned long long)s->stopped,
	         (unsigned long long)s->mutes, v->path);
	return out(ctx, TOP_PLAIN, line);
}

/* "worker 0  [|||||||     ]  53.2%  runq 3  cpu 1" */
static bool
worker_line(const top_view *v, const top_worker *w, top_line_fn out, void *ctx)
{
	char line[LINE_MAX_CHARS], bar[256], pct[16];
	int width = (int)v->width - 44;
	if (width < 10)
		width = 10;
	if (width > 100)
		width = 100;
	int fill = w->util < 0 ? 0 : (int)(w->util * width + 0.5);
	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '|' : ' ';
	bar[width] = '\0';
	if (w->util < 0)
		snprintf(pct, sizeof pct, "    -");
	else
		snprintf(pct, sizeof pct, "%5.1f%%", w->util * 100);
	char cpu[16] = "-";
	if (w->cpu >= 0)
		snprintf(cpu, sizeof cpu, "%d", w->cpu);
	snprintf(line, sizeof line, "worker %-2u [%s] %s  runq %-5llu cpu %s%s", w->index, bar, pct,
	         (unsigned long long)w->runq, cpu, w->active ? "" : " dormant");
	return out(ctx, TOP_BAR, line);
}

static bool
actor_line(const top_snap *s, const top_actor *a, top_line_fn out, void *ctx)
{
	char line[LINE_MAX_CHARS], rate[16], cpu[16];
	if (!s->actor_stats || a->rate < 0)
		snprintf(rate, sizeof rate, "-");
	else
		fmt_count(rate, sizeof rate, a->rate);
	if (!s->actor_stats || a->cpu < 0)
		snprintf(cpu, sizeof cpu, "-");
	else
		snprintf(cpu, sizeof cpu, "%.1f", a->cpu * 100);
	snprintf(line, sizeof line, "%-16s %-18.18s %-18.18s %-8s %9llu %8s %6s %8llu", a->ref,
	         a->behaviour[0] ? a->behaviour : "-", a->name[0] ? a->name : "-", a->state,
	         (unsigned long long)a->mailbox, rate, cpu, (unsigned long long)a->restarts);
	return out(ctx, TOP_PLAIN, line);
}

void
top_render(const top_view *v, const top_snap *s, top_line_fn out, void *ctx)
{
	char line[LINE_MAX_CHARS];
	if (!header(v, s, out, ctx))
		return;
	if (s != NULL)
		for (size_t i = 0; i < s->nworkers; i++)
			if (!worker_line(v, &s->workers[i], out, ctx))
				return;
	if (v->status != NULL && !out(ctx, TOP_WARN, v->status))
		return;
	if (s == NULL)
		return;
	snprintf(line, sizeof line,
	         "sort: m mailbox  r msgs/s  c cpu  n name  s state  b behaviour  x restarts  "
	         "q quit   [by %s; %zu of %llu actors%s]",
	         top_sort_name(v->sort), s->nactors, (unsigned long long)s->actors_total,
	         s->actor_stats ? "" : "; per-actor counters off");
	if (!out(ctx, TOP_PLAIN, line))
		return;
	snprintf(line, sizeof line, "%-16s %-18s %-18s %-8s %9s %8s %6s %8s", "REF", "BEHAVIOUR",
	         "NAME", "STATE", "MAILBOX", "MSGS/S", "CPU%", "RESTARTS");
	if (!out(ctx, TOP_HEADING, line))
		return;
	for (size_t i = 0; i < s->nactors; i++)
		if (!actor_line(s, &s->actors[i], out, ctx))
			return;
}

/* ---- --once --json ------------------------------------------------------ */

static void
print_rates(const top_snap *s)
{
	printf(",\"rates\":{\"interval_ns\":%.0f,\"sent_per_s\":%.3f,\"handled_per_s\":%.3f,"
	       "\"dead_letters_per_s\":%.3f,\"restarts_per_s\":%.3f,\"workers\":[",
	       s->interval_s * 1e9, s->sent_s, s->handled_s, s->dead_s, s->restarts_s);
	for (size_t i = 0; i < s->nworkers; i++)
		printf("%s{\"index\":%u,\"utilisation\":%.4f}", i ? "," : "", s->workers[i].index,
		       s->workers[i].util < 0 ? 0 : s->workers[i].util);
	printf("],\"actors\":[");
	bool first = true;
	for (size_t i = 0; i < s->nactors; i++) {
		const top_actor *a = &s->actors[i];
		if (a->rate < 0 || strpbrk(a->ref, "\"\\") != NULL)
			continue; /* not seen in the first sample; not a ref ("<n.n.n>") */
		printf("%s{\"ref\":\"%s\",\"handled_per_s\":%.3f,\"cpu\":%.4f}", first ? "" : ",",
		       a->ref, a->rate, a->cpu);
		first = false;
	}
	printf("]}");
}

void
top_print_json(const char *line, size_t len, const top_snap *s)
{
	if (s == NULL || !s->has_rates) {
		printf("%.*s\n", (int)len, line);
		return;
	}
	/* The answer is one object: drop its closing brace, add "rates". */
	while (len > 0 && line[len - 1] != '}')
		len--;
	if (len > 0)
		len--;
	printf("%.*s", (int)len, line);
	print_rates(s);
	printf("}\n");
}
