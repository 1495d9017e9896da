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
/* cadre_actor_state's names, by value, as the snapshot and the metrics
 * write them. */
extern const char *const cadre__actor_state_names[4];

/* The snapshot of the endpoint's protocol, one line of JSON ending in
 * "\n", at most limit actors (json.c). CADRE_ENOMEM, CADRE_ECLOSED or 0. */
int cadre__observe_json(struct cadre_system *sys, unsigned limit, struct cadre__text *t);

/* An endpoint (listen.c), the observe socket's or the metrics': a
 * listener actor of the system ("cadre.observe", "cadre.metrics") that
 * listens at addr and spawns conn_beh for each connection. */
struct cadre__endpoint {
	char addr[256];                  /* as cadre_tcp_listen takes it */
	const cadre_behaviour *conn_beh; /* one actor per connection */
	cadre_behaviour listener;        /* named; lives as long as the system */
	uint32_t done;                   /* futex word: 1 once the listen's result is in rc */
	int rc;
};
/* Makes the endpoint in *slot (sys->obs or sys->metrics), spawns its
 * listener named name and waits for its listen's result: 0, CADRE_EINVAL
 * (addr empty or over 255 bytes), CADRE_ENOMEM, or cadre_spawn's or
 * cadre_tcp_listen's error. Once made, *slot outlives the system's actors:
 * cadre__endpoint_free frees it (and NULLs it) when the system is freed. */
int cadre__endpoint_start(struct cadre_system *sys, struct cadre__endpoint **slot, const char *addr,
                          const cadre_behaviour *conn_beh, const char *name);
void cadre__endpoint_free(struct cadre__endpoint **slot);

/* The observe endpoint (server.c): listens at path before
 * cadre_system_new returns (CADRE_EADDRINUSE: a live socket or another
 * file is there; CADRE_ESYS, CADRE_ENOMEM, CADRE_EINVAL as
 * cadre_tcp_listen), in sys->obs. */
int cadre__observe_start(struct cadre_system *sys, const char *path);

#endif /* CADRE__OBSERVE_H */
