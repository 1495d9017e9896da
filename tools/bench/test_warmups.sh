#!/usr/bin/env bash
# ctest bench_warmups: cadre-bench --warmups W runs each workload W + --runs
# times (one counters note per run with --stats), times only the last --runs,
# and records W in its JSON line; --warmups 0 times the process's first run.
# usage: test_warmups.sh PATH/TO/cadre-bench
set -euo pipefail
bench=$1
check() { # warmups runs
	local out err n
	out=$("$bench" --stats --warmups "$1" --runs "$2" --only pingpong --pingpong-n 1000 \
		2>/tmp/bench_warmups.$$) || { cat /tmp/bench_warmups.$$ >&2; exit 1; }
	err=$(cat /tmp/bench_warmups.$$)
	rm -f /tmp/bench_warmups.$$
	n=$(grep -c 'pingpong: counters:' <<<"$err" || true)
	[ "$n" -eq $(($1 + $2)) ] || { echo "--warmups $1 --runs $2: $n runs, expected $(($1 + $2))"; exit 1; }
	grep -q "\"runs\":$2,\"warmups\":$1," <<<"$out" ||
		{ echo "--warmups $1 --runs $2: JSON line without runs $2, warmups $1: $out"; exit 1; }
}
check 0 1
check 2 1
check 1 2
# the default stays one warm-up
out=$("$bench" --runs 1 --only pingpong --pingpong-n 1000 2>/dev/null)
grep -q '"warmups":1,' <<<"$out" || { echo "default: not one warm-up: $out"; exit 1; }
# bad values are usage errors (exit 2), not crashes
rc=0; "$bench" --warmups -1 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "--warmups -1: exit $rc, expected 2"; exit 1; }
echo "bench_warmups: ok"
