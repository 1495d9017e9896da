/* Cadre: the trace's export as a Chrome JSON trace (the "trace event
 * format"), which Perfetto's UI and chrome://tracing open.
 *
 * Design notes.
 *
 * Why JSON and not Perfetto's protobuf (TracePacket / TrackEvent): both
 * open in Perfetto's UI, but JSON is text a test (or a person, or jq) can
 * read without a protobuf library or the .proto files; it needs no
 * interning of names nor track descriptors; and it can be written by a
 * signal handler with write(2) and a stack buffer. Its costs (bigger
 * files, slower to load beyond a few million events) do not matter for a
 * ring of the last events.
 *
 * The mapping: one process (pid: the process's), one track per thread
 * (tid: the worker's index; 1000 + n for the shared ring's threads: 1001
 * the timer thread, 1002 the I/O thread), named by "thread_name" metadata.
 * A run is a B / E pair on its worker's track, named by its behaviour, with
 * the actor's ref and the messages handled as args (the events of one ring
 * are in order; an E whose B was overwritten is left out, a B whose run
 * had not ended is left open). A message is a flow: "s" at its send, "f"
 * with "bp":"e" at its receive, both binding to the enclosing run slice;
 * a send outside any run (an outside thread) gets a 1 ns "send" slice to
 * bind to. Spawn, exit, park, wake, steal, timer and io are instant
 * events ("i", thread scope). Timestamps are microseconds with three
 * decimals (the clock's nanoseconds).
 *
 * Async-signal-safe: no allocation, no stdio; numbers are formatted here;
 * output goes through a buffer on the stack to write(2).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cadre__tracefmt.h"

#define TID_OUTSIDE 1000u

struct out {
	int fd;
	int rc;
	uint64_t pid;
	size_t n;
	bool first; /* no event written yet (no comma before it) */
	char buf[4096];
};

static void
flush(struct out *o)
{
	size_t done = 0;
	while (done < o->n && o->rc == 0) {
		ssize_t k = write(o->fd, o->buf + done, o->n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			o->rc = (k < 0 && errno == EBADF) ? CADRE_EBADF : CADRE_ESYS;
		else
			done += (size_t)k;
	}
	o->n = 0;
}

static void
put_mem(struct out *o, const char *s, size_t len)
{
	while (len > 0) {
		if (o->n == sizeof o->buf)
			flush(o);
		size_t k = sizeof o->buf - o->n;
		if (k > len)
			k = len;
		memcpy(o->buf + o->n, s, k);
		o->n += k;
		s += k;
		len -= k;
	}
}

static void
put(struct out *o, const char *s)
{
	put_mem(o, s, strlen(s));
}

static void
put_u64(struct out *o, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put_mem(o, tmp + i, sizeof tmp - i);
}

static void
put_i64(struct out *o, int64_t v)
{
	if (v < 0) {
		put(o, "-");
		put_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(o, (uint64_t)v);
	}
}

/* Nanoseconds as microseconds with three decimals. */
static void
put_ts(struct out *o, uint64_t ns)
{
	put_u64(o, ns / 1000);
	char frac[4] = {'.', (char)('0' + ns / 100 % 10), (char)('0' + ns / 10 % 10),
	                (char)('0' + ns % 10)};
	put_mem(o, frac, 4);
}

/* A JSON string, escaped; NULL: "?". */
static void
put_str(struct out *o, const char *s)
{
	put(o, "\"");
	if (s == NULL)
		s = "?";
	for (size_t i = 0; s[i] != '\0' && i < 200; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			put_mem(o, e, 2);
		} else if (c < 0x20) {
			char e[6] = {'\\',
			             'u',
			             '0',
			             '0',
			             "0123456789abcdef"[c >> 4],
			             "0123456789abcdef"[c & 15]};
			put_mem(o, e, 6);
		} else {
			put_mem(o, (const char *)&c, 1);
		}
	}
	put(o, "\"");
}

static void
put_ref(struct out *o, uint32_t sysid, uint64_t ref)
{
	put(o, "\"<");
	put_u64(o, sysid);
	put(o, ".");
	put_u64(o, ref >> 32);
	put(o, ".");
	put_u64(o, (uint32_t)ref);
	put(o, ">\"");
}

