#!/usr/bin/env bash
# A/B of cadre-bench builds on a noisy machine: runs each labelled command in
# turn, ROUNDS times (so that drift hits every variant alike), each with
# `--workers 2 --runs 3 --only WORKLOADS`, and prints per workload the median
# of the invocations' medians and its ratio to the first variant.
#
# usage: tools/lab/ab.sh ROUNDS WORKLOADS LABEL 'COMMAND' [LABEL 'COMMAND' ...]
# e.g.   tools/lab/ab.sh 3 fanin,fjthrput \
#            old 'LD_LIBRARY_PATH=/tmp/old /tmp/old/cadre-bench' \
#            new 'build/release/tools/cadre-bench' \
#            t300 'build/release/tools/cadre-bench --steal-after-us 300'
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,10p "$0"; exit 2; }
rounds=$1 only=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((i = 0; i < rounds; i++)); do
	args=("$@")
	for ((j = 0; j < ${#args[@]}; j += 2)); do
		label=${args[j]} cmd=${args[j + 1]}
		eval "$cmd --workers 2 --runs 3 --only $only" 2>/dev/null |
			python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith("{"):
        d = json.loads(line)
        print(sys.argv[1], d["bench"], d["mps"])' "$label" >>"$out"
	done
done
python3 - "$out" <<'PY'
import collections, statistics, sys
runs, labels = collections.defaultdict(list), []
for line in open(sys.argv[1]):
    label, bench, mps = line.split()
    runs[(bench, label)].append(float(mps) / 1e6)
    if label not in labels:
        labels.append(label)
print("bench".ljust(13) + "".join(l.rjust(16) for l in labels))
for bench in sorted({b for b, _ in runs}):
    base = statistics.median(runs[(bench, labels[0])])
    row = bench.ljust(13)
    for l in labels:
        m = statistics.median(runs[(bench, l)])
        row += f"{m:9.2f} ({m / base:4.2f})" if base > 0 else f"{m:9.2f}   (-) "
    print(row)
PY
