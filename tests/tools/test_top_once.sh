#!/usr/bin/env bash
# cadre-top for scripts: --once --json prints the endpoint's snapshot (one
# JSON line, parsed here by python3's json), --interval adds the rates of
# two samples; --once alone prints the screen as text. Bad arguments exit
# 2 with a message, an endpoint that does not exist exits 1, --help 0.
#
# usage: test_top_once.sh CADRE_TOP WORKERS -- SERVER_CMD...
set -euo pipefail
top=$1 workers=$2
shift 3
source "$(dirname "$0")/top_common.sh"

# expect_exit CODE PATTERN CMD...: CMD exits CODE and says PATTERN on stderr.
expect_exit() {
	local code=$1 pattern=$2 rc=0
	shift 2
	"$@" >"$top_tmp/out" 2>"$top_tmp/err" || rc=$?
	[ "$rc" -eq "$code" ] || fail "$* exited $rc, not $code: $(cat "$top_tmp/err")"
	grep -Eq -- "$pattern" "$top_tmp/err" "$top_tmp/out" ||
		fail "$*: no '$pattern' in: $(cat "$top_tmp/err" "$top_tmp/out")"
}

expect_exit 0 'usage: cadre-top' "$top" --help
expect_exit 2 'no endpoint' "$top"
expect_exit 2 'unknown option' "$top" --bogus "$sock"
expect_exit 2 '--interval wants' "$top" --interval 0 "$sock"
expect_exit 2 '--interval wants' "$top" --interval abc "$sock"
expect_exit 2 '--limit wants' "$top" --limit 100001 "$sock"
expect_exit 2 '--sort wants' "$top" --sort size "$sock"
expect_exit 2 '--json goes with --once' "$top" --json "$sock"
expect_exit 2 'one endpoint only' "$top" --once "$sock" "$sock"
expect_exit 1 'cannot attach to .*No such file' "$top" --once --json "$top_tmp/nothing.sock"
echo "arguments: ok"

start_server "$@"
"$top" --once --json "$sock" >"$top_tmp/one.json"
[ "$(wc -l <"$top_tmp/one.json")" -eq 1 ] || fail "--once --json printed more than one line"
"$top" --once --json --interval 300 --limit 5 "$sock" >"$top_tmp/two.json"
python3 - "$top_tmp/one.json" "$top_tmp/two.json" "$workers" <<'PY'
import json, sys
one = json.load(open(sys.argv[1]))
two = json.load(open(sys.argv[2]))
workers = int(sys.argv[3])
keys = ["cadre", "pid", "now_ns", "uptime_ns", "system", "workers", "actor_stats",
        "actors_total", "actors"]
assert list(one)[:len(keys)] == keys, list(one)
assert "rates" not in one, "rates without --interval"
assert one["cadre"] == 1
assert len(one["workers"]) == workers, one["workers"]
for k in ["sent", "handled", "dead_letters", "spawned", "stopped", "actors_alive", "restarts"]:
    assert isinstance(one["system"][k], int) and one["system"][k] >= 0, k
for a in one["actors"]:
    assert a["state"] in ("running", "runnable", "idle", "stopping"), a
assert len(two["actors"]) <= 5, len(two["actors"])
r = two["rates"]
assert r["interval_ns"] > 0, r
assert r["handled_per_s"] >= 0 and r["dead_letters_per_s"] >= 0, r
assert len(r["workers"]) == workers, r["workers"]
for w in r["workers"]:
    assert 0 <= w["utilisation"] <= 1, w
print("json: %d workers, %d of %d actors, %.0f msgs/s"
      % (workers, len(one["actors"]), one["actors_total"], r["handled_per_s"]))
PY
"$top" --once --interval 300 "$sock" >"$top_tmp/text"
grep -Eq '^cadre-top +pid [0-9]+' "$top_tmp/text" || fail "--once: no header"
[ "$(grep -Ec '^worker [0-9]+ +\[' "$top_tmp/text")" -eq "$workers" ] || fail "--once: worker lines"
grep -Eq '^REF +BEHAVIOUR' "$top_tmp/text" || fail "--once: no table"
echo "text: ok"

# The rates against the stand-in's known ones (flood 100/s, busy 20000/s,
# 60% of a CPU; worker 0 busy 75% of the time, worker 1 25%).
if [ -n "${FAKE_OBSERVE:-}" ]; then
	"$top" --once --json --interval 1000 "$sock" >"$top_tmp/rates.json"
	python3 - "$top_tmp/rates.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["rates"]
near = lambda got, want, tol: abs(got - want) <= tol
assert near(r["interval_ns"], 1e9, 0.5e9), r["interval_ns"]
u = {w["index"]: w["utilisation"] for w in r["workers"]}
assert near(u[0], 0.75, 0.01) and near(u[1], 0.25, 0.01), u
a = {x["ref"]: x for x in r["actors"]}
assert near(a["<1.8.1>"]["handled_per_s"], 20000, 200), a["<1.8.1>"]
assert near(a["<1.8.1>"]["cpu"], 0.6, 0.01), a["<1.8.1>"]
assert near(a["<1.7.1>"]["handled_per_s"], 100, 5), a["<1.7.1>"]
assert near(r["dead_letters_per_s"], 2, 1.5), r
print("rates: busy %.0f/s at %.2f CPU, workers %.2f and %.2f: ok"
      % (a["<1.8.1>"]["handled_per_s"], a["<1.8.1>"]["cpu"], u[0], u[1]))
PY
fi

# An endpoint that went away: a clear error.
stop_server
expect_exit 1 'cannot attach' "$top" --once --json "$sock"

# An endpoint that answers garbage: a clear error (exit 1), never a crash.
# (Only with the stand-in server, which can be told what to answer.)
if [ -n "${FAKE_OBSERVE:-}" ]; then
	deep=$(python3 -c 'print("[" * 100000)')
	for answer in 'not json' '{"cadre":2}' '{"error":"unknown request"}' '{"cadre":1,"system":{}}' \
		'{"cadre":1,"system":{},"workers":[],"actors":[{"ref":"\u12"}]}' "$deep" '"\'; do
		start_server python3 "$FAKE_OBSERVE" @SOCK@ --answer "$answer"
		expect_exit 1 '^cadre-top: ' "$top" --once --json "$sock"
		expect_exit 1 '^cadre-top: ' "$top" --once "$sock"
		stop_server
	done
	echo "garbage answers: exit 1 with a message: ok"
fi
echo PASS
