/* cadre-bench --baseline FILE: this invocation's medians against FILE's
 * (JSON lines saved by --save), per (bench, impl, workers); a table on
 * stderr; exit status 3 when a workload is slower by more than the noise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

bool
json_str(const char *line, const char *key, char *buf, size_t len)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p != '"')
		return false;
	p++;
	size_t k = 0;
	while (*p != '\0' && *p != '"' && k + 1 < len)
		buf[k++] = *p++;
	buf[k] = '\0';
	return *p == '"';
}

bool
json_num(const char *line, const char *key, double *v)
{
	char pat[64], *end;
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	*v = strtod(p, &end);
	return end != p;
}

struct bline {
	char bench[48], impl[32], check[8];
	double workers, secs, min_secs, max_secs;
};

static bool
bline_parse(const char *line, struct bline *b)
{
	memset(b, 0, sizeof *b);
	if (!json_str(line, "bench", b->bench, sizeof b->bench) ||
	    !json_str(line, "impl", b->impl, sizeof b->impl) ||
	    !json_num(line, "workers", &b->workers) || !json_num(line, "secs", &b->secs))
		return false;
	if (!json_str(line, "check", b->check, sizeof b->check))
		b->check[0] = '\0';
	if (!json_num(line, "min_secs", &b->min_secs) || !json_num(line, "max_secs", &b->max_secs))
		b->min_secs = b->max_secs = b->secs; /* no spread known */
	return true;
}

/* Parses every line of text (modified: lines are cut at newlines). */
static size_t
blines_of(char *text, struct bline **out)
{
	size_t n = 0, cap = 0;
	struct bline *v = NULL;

	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		struct bline b;
		if (!bline_parse(line, &b))
			continue;
		if (n == cap) {
			cap = cap * 2 + 16;
			struct bline *p = realloc(v, cap * sizeof *v);
			if (p == NULL) {
				fprintf(stderr, "cadre-bench: out of memory\n");
				exit(1);
			}
			v = p;
		}
		v[n++] = b;
	}
	*out = v;
	return n;
}

static double
rel_spread(const struct bline *b)
{
	return b->secs > 0 ? (b->max_secs - b->min_secs) / b->secs : 0;
}

/* The whole of the file at path (exits on an error). */
static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;

	if (f == NULL) {
		fprintf(stderr, "cadre-bench: --baseline %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (;;) {
		char *p = realloc(text, len + 65536 + 1);
		if (p == NULL) {
			fprintf(stderr, "cadre-bench: out of memory\n");
			exit(1);
		}
		text = p;
		size_t got = fread(text + len, 1, 65536, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	text[len] = '\0';
	return text;
}

/* One row of the table: the current line c against its baseline line (the
 * last in the file with the same bench, impl and workers). Returns true if
 * it is a regression. */
static bool
compare_one(const struct bline *c, const struct bline *base, size_t nb)
{
	const struct bline *b = NULL;

	for (size_t k = 0; k < nb; k++)
		if (strcmp(base[k].bench, c->bench) == 0 && strcmp(base[k].impl, c->impl) == 0 &&
		    base[k].workers == c->workers)
			b = &base[k]; /* the last one in the file wins */
	if (b == NULL) {
		fprintf(stderr, "%-13s %-8s %3.0f %11s %11.4f %7s %7s  %s\n", c->bench, c->impl,
		        c->workers, "-", c->secs, "-", "-", "not in the baseline");
		return false;
	}
	if (strcmp(c->check, "ok") != 0 || strcmp(b->check, "ok") != 0 || b->secs <= 0 ||
	    c->secs <= 0) {
		fprintf(stderr, "%-13s %-8s %3.0f %11.4f %11.4f %7s %7s  %s\n", c->bench, c->impl,
		        c->workers, b->secs, c->secs, "-", "-", "not compared: a check failed");
		return false;
	}
	double ratio = c->secs / b->secs;
	double sp = rel_spread(c) > rel_spread(b) ? rel_spread(c) : rel_spread(b);
	double noise = 3 * sp > 0.10 ? 3 * sp : 0.10;
	const char *verdict = "same (within noise)";
	bool regressed = false;
	if (ratio > 1 + noise) {
		verdict = "REGRESSION";
		regressed = true;
	} else if (ratio < 1 / (1 + noise)) {
		verdict = "faster";
	}
	fprintf(stderr, "%-13s %-8s %3.0f %11.4f %11.4f %7.3f %6.0f%%  %s\n", c->bench, c->impl,
	        c->workers, b->secs, c->secs, ratio, noise * 100, verdict);
	return regressed;
}

/* Compares this run's lines with the baseline's per (bench, impl,
 * workers). Returns true if a regression was flagged: the current median
 * slower than the baseline's by more than the noise, max(10%, 3 x the
 * larger relative spread (max - min) / median of the two). */
bool
compare_baseline(const char *path)
{
	char *text = read_file(path), *cur_text = strdup(json_lines());
	struct bline *base, *cur;
	bool regressed = false;

	if (cur_text == NULL) {
		fprintf(stderr, "cadre-bench: out of memory\n");
		exit(1);
	}
	size_t nb = blines_of(text, &base), nc = blines_of(cur_text, &cur);

	fprintf(stderr,
	        "\ncadre-bench: against the baseline %s (median secs; noise = max(10%%, "
	        "3 x relative spread))\n",
	        path);
	fprintf(stderr, "%-13s %-8s %3s %11s %11s %7s %7s  %s\n", "bench", "impl", "w", "base s",
	        "now s", "ratio", "noise", "verdict");
	for (size_t i = 0; i < nc; i++) {
		if (strcmp(cur[i].bench, "idle") == 0 || strcmp(cur[i].bench, "stress") == 0)
			continue; /* their secs are not a speed */
		if (compare_one(&cur[i], base, nb))
			regressed = true;
	}
	if (regressed)
		fprintf(stderr, "cadre-bench: regression against %s (exit status 3)\n", path);
	free(base);
	free(cur);
	free(text);
	free(cur_text);
	return regressed;
}
