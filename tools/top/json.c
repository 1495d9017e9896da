/* A small JSON reader (json.h): recursive descent over one document, every
 * value and string taken from a bump arena freed at once. Depth is bounded
 * so that hostile input cannot exhaust the stack. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64
#define ARENA_BLOCK (64u * 1024u)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

struct parser {
	const char *start, *p, *end;
	struct arena_block *arena;
	char *err;
	size_t errsize;
	int depth;
};

static void *
arena_alloc(struct parser *ps, size_t n)
{
	n = (n + 15u) & ~(size_t)15u;
	struct arena_block *b = ps->arena;
	if (b == NULL || b->size - b->used < n) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = malloc(sizeof *b + size);
		if (b == NULL)
			return NULL;
		b->next = ps->arena;
		b->used = 0;
		b->size = size;
		ps->arena = b;
	}
	void *r = b->data + b->used;
	b->used += n;
	return r;
}

static int
fail(struct parser *ps, const char *what)
{
	if (ps->errsize > 0 && ps->err[0] == '\0')
		snprintf(ps->err, ps->errsize, "%s at byte %zu", what, (size_t)(ps->p - ps->start));
	return -1;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int parse_value(struct parser *ps, json_value *v);

static int
hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	o[0] = (char)(0xE0 | (cp >> 12));
	o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

/* At the opening quote: reads the string into the arena (unescaped). */
static int
parse_string(struct parser *ps, char **out)
{
	const char *s = ++ps->p;
	while (ps->p < ps->end && *ps->p != '"')
		ps->p += (*ps->p == '\\' && ps->p + 1 < ps->end) ? 2 : 1;
	if (ps->p >= ps->end)
		return fail(ps, "unterminated string");
	size_t n = (size_t)(ps->p - s);
	char *o = arena_alloc(ps, n + 1);
	if (o == NULL)
		return fail(ps, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((unsigned char)c < 0x20)
			return fail(ps, "control character in string");
		if (c != '\\') {
			o[k++] = c;
			continue;
		}
		c = s[++i];
		unsigned cp;
		switch (c) {
		case 'n':
			o[k++] = '\n';
			break;
		case 't':
			o[k++] = '\t';
			break;
		case 'r':
			o[k++] = '\r';
			break;
		case 'b':
			o[k++] = '\b';
			break;
		case 'f':
			o[k++] = '\f';
			break;
		case '"':
		case '\\':
		case '/':
			o[k++] = c;
			break;
		case 'u':
			if (i + 4 >= n || hex4(s + i + 1, &cp) != 0)
				return fail(ps, "bad \\u escape");
			i += 4;
			/* Surrogates are shown as '?': the tool only displays names. */
			k += (cp >= 0xD800 && cp <= 0xDFFF) ? (o[k] = '?', 1) : put_utf8(o + k, cp);
			break;
		default:
			return fail(ps, "bad escape");
		}
	}
	o[k] = '\0';
	ps->p++; /* the closing quote */
	*out = o;
	return 0;
}

static int
parse_number(struct parser *ps, json_value *v)
{
	const char *s = ps->p;
	bool integer = true, negative = (*s == '-');
	uint64_t u = 0;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return fail(ps, "bad number");
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		uint64_t d = (uint64_t)(*ps->p - '0');
		if (u > (UINT64_MAX - d) / 10)
			integer = false;
		u = u * 10 + d;
		ps->p++;
	}
	while (ps->p < ps->end &&
	       (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E' || *ps->p == '+' || *ps->p == '-' ||
	        (*ps->p >= '0' && *ps->p <= '9'))) {
		integer = false;
		ps->p++;
	}
	char buf[64];
	size_t n = (size_t)(ps->p - s);
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *endp;
	v->kind = JSON_NUMBER;
	v->number = strtod(buf, &endp);
	if (*endp != '\0')
		return fail(ps, "bad number");
	v->u64 = (integer && !negative) ? u : (v->number > 0 ? (uint64_t)v->number : 0);
	return 0;
}

/* At '[' or '{': the elements, as a list under v. */
static int
parse_container(struct parser *ps, json_value *v, bool object)
{
	char close = object ? '}' : ']';
	v->kind = object ? JSON_OBJECT : JSON_ARRAY;
	if (++ps->depth > JSON_MAX_DEPTH)
		return fail(ps, "nested too deep");
	ps->p++;
	skip_ws(ps);
	json_value **tail = &v->first;
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		json_value *e = arena_alloc(ps, sizeof *e);
		if (e == NULL)
			return fail(ps, "out of memory");
		memset(e, 0, sizeof *e);
		skip_ws(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"' || parse_string(ps, &e->key) != 0)
				return fail(ps, "expected a key");
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return fail(ps, "expected ':'");
			ps->p++;
		}
		if (parse_value(ps, e) != 0)
			return -1;
		*tail = e;
		tail = &e->next;
		v->count++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return 0;
		}
		return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int
parse_word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
		return fail(ps, "unexpected character");
	ps->p += n;
	return 0;
}

static int
parse_value(struct parser *ps, json_value *v)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, v, true);
	case '[':
		return parse_container(ps, v, false);
	case '"':
		v->kind = JSON_STRING;
		return parse_string(ps, &v->string);
	case 't':
		v->kind = JSON_BOOL;
		v->boolean = true;
		return parse_word(ps, "true");
	case 'f':
		v->kind = JSON_BOOL;
		return parse_word(ps, "false");
	case 'n':
		v->kind = JSON_NULL;
		return parse_word(ps, "null");
	default:
		return parse_number(ps, v);
	}
}

static void
free_blocks(struct arena_block *b)
{
	while (b != NULL) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
}

int
json_parse(json_doc *doc, const char *text, size_t len, char *err, size_t errsize)
{
	struct parser ps = {
	        .start = text, .p = text, .end = text + len, .err = err, .errsize = errsize};
	if (errsize > 0)
		err[0] = '\0';
	doc->root = NULL;
	doc->arena = NULL;
	json_value *root = arena_alloc(&ps, sizeof *root);
	if (root == NULL) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	memset(root, 0, sizeof *root);
	int rc = parse_value(&ps, root);
	if (rc == 0) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			rc = fail(&ps, "text after the document");
	}
	if (rc != 0) {
		free_blocks(ps.arena);
		return -1;
	}
	doc->root = root;
	doc->arena = ps.arena;
	return 0;
}

void
json_free(json_doc *doc)
{
	if (doc == NULL)
		return;
	free_blocks(doc->arena);
	doc->arena = NULL;
	doc->root = NULL;
}

const json_value *
json_get(const json_value *obj, const char *key)
{
	if (obj == NULL || obj->kind != JSON_OBJECT)
		return NULL;
	for (const json_value *e = obj->first; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

uint64_t
json_u64(const json_value *obj, const char *key)
{
	const json_value *v = json_get(obj, key);
	return (v != NULL && v->kind == JSON_NUMBER) ? v->u64 : 0;
}

const char *
json_str(const json_value *obj, const char *key)
{
	const json_value *v = json_get(obj, key);
	return (v != NULL && v->kind == JSON_STRING) ? v->string : NULL;
}

bool
json_bool(const json_value *obj, const char *key)
{
	const json_value *v = json_get(obj, key);
	return v != NULL && v->kind == JSON_BOOL && v->boolean;
}
