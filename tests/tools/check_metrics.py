#!/usr/bin/env python3
"""Checks a Prometheus text exposition (format 0.0.4) as Cadre's metrics
endpoint serves it: every line parses; each family has # HELP and # TYPE
before its samples, once; names match [a-zA-Z_:][a-zA-Z0-9_:]*; counters
end in _total; values are numbers; label values are quoted; no family's
samples are split. Then Cadre's own facts: the families it promises are
there, one sample per worker in each worker family, and (with --sent-min /
--sent-max) the sent counter within bounds.

usage: check_metrics.py FILE [--workers N] [--sent-min N] [--sent-max N]
Prints the samples it read as NAME{LABELS} VALUE lines on success.
"""
import argparse
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(\{(?:%s(?:,%s)*)?\})? (\S+)(?: (-?\d+))?$" % (NAME, LABEL, LABEL))
HELP = re.compile(r"^# HELP (%s) (.*)$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)

PROMISED = {
    "cadre_messages_sent_total": "counter", "cadre_messages_handled_total": "counter",
    "cadre_dead_letters_total": "counter", "cadre_actors_spawned_total": "counter",
    "cadre_actors_stopped_total": "counter", "cadre_actors_alive": "gauge",
    "cadre_restarts_total": "counter", "cadre_uptime_seconds": "gauge",
    "cadre_worker_runs_total": "counter", "cadre_worker_busy_seconds_total": "counter",
    "cadre_worker_idle_seconds_total": "counter", "cadre_worker_runq": "gauge",
    "cadre_worker_steals_total": "counter", "cadre_worker_parks_total": "counter",
    "cadre_actors": "gauge", "cadre_actor_mailbox_messages_max": "gauge",
    "cadre_actor_mailbox_messages_sum": "gauge",
}


def parse(text):
    """[(name, labels, value)], {family: type}; raises ValueError."""
    if not text.endswith("\n"):
        raise ValueError("the text does not end with a newline")
    helps, types, samples, done, current = {}, {}, [], set(), None
    for no, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d: %r" % (no, line)
        if line == "":
            continue
        m = HELP.match(line)
        if m:
            if m.group(1) in helps:
                raise ValueError("%s: a second HELP" % where)
            helps[m.group(1)] = m.group(2)
            continue
        m = TYPE.match(line)
        if m:
            name = m.group(1)
            if name not in helps:
                raise ValueError("%s: TYPE before HELP" % where)
            if name in types:
                raise ValueError("%s: a second TYPE" % where)
            types[name] = m.group(2)
            if m.group(2) == "counter" and not name.endswith("_total"):
                raise ValueError("%s: a counter not named *_total" % where)
            if current is not None:
                done.add(current)
            current = name
            continue
        if line.startswith("#"):
            raise ValueError("%s: a comment that is neither HELP nor TYPE" % where)
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("%s: not a sample line" % where)
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        if name not in types:
            raise ValueError("%s: a sample before its family's HELP and TYPE" % where)
        if name != current or name in done:
            raise ValueError("%s: the family's samples are not together" % where)
        try:
            v = float(value)
        except ValueError:
            raise ValueError("%s: the value is not a number" % where)
        if types[name] == "counter" and v < 0:
            raise ValueError("%s: a negative counter" % where)
        samples.append((name, labels, v))
    for name in helps:
        if name not in types:
            raise ValueError("%s: HELP without TYPE" % name)
    return samples, types


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--workers", type=int)
    p.add_argument("--sent-min", type=float)
    p.add_argument("--sent-max", type=float)
    a = p.parse_args()
    try:
        samples, types = parse(open(a.file, encoding="utf-8").read())
    except ValueError as e:
        print("check_metrics: %s" % e, file=sys.stderr)
        return 1
    bad = []
    for name, t in PROMISED.items():
        if types.get(name) != t:
            bad.append("%s: %s, not a %s" % (name, types.get(name, "missing"), t))
    by = {}
    for name, labels, v in samples:
        by.setdefault(name, []).append((labels, v))
    if a.workers is not None:
        for name in types:
            if name.startswith("cadre_worker_"):
                want = ['{worker="%d"}' % i for i in range(a.workers)]
                if [l for l, _ in by.get(name, [])] != want:
                    bad.append("%s: labels %s, not %s" % (name, by.get(name), want))
    sent = by.get("cadre_messages_sent_total", [("", -1)])[0][1]
    handled = by.get("cadre_messages_handled_total", [("", -1)])[0][1]
    dead = by.get("cadre_dead_letters_total", [("", -1)])[0][1]
    if a.sent_min is not None and not a.sent_min <= sent <= a.sent_max:
        bad.append("cadre_messages_sent_total %g, not in [%g, %g]" % (sent, a.sent_min, a.sent_max))
    if handled + dead > sent:
        bad.append("handled %g + dead letters %g > sent %g" % (handled, dead, sent))
    for b in bad:
        print("check_metrics: %s" % b, file=sys.stderr)
    if bad:
        return 1
    for name, labels, v in samples:
        print("%s%s %g" % (name, labels, v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
