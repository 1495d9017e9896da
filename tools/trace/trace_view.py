#!/usr/bin/env python3
"""Makes a static, self-contained HTML page that draws a Cadre trace
(cadre_trace_write's Chrome JSON trace) on a canvas: a track per thread,
a slice per actor run (named by its behaviour), an arrow per message from
its send to its receive, and marks for spawn, exit, park, wake, steal,
timer and I/O events. No network, no library: a browser (or headless
Chromium, for a screenshot) opens it offline. For the whole trace, open the
JSON file itself in Perfetto's UI.

Usage: trace_view.py TRACE.json OUT.html [--window-us W] [--start-us S]
  W: the time shown (default 400 microseconds);
  S: where it starts, in microseconds after the trace's first event
     (default: the window with the most runs times tracks running).
"""
import bisect
import json
import sys

PAGE = r"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Cadre trace</title>
<style>body{margin:0;overflow:hidden;background:#fafafa}canvas{display:block}</style></head>
<body><canvas id="c" width="1600" height="900"></canvas>
<script>
(function () {
const T = __DATA__;
const cv = document.getElementById("c"), g = cv.getContext("2d");
const W = cv.width, H = cv.height, left = 150, top = 60, right = 20;
const rowH = Math.min(90, (H - top - 70) / Math.max(1, T.tracks.length));
const x = t => left + (t - T.t0) / (T.t1 - T.t0) * (W - left - right);
const row = {}; T.tracks.forEach((tr, i) => row[tr.tid] = i);
const y = tid => top + row[tid] * rowH;
function hue(s) { let h = 0; for (const c of s) h = (h * 31 + c.charCodeAt(0)) % 360; return h; }
g.fillStyle = "#fafafa"; g.fillRect(0, 0, W, H);
g.fillStyle = "#222"; g.font = "bold 16px sans-serif";
g.fillText(T.title, 10, 22);
g.font = "12px sans-serif";
// time axis
const span = T.t1 - T.t0, steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
let step = steps.find(s => span / s <= 12) || 10000;
g.strokeStyle = "#ddd"; g.fillStyle = "#555";
for (let t = Math.ceil(T.t0 / step) * step; t <= T.t1; t += step) {
  g.beginPath(); g.moveTo(x(t), top - 8); g.lineTo(x(t), H - 60); g.stroke();
  g.fillText("+" + (t - T.base).toFixed(0) + " \u00b5s", x(t) + 2, top - 12);
}
// tracks
T.tracks.forEach((tr, i) => {
  g.fillStyle = i % 2 ? "#f0f0f0" : "#e8e8ee";
  g.fillRect(0, y(tr.tid), W, rowH - 2);
  g.fillStyle = "#222"; g.font = "bold 13px sans-serif";
  g.fillText(tr.name, 8, y(tr.tid) + 18);
  g.font = "12px sans-serif";
});
// run slices
for (const s of T.runs) {
  const x0 = Math.max(left, x(s.b)), x1 = Math.min(W - right, x(s.e));
  const yy = y(s.tid) + 24, hh = rowH - 34;
  g.fillStyle = "hsl(" + hue(s.name) + ",60%,62%)";
  g.fillRect(x0, yy, Math.max(1, x1 - x0), hh);
  if (x1 - x0 > 40) {
    g.save(); g.beginPath(); g.rect(x0, yy, x1 - x0, hh); g.clip();
    g.fillStyle = "#111"; g.fillText(s.name + " " + s.actor, x0 + 3, yy + 14);
    g.fillText(s.handled + " msg", x0 + 3, yy + 28); g.restore();
  }
}
// instants
const marks = {spawn: "#2a7", exit: "#c33", park: "#888", wake: "#36c", steal: "#e80",
               timer: "#a3c", io: "#0aa"};
for (const m of T.instants) {
  const xx = x(m.ts), yy = y(m.tid) + rowH - 8;
  g.fillStyle = marks[m.name] || "#000";
  g.beginPath(); g.moveTo(xx, yy - 6); g.lineTo(xx + 4, yy); g.lineTo(xx, yy + 6);
  g.lineTo(xx - 4, yy); g.fill();
}
// flows: send -> receive
g.strokeStyle = "rgba(20,20,80,0.3)"; g.fillStyle = "rgba(20,20,60,0.6)"; g.lineWidth = 1;
for (const f of T.flows) {
  const x0 = x(f.s), y0 = y(f.st) + 24, x1 = x(f.f), y1 = y(f.ft) + 24;
  g.beginPath(); g.moveTo(x0, y0);
  const my = Math.min(y0, y1) - 14;
  g.bezierCurveTo(x0, my, x1, my, x1, y1); g.stroke();
  g.beginPath(); g.moveTo(x1, y1); g.lineTo(x1 - 3, y1 - 6); g.lineTo(x1 + 3, y1 - 6); g.fill();
}
// legend
let lx = 10; const ly = H - 30;
g.fillStyle = "#333";
g.fillText(T.summary, lx, ly - 16);
for (const [k, c] of Object.entries(marks)) {
  g.fillStyle = c; g.beginPath(); g.moveTo(lx, ly - 6); g.lineTo(lx + 4, ly);
  g.lineTo(lx, ly + 6); g.lineTo(lx - 4, ly); g.fill();
  g.fillStyle = "#333"; g.fillText(k, lx + 8, ly + 4); lx += 70;
}
g.fillText("\u2192 a message, from its send to its receive", lx + 10, ly + 4);
})();
</script></body></html>
"""


def load(path):
    with open(path) as f:
        return json.load(f)["traceEvents"]


def build(events, window_us, start_us, title):
    names = {}
    per_tid = {}
    for e in events:
        if e["ph"] == "M":
            if e["name"] == "thread_name":
                names[e["tid"]] = e["args"]["name"]
            continue
        per_tid.setdefault(e["tid"], []).append(e)
    runs, instants, starts, ends = [], [], {}, []
    for tid, evs in per_tid.items():
        open_b = None
        for e in evs:
            ph = e["ph"]
            if ph == "B":
                open_b = e
            elif ph == "E" and open_b is not None:
                runs.append({"tid": tid, "b": open_b["ts"], "e": e["ts"],
                             "name": open_b["name"], "actor": open_b["args"]["actor"],
                             "handled": e["args"].get("handled", 0)})
                open_b = None
            elif ph == "i":
                instants.append({"tid": tid, "ts": e["ts"], "name": e["name"]})
            elif ph == "s":
                starts.setdefault(e["id"], []).append((e["ts"], tid))
            elif ph == "f":
                ends.append((e["ts"], tid, e["id"]))
    flows = []
    for ts, tid, fid in sorted(ends):
        s = starts.get(fid)
        if s:
            s.sort()
            i = bisect.bisect_right(s, (ts, float("inf"))) - 1
            if i >= 0:
                st, stid = s.pop(i)
                flows.append({"s": st, "st": stid, "f": ts, "ft": tid})
    if not runs:
        sys.exit("trace_view: no runs in the trace")
    base = min(r["b"] for r in runs)
    if start_us is None:  # the window where the most tracks run
        best, t0 = -1, base
        for r in runs[:: max(1, len(runs) // 400)]:
            inside = [q for q in runs if r["b"] <= q["b"] < r["b"] + window_us]
            n = len({q["tid"] for q in inside}) * len(inside)
            if n > best:
                best, t0 = n, r["b"]
    else:
        t0 = base + start_us
    t1 = t0 + window_us
    runs = [r for r in runs if r["e"] >= t0 and r["b"] <= t1]
    instants = [m for m in instants if t0 <= m["ts"] <= t1]
    flows = [f for f in flows if t0 <= f["s"] <= t1 and t0 <= f["f"] <= t1]
    total = len(flows)
    if len(flows) > 150:  # thin them out: the page stays readable
        k = (len(flows) + 149) // 150
        flows = flows[::k]
    tids = sorted({r["tid"] for r in runs} | {m["tid"] for m in instants} |
                  {f["st"] for f in flows} | {f["ft"] for f in flows})
    tracks = [{"tid": t, "name": names.get(t, "thread %s" % t)} for t in tids]
    summary = "%d runs, %d messages in this window of %d \u00b5s%s" % (
        len(runs), total, window_us,
        " (%d arrows drawn)" % len(flows) if len(flows) < total else "")
    return {"t0": t0, "t1": t1, "base": base, "tracks": tracks, "runs": runs,
            "instants": instants, "flows": flows, "title": title, "summary": summary}


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    window, start = 400.0, None
    if "--window-us" in argv:
        window = float(argv[argv.index("--window-us") + 1])
    if "--start-us" in argv:
        start = float(argv[argv.index("--start-us") + 1])
    data = build(load(argv[1]), window, start, "Cadre scheduling trace: " + argv[1].split("/")[-1])
    with open(argv[2], "w") as f:
        f.write(PAGE.replace("__DATA__", json.dumps(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
