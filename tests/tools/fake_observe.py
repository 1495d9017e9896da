#!/usr/bin/env python3
"""A stand-in for a Cadre program's observe endpoint: serves the protocol of
docs/guide.md ("Observing a running system") on a Unix socket, with canned
counters that grow with time, so that cadre-top's client, rates and screen
can be tested without a running system.

usage: fake_observe.py PATH [--workers N] [--idle N] [--exit-after N]
         [--no-actor-stats] [--answer TEXT]

Actors: "flood" (a mailbox that grows 5000 a second, 100 handled a second),
"busy" (20000 handled a second, 60% of a CPU), "crasher" (restarted once a
second), and N idle ones. --exit-after N: the server goes away (closes every
connection and removes the socket) after N snapshots. --answer TEXT: TEXT
(a line) is the answer to every request instead, to feed cadre-top garbage.
"""
import argparse
import json
import os
import socket
import sys
import threading
import time

T0 = time.monotonic_ns()


def snapshot(args, limit):
    now = time.monotonic_ns()
    up = now - T0
    s = up / 1e9
    actors = [
        dict(ref="<1.7.1>", behaviour="flood", name="flooded", state="runnable",
             mailbox=int(5000 * s), handled=int(100 * s), runs=int(10 * s),
             run_ns=int(0.05e9 * s), restarts=0),
        dict(ref="<1.8.1>", behaviour="busy", name=None, state="running",
             mailbox=3, handled=int(20000 * s), runs=int(200 * s),
             run_ns=int(0.6e9 * s), restarts=0),
        dict(ref="<1.9.%d>" % (int(s) + 1), behaviour="crasher", name="crash\"er",
             state="idle", mailbox=0, handled=int(s), runs=int(s), run_ns=1000,
             restarts=int(s)),
    ]
    for i in range(args.idle):
        actors.append(dict(ref="<1.%d.1>" % (100 + i), behaviour="idler", name=None,
                           state="idle", mailbox=0, handled=1, runs=1, run_ns=500,
                           restarts=0))
    if not args.actor_stats:
        for a in actors:
            a["handled"] = a["runs"] = a["run_ns"] = 0
    handled = sum(a["handled"] for a in actors)
    workers = []
    for w in range(args.workers):
        busy = int(up * (0.75 if w == 0 else 0.25))
        workers.append(dict(index=w, cpu=w, active=True, runs=int(300 * s),
                            messages=handled // args.workers, steals=int(s), parks=int(5 * s),
                            wakeups=int(5 * s), busy_ns=busy, idle_ns=up - busy,
                            runq=7 if w == 0 else 0))
    dead = int(2 * s)
    return dict(cadre=1, pid=os.getpid(), now_ns=now, uptime_ns=up,
                system=dict(sent=handled + actors[0]["mailbox"] + dead, handled=handled,
                            dead_letters=dead, spawned=len(actors) + int(s),
                            stopped=int(s), actors_alive=len(actors), restarts=int(s),
                            mutes=0, unmutes=0),
                workers=workers, actor_stats=args.actor_stats, actors_total=len(actors),
                actors=actors[:limit])


def serve(conn, args, state):
    buf = b""
    with conn:
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if len(line) > 256:
                    return
                words = line.decode("ascii", "replace").split()
                if args.answer is not None:
                    out = args.answer
                elif words[:1] == ["snapshot"] and len(words) <= 2:
                    limit = int(words[1]) if len(words) == 2 and words[1].isdigit() else 1000
                    out = json.dumps(snapshot(args, min(limit, 100000)),
                                     separators=(",", ":"))
                    state["served"] += 1
                else:
                    out = '{"error":"unknown request"}'
                conn.sendall(out.encode() + b"\n")
                if args.exit_after and state["served"] >= args.exit_after:
                    os.unlink(args.path)
                    os._exit(0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("path")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--idle", type=int, default=20)
    p.add_argument("--exit-after", type=int, default=0)
    p.add_argument("--no-actor-stats", dest="actor_stats", action="store_false")
    p.add_argument("--answer")
    args = p.parse_args()
    if os.path.exists(args.path):
        os.unlink(args.path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.path)
    srv.listen(8)
    state = {"served": 0}
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, args, state), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
