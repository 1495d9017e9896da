/* A small JSON reader for cadre-top: parses one document into a tree of
 * values held in one arena. Enough for the observe endpoint's snapshots
 * (objects, arrays, strings, integers, booleans, null); numbers are kept as
 * doubles and, when they are integers, also exactly as uint64_t. */
#ifndef CADRE_TOP_JSON_H
#define CADRE_TOP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

typedef struct json_value json_value;

struct json_value {
	enum json_kind kind;
	bool boolean;
	double number;
	uint64_t u64;      /* the number, when it is a non-negative integer */
	char *string;      /* STRING: NUL-terminated, unescaped */
	char *key;         /* a member of an object: its key */
	json_value *first; /* ARRAY / OBJECT: the first element */
	json_value *next;  /* the next element of the parent */
	size_t count;      /* ARRAY / OBJECT: elements */
};

typedef struct json_doc {
	json_value *root;
	void *arena;
} json_doc;

/* Parses text (len bytes; need not be NUL-terminated). 0 on success, or -1
 * with a reason written to err (errsize bytes). */
int json_parse(json_doc *doc, const char *text, size_t len, char *err, size_t errsize);
void json_free(json_doc *doc);

/* The member key of an object, or NULL. */
const json_value *json_get(const json_value *obj, const char *key);
/* A member's value as an integer (0 if missing or not a number). */
uint64_t json_u64(const json_value *obj, const char *key);
/* A member's string, or NULL if missing or not a string. */
const char *json_str(const json_value *obj, const char *key);
/* A member's boolean (false if missing). */
bool json_bool(const json_value *obj, const char *key);

#endif