/* The start of an event: {"ph":"X","name":NAME,"pid":P,"tid":T,"ts":TS */
static void
begin(struct out *o, const char *ph, const char *name, uint64_t tid, uint64_t ts)
{
	put(o, o->first ? "\n{\"ph\":\"" : ",\n{\"ph\":\"");
	o->first = false;
	put(o, ph);
	put(o, "\",\"name\":");
	put_str(o, name);
	put(o, ",\"pid\":");
	put_u64(o, o->pid);
	put(o, ",\"tid\":");
	put_u64(o, tid);
	put(o, ",\"ts\":");
	put_ts(o, ts);
}

static void
put_exit(struct out *o, uint64_t payload)
{
	static const char *const kinds[] = {"normal", "shutdown", "killed",      "failure",
	                                    "noproc", "error",    "noconnection"};
	unsigned kind = (unsigned)(payload >> 32) & 0xFFFF;
	int code = (int)(uint32_t)payload;
	put(o, "\"");
	put(o, kind < 7 ? kinds[kind] : "?");
	if (kind == CADRE_EXIT_FAILURE) {
		put(o, "(");
		put_i64(o, code);
		put(o, ")");
	} else if (kind == CADRE_EXIT_ERROR) {
		put(o, "(");
		put(o, cadre_err_name(code));
		put(o, ")");
	}
	put(o, "\"");
}

/* One ring's state while it is written. */
struct ring_out {
	struct out *o;
	struct cadre_system *sys;
	const struct cadre__trace_ref *clock;
	bool worker;
	uint64_t tid;
	bool open;              /* a run's B is written, its E not yet */
	unsigned char seen[32]; /* the shared ring's tids seen (a bit each) */
};

static void
flow(struct out *o, const char *ph, uint64_t tid, uint64_t ts, uint64_t id)
{
	begin(o, ph, "msg", tid, ts);
	put(o, ",\"cat\":\"msg\",\"id\":");
	put_u64(o, id);
	if (ph[0] == 'f')
		put(o, ",\"bp\":\"e\"");
	put(o, "}");
}

/* A send: a flow's start, inside the run (or in a 1 ns slice of its own). */
static void
send_event(struct ring_out *r, uint64_t tid, uint64_t ts, const struct cadre__tslot *ev,
           uint64_t id, const char *what)
{
	struct out *o = r->o;
	if (!r->open) {
		begin(o, "X", what, tid, ts);
		put(o, ",\"dur\":0.001,\"args\":{\"to\":");
		put_ref(o, r->sys->table.id, ev->ref);
		put(o, "}}");
	}
	flow(o, "s", tid, ts, id);
}

static void
instant(struct ring_out *r, const char *name, uint64_t tid, const struct cadre__tslot *ev)
{
	begin(r->o, "i", name, tid, ev->ts);
	put(r->o, ",\"s\":\"t\",\"args\":{");
}

/* The instant events that are marks on a track: spawn, exit, park, wake,
 * steal, timer. */
static void
marks(struct ring_out *r, unsigned kind, uint64_t tid, const struct cadre__tslot *ev,
      uint64_t payload)
{
	struct out *o = r->o;
	uint32_t sysid = r->sys->table.id;
	switch (kind) {
	case CADRE__TEV_SPAWN:
	case CADRE__TEV_EXIT:
		instant(r, kind == CADRE__TEV_SPAWN ? "spawn" : "exit", tid, ev);
		put(o, "\"actor\":");
		put_ref(o, sysid, ev->ref);
		if (kind == CADRE__TEV_SPAWN) {
			put(o, ",\"behaviour\":");
			put_str(o, (const char *)(uintptr_t)payload);
		} else {
			put(o, ",\"reason\":");
			put_exit(o, payload);
		}
		put(o, "}}");
		break;
	case CADRE__TEV_PARK:
	case CADRE__TEV_WAKE:
		instant(r, kind == CADRE__TEV_PARK ? "park" : "wake", tid, ev);
		if (kind == CADRE__TEV_WAKE)
			put(o, payload ? "\"woken\":true" : "\"woken\":false");
		put(o, "}}");
		break;
	case CADRE__TEV_STEAL:
		instant(r, "steal", tid, ev);
		put(o, "\"from_worker\":");
		put_u64(o, ev->ref);
		put(o, "}}");
		break;
	case CADRE__TEV_TIMER:
		instant(r, "timer", tid, ev);
		put(o, "\"to\":");
		put_ref(o, sysid, ev->ref);
		put(o, ",\"type\":");
		put_u64(o, payload);
		put(o, "}}");
		break;
	default:
		break;
	}
}

