#!/usr/bin/env python3
"""Checks a Cadre trace (cadre_trace_write's Chrome JSON trace).

Structure: valid JSON with a traceEvents list; every event has ph, name,
pid, tid and ts; every track (tid) used is named by thread_name metadata;
on each track every run end (E) matches a run begin (B) before it, runs do
not nest, and at most the last run is left open (--allow-open); every flow
end ("f") has a flow start ("s") with the same id before it, and lies inside
a run; every flow start lies inside a run or a "send"/"io" slice. With
--allow-open (rings that wrapped), the last run of a track may be left open
and a flow end whose start was overwritten is counted (lost_starts), not
an error.

Counts: prints them as JSON (runs, sent, received, io, spawns, exits by
reason, timers, parks, wakes, steals) and, with --expect k=v,..., fails
unless each named count equals its value (exits as exit:<reason>=n).

Usage: check_trace.py FILE [--expect runs=10,sent=5,...] [--allow-open]
Exit status 0 when every check passes, 1 otherwise (the failures printed).
"""
import json
import sys


def check(path, expect, allow_open):
    errors = []
    with open(path) as f:
        doc = json.load(f)
    events = doc.get("traceEvents")
    if not isinstance(events, list):
        return ["no traceEvents list"], {}
    named = set()
    tracks = {}
    for i, e in enumerate(events):
        for k in ("ph", "name", "pid", "tid", "ts"):
            if k not in e:
                errors.append("event %d has no %s: %r" % (i, k, e))
        if e.get("ph") == "M":
            if e.get("name") == "thread_name":
                named.add(e["tid"])
            continue
        tracks.setdefault(e.get("tid"), []).append(e)
    counts = {"runs": 0, "sent": 0, "received": 0, "io": 0, "spawns": 0,
              "exits": 0, "timers": 0, "parks": 0, "wakes": 0, "steals": 0}
    open_flows = {}
    ends = []
    for tid, evs in sorted(tracks.items()):
        if tid not in named:
            errors.append("track %s has no thread_name" % tid)
        run = None
        slice_end = -1.0
        for e in evs:  # a track's events are in the order they happened
            ph, ts = e["ph"], e["ts"]
            if ph == "B":
                if run is not None:
                    errors.append("tid %s: run begins at %s inside a run" % (tid, ts))
                run = e
                counts["runs"] += 1
            elif ph == "E":
                if run is None:
                    errors.append("tid %s: run end at %s without a begin" % (tid, ts))
                elif ts < run["ts"]:
                    errors.append("tid %s: run ends before it begins" % tid)
                run = None
            elif ph == "X":
                slice_end = ts + e.get("dur", 0)
            elif ph == "s":
                if run is None and ts > slice_end:
                    errors.append("tid %s: flow start at %s outside any slice" % (tid, ts))
                open_flows.setdefault(e["id"], []).append(ts)
                counts["sent"] += 1
            elif ph == "f":
                if run is None:
                    errors.append("tid %s: flow end at %s outside a run" % (tid, ts))
                if e.get("bp") != "e":
                    errors.append("tid %s: flow end without bp e" % tid)
                ends.append(e)
                counts["received"] += 1
            elif ph == "i":
                n = e["name"]
                key = {"spawn": "spawns", "exit": "exits", "timer": "timers",
                       "park": "parks", "wake": "wakes", "steal": "steals",
                       "io": "io"}.get(n)
                if key is None:
                    errors.append("unknown instant %r" % n)
                    continue
                counts[key] += 1
                if n == "exit":
                    r = "exit:" + e["args"]["reason"]
                    counts[r] = counts.get(r, 0) + 1
            else:
                errors.append("unexpected ph %r" % ph)
        if run is not None and not allow_open:
            errors.append("tid %s: a run never ends" % tid)
    # Flows pair up: each end has a start with its id at or before it.
    starts = {k: sorted(v) for k, v in open_flows.items()}
    for e in sorted(ends, key=lambda e: e["ts"]):
        s = starts.get(e["id"])
        if not s or s[0] > e["ts"]:
            if allow_open:  # wrapped rings: the start may be overwritten
                counts["lost_starts"] = counts.get("lost_starts", 0) + 1
            else:
                errors.append("flow %s ends at %s without a start before it" % (e["id"], e["ts"]))
        else:
            s.pop(0)
    for k, v in expect.items():
        if counts.get(k, 0) != v:
            errors.append("count %s: %s, expected %s" % (k, counts.get(k, 0), v))
    return errors, counts


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    expect = {}
    allow_open = "--allow-open" in argv
    if "--expect" in argv:
        spec = argv[argv.index("--expect") + 1]
        for item in spec.split(","):
            if item:
                k, v = item.rsplit("=", 1)
                expect[k] = int(v)
    try:
        errors, counts = check(argv[1], expect, allow_open)
    except (OSError, ValueError) as err:
        print("check_trace: %s: %s" % (argv[1], err))
        return 1
    print(json.dumps(counts, sort_keys=True))
    for e in errors[:50]:
        print("check_trace: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
