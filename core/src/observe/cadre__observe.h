/* Cadre internal: seeing inside a running system (observe/): the walk of
 * live actors (cadre/stats.h), the snapshot as JSON, and the observe
 * endpoint, a Unix socket served by actors through io/
 * (cadre_config.observe_path).
 * Uses: io/, registry/ and what is below them. */
#ifndef CADRE__OBSERVE_H
#define CADRE__OBSERVE_H

#include <cadre/stats.h>

#include "cadre__registry.h"

/* The longest observe_path (a sockaddr_un's sun_path, less its NUL). */
#define CADRE__OBSERVE_PATH_MAX 107u

/* A growing text buffer; oom once an append failed (the text is then cut). */
struct cadre__text {
	char *p;
	size_t n, cap;
	bool oom;
};
void cadre__text_put(struct cadre__text *t, const char *s, size_t n);
void cadre__text_printf(struct cadre__text *t, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void cadre__text_free(struct cadre__text *t);

/* One walk's helpers (stats.c): registered names by ref, and the tick rate,
 * read once per walk. */
struct cadre__names {
	struct cadre__named *e; /* sorted by ref word */
	size_t n, cap;
	bool oom;
};
struct cadre__walk {
	struct cadre_system *sys;
	struct cadre__names names;
	double ns_per_tick;
};
/* Begins a walk: the names (CADRE_ENOMEM if they cannot be copied). The
 * caller holds the system (cadre__enter) until cadre__walk_end. */
int cadre__walk_begin(struct cadre__walk *wk, struct cadre_system *sys);
void cadre__walk_end(struct cadre__walk *wk);
/* One live actor's info; a is held. */
void cadre__walk_info(const struct cadre__walk *wk, struct cadre__actor *a, cadre_actor_info *out);

/* The snapshot of the endpoint's protocol, one line of JSON ending in
 * "\n", at most limit actors (json.c). CADRE_ENOMEM, CADRE_ECLOSED or 0. */
int cadre__observe_json(struct cadre_system *sys, unsigned limit, struct cadre__text *t);

/* An endpoint's listener (listen.c), shared by the observe socket and the
 * metrics: an actor of the system ("cadre.observe", "cadre.metrics") that
 * listens at addr and spawns conn_beh for each connection. addr and
 * conn_beh are set by the caller; the rest is listen.c's. */
struct cadre__endpoint {
	char addr[256];                  /* as cadre_tcp_listen takes it */
	const cadre_behaviour *conn_beh; /* one actor per connection */
	cadre_behaviour listener;        /* named; lives as long as the system */
	uint32_t done;                   /* futex word: 1 once the listen's result is in rc */
	int rc;
};
/* Spawns the listener named name and waits for its listen's result (0, or
 * cadre_tcp_listen's error, or cadre_spawn's). ep outlives the system's
 * actors (it is freed with the system). */
int cadre__endpoint_listen(struct cadre_system *sys, struct cadre__endpoint *ep, const char *name);

/* The endpoint (server.c): listens at path before cadre_system_new
 * returns (CADRE_EADDRINUSE: a live socket or another file is there;
 * CADRE_ESYS, CADRE_ENOMEM, CADRE_EINVAL as cadre_tcp_listen), and
 * frees what is left of it when the system is freed. */
int cadre__observe_start(struct cadre_system *sys, const char *path);
void cadre__observe_free(struct cadre_system *sys);

#endif /* CADRE__OBSERVE_H */