static void
one_event(void *ctx, const struct cadre__tslot *ev)
{
	struct ring_out *r = ctx;
	struct out *o = r->o;
	struct cadre__tslot at = *ev;
	at.ts = cadre__trace_ns(r->clock, ev->ts);
	ev = &at;
	unsigned kind = (unsigned)(ev->arg >> 56);
	uint64_t payload = ev->arg & CADRE__TEV_PAYLOAD;
	uint64_t tid = r->tid;
	uint32_t sysid = r->sys->table.id;
	if (!r->worker) {
		unsigned t = (unsigned)(ev->arg >> 48) & 0xFF;
		r->seen[t >> 3] |= (unsigned char)(1u << (t & 7));
		tid = TID_OUTSIDE + t;
	}
	switch (kind) {
	case CADRE__TEV_RUN_BEGIN:
		if (r->open) { /* its E was lost: close it here */
			begin(o, "E", "run", tid, ev->ts);
			put(o, "}");
		}
		begin(o, "B", payload != 0 ? (const char *)(uintptr_t)payload : "actor", tid,
		      ev->ts);
		put(o, ",\"cat\":\"run\",\"args\":{\"actor\":");
		put_ref(o, sysid, ev->ref);
		put(o, "}}");
		r->open = true;
		break;
	case CADRE__TEV_RUN_END:
		if (!r->open)
			break; /* its B was overwritten */
		begin(o, "E", "run", tid, ev->ts);
		put(o, ",\"args\":{\"handled\":");
		put_u64(o, payload);
		put(o, "}}");
		r->open = false;
		break;
	case CADRE__TEV_SEND:
		send_event(r, tid, ev->ts, ev, payload, "send");
		break;
	case CADRE__TEV_RECV:
		if (r->open)
			flow(o, "f", tid, ev->ts, payload);
		break;
	case CADRE__TEV_IO:
		instant(r, "io", tid, ev);
		put(o, "\"to\":");
		put_ref(o, sysid, ev->ref);
		put(o, "}}");
		send_event(r, tid, ev->ts, ev, payload, "io");
		break;
	default:
		marks(r, kind, tid, ev, payload);
		break;
	}
}

static void
thread_name(struct out *o, uint64_t tid, const char *prefix, uint64_t n, bool number)
{
	begin(o, "M", "thread_name", tid, 0);
	put(o, ",\"args\":{\"name\":\"");
	put(o, prefix);
	if (number)
		put_u64(o, n);
	put(o, "\"}}");
}

int
cadre__trace_json(struct cadre_system *sys, int fd, const struct cadre__trace_ref *clock,
                  const struct cadre__tring *rings, unsigned n)
{
	/* The deterministic mode: pid 1 and the seed, not the process's pid and
	 * the system's id, so that one seed writes one file (but for the flow
	 * ids, which are message addresses). */
	bool sim = sys->sim != NULL;
	struct out o = {.fd = fd, .first = true, .pid = sim ? 1u : (uint64_t)getpid()};
	put(&o, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":\"cadre\",");
	put(&o, sim ? "\"seed\":" : "\"system\":");
	put_u64(&o, sim ? sys->sim->seed : sys->table.id);
	put(&o, "},\"traceEvents\":[");
	begin(&o, "M", "process_name", 0, 0);
	put(&o, ",\"args\":{\"name\":\"cadre system ");
	put_u64(&o, sys->table.id);
	put(&o, "\"}}");
	struct ring_out r = {.o = &o, .sys = sys, .clock = clock};
	for (unsigned i = 0; i < n && o.rc == 0; i++) {
		r.worker = !rings[i].shared;
		r.tid = i;
		r.open = false;
		if (r.worker)
			thread_name(&o, i, i < sys->nworkers ? "worker " : "blocking ",
			            i < sys->nworkers ? i : i - sys->nworkers, true);
		cadre__trace_each(&rings[i], one_event, &r);
	}
	for (unsigned t = 0; t < 256; t++) {
		if (!(r.seen[t >> 3] & (1u << (t & 7))))
			continue;
		thread_name(&o, TID_OUTSIDE + t,
		            t == CADRE__TRACE_TID_TIMER ? "timer thread"
		            : t == CADRE__TRACE_TID_IO  ? "I/O thread"
		                                        : "outside thread ",
		            t, t != CADRE__TRACE_TID_TIMER && t != CADRE__TRACE_TID_IO);
	}
	put(&o, "\n]}\n");
	flush(&o);
	return o.rc;
}
