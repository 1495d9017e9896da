/* Cadre internal: actors (actor/): spawn, run, stop, become and stash,
 * and the freeing of a dead actor. The top of the mechanisms: a run calls
 * receive, handles signals and ends lives.
 * Uses: signal/ and what is below it. */
#ifndef CADRE__ACTOR_H
#define CADRE__ACTOR_H

#include "cadre__signal.h"

/* Runs a for one batch (run.c); a run result (CADRE__RUN_*). */
int cadre__actor_run(struct cadre__worker *w, struct cadre__actor *a);
/* Runs receive on a view (a signal turned message); a run result:
 * CADRE__RUN_AGAIN to go on, CADRE__RUN_DEAD if it stopped the actor. */
int cadre__deliver_view(struct cadre__worker *w, struct cadre__actor *a, const cadre_msg *view);
/* Ends the actor's life on its worker (stop.c): stop(), exit and down
 * signals, slot, counters. CADRE__RUN_DEAD. */
int cadre__finish(struct cadre__worker *w, struct cadre__actor *a, cadre_exit reason);
/* The embedded stop request, popped (stop.c): finishes a, or delivers it
 * as an exit signal to an actor that traps it (cadre_trap_stop). */
int cadre__stop_request(struct cadre__worker *w, struct cadre__actor *a);
/* After the grace period: what its mailbox holds is dead-lettered (signals
 * answered), then it is freed. */
void cadre__actor_reclaim(struct cadre__worker *w, struct cadre__actor *a);
/* A spawn for another node (dist/), from any thread: beh started with arg,
 * a block from cadre__remote_arg_new (the spawn takes it, even when it
 * fails), linked before it can run to link_to (an actor of the other node)
 * unless NONE. cadre_spawn's codes. */
struct cadre_remote_arg;
struct cadre_remote_arg *cadre__remote_arg_new(const void *data, size_t size);
void cadre__remote_arg_free(void *arg);
int cadre__spawn_remote(cadre_system *sys, const cadre_behaviour *beh, struct cadre_remote_arg *arg,
                        cadre_ref link_to, cadre_ref *out);
/* Stashed messages of a dying actor become dead letters (behave.c). */
void cadre__stash_drop_all(struct cadre__worker *w, struct cadre__actor *a);

/* The hooks the layers below call actor/ through (system/cadre__system.h). */
extern const struct cadre__hooks cadre__actor_hooks;

#endif /* CADRE__ACTOR_H */
