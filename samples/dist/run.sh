#!/usr/bin/env bash
# Runs samples/dist/supervised.c as three nodes on 127.0.0.1: hosts b and c,
# and the boss a, whose supervisor owns (through a local keeper) a worker
# placed on b. Kills b with kill -9, shows the keeper's exit (noconnection)
# and the worker restarted on c, then stops a and c. Bounded: under 20 s,
# every node killed on the way out. Exit status 0 when the restart was seen.
#   bash samples/dist/run.sh [path/to/sample_dist_supervised]
set -euo pipefail
bin="${1:-build/release/samples/sample_dist_supervised}"
[ -x "$bin" ] || { echo "run.sh: $bin: not built (cmake --build --preset release)" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
# a build with ThreadSanitizer (CI makes one): libzmq's own hand-offs are invisible to it
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}suppressions=$here/tsan.supp"
base=$((17000 + ($$ % 900) * 3)) # ports from our pid: parallel runs do not clash
log="$(mktemp /tmp/cadre-dist-XXXXXX.log)"
pids=()
stop_all() {
	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -f "$log"
}
trap stop_all EXIT
# waits (at most $2 s) until the log has a line matching $1
wait_for() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -q -- "$1" "$log" && return 0
		sleep 0.1
	done
	echo "run.sh: no \"$1\" within $2 s" >&2
	return 1
}
tail -n +1 -f "$log" & # shows the three nodes' lines as they come
pids+=($!)
"$bin" host b $((base + 1)) >>"$log" 2>&1 &
b=$!
pids+=($b)
"$bin" host c $((base + 2)) >>"$log" 2>&1 &
c=$!
pids+=($c)
wait_for "\[c\] node up" 5
wait_for "\[b\] node up" 5
"$bin" boss a "$base" $((base + 1)) $((base + 2)) >>"$log" 2>&1 &
a=$!
pids+=($a)
wait_for "keeper: job 3 " 8
echo "---- run.sh: kill -9 node b (the worker's node)" >>"$log"
kill -9 "$b"
wait "$b" 2>/dev/null || true
wait_for "worker placed on c" 8
wait_for "job .* from c" 5
echo "---- run.sh: the worker was restarted on c; stopping a and c" >>"$log"
kill -TERM "$a" "$c"
wait "$a" "$c" || true # each stops within its shutdown timeout (and by itself after 20 s)
sleep 0.2 # the last lines reach tail
