#!/usr/bin/env bash
# Cold against warm, per workload: a cold run is a fresh process timing its
# first run (--warmups 0 --runs 1); warm is the median of 5 runs after one
# warm-up in one process (--warmups 1 --runs 5). For each workload it runs
# COLD fresh processes and WARM warm invocations of every labelled command,
# interleaved (each cold process of each label, then each warm one, in
# turn, so that drift hits every label alike); each workload's runs hold
# the lock $CADRE_BENCH_LOCK (flock; default /tmp/cadre-bench.lock; "none":
# no lock), so that they never overlap another measurement.
#
# Prints one JSON line per (label, workload) on stdout: cold_mps (the median
# of the cold processes, with cold_min_mps / cold_max_mps), warm_mps (the
# median of the warm invocations' medians) and ratio = cold_mps / warm_mps
# (the target: >= 0.85, cold within 15% of warm); then a table on stderr,
# with each label's cold and warm rates against the first label's.
#
# usage: tools/lab/cold-warm.sh [-c COLD] [-w WARM] [-o WORKLOADS] LABEL 'COMMAND' [LABEL 'COMMAND' ...]
#   -c COLD       cold processes per workload and label (default 5)
#   -w WARM       warm invocations per workload and label (default 1)
#   -o WORKLOADS  comma-separated (default: every workload but idle and chaos)
# e.g.   tools/lab/cold-warm.sh now build/release/tools/cadre-bench
#        tools/lab/cold-warm.sh -c 7 -o counting,skynet \
#            old 'LD_LIBRARY_PATH=/tmp/old /tmp/old/cadre-bench' new build/release/tools/cadre-bench
set -euo pipefail
cold=5 warm=1
only=pingpong,counting,threadring,fanin,fjthrput,skynet,big,chameneos,bank,philosophers,barber,dictionary,logmap,trapezoid,nqueens
while getopts c:w:o: opt; do
	case $opt in
	c) cold=$OPTARG ;;
	w) warm=$OPTARG ;;
	o) only=$OPTARG ;;
	*) sed -n 2,22p "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] && [ $(($# % 2)) -eq 0 ] || { sed -n 2,22p "$0" >&2; exit 2; }
lock=${CADRE_BENCH_LOCK:-/tmp/cadre-bench.lock}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "cold-warm: load before: $(uptime)" >&2

# One invocation: KIND LABEL COMMAND ARGS...; appends "KIND LABEL BENCH MPS".
one() {
	local kind=$1 label=$2 cmd=$3
	shift 3
	eval "$cmd $*" 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith("{"):
        d = json.loads(line)
        ok = d["check"] == "ok"
        print(sys.argv[1], sys.argv[2], d["bench"], d["mps"] if ok else "fail")' "$kind" "$label" >>"$out" ||
		echo "cold-warm: $label $kind $*: failed" >&2
}

IFS=, read -r -a wls <<<"$only"
n=$((cold > warm ? cold : warm))
[ "$lock" != none ] && exec 9>>"$lock"
for w in "${wls[@]}"; do
	[ "$lock" != none ] && flock 9
	echo "cold-warm: $w ($(uptime | sed 's/.*load/load/'))" >&2
	for ((i = 0; i < n; i++)); do
		args=("$@")
		for ((j = 0; j < ${#args[@]}; j += 2)); do
			[ "$i" -lt "$cold" ] && one cold "${args[j]}" "${args[j + 1]}" --only "$w" --warmups 0 --runs 1
			[ "$i" -lt "$warm" ] && one warm "${args[j]}" "${args[j + 1]}" --only "$w" --warmups 1 --runs 5
		done
	done
	[ "$lock" != none ] && flock -u 9
done
echo "cold-warm: load after: $(uptime)" >&2

python3 - "$out" "$@" <<'PY'
import collections, json, statistics, sys
labels = sys.argv[2::2]
mps = collections.defaultdict(list)
fails = collections.Counter()
for line in open(sys.argv[1]):
    kind, label, bench, v = line.split()
    if v == "fail":
        fails[(kind, label, bench)] += 1
    else:
        mps[(kind, label, bench)].append(float(v))
benches = []
for (_, _, b) in list(mps) + list(fails):
    if b not in benches:
        benches.append(b)
med = lambda k: statistics.median(mps[k]) if mps[k] else 0.0
for b in benches:
    for l in labels:
        c, w = med(("cold", l, b)), med(("warm", l, b))
        cs = mps[("cold", l, b)]
        print(json.dumps({"bench": b, "label": l, "cold_mps": round(c, 1),
                          "cold_min_mps": round(min(cs), 1) if cs else 0,
                          "cold_max_mps": round(max(cs), 1) if cs else 0,
                          "cold_runs": len(cs), "warm_mps": round(w, 1),
                          "warm_runs": len(mps[("warm", l, b)]),
                          "ratio": round(c / w, 3) if w > 0 else 0,
                          "fails": fails[("cold", l, b)] + fails[("warm", l, b)]}))
hdr = "bench".ljust(13)
for l in labels:
    hdr += f"{l + ' cold':>14}{l + ' warm':>14}{'c/w':>7}"
print(hdr, file=sys.stderr)
for b in benches:
    row = b.ljust(13)
    c0, w0 = med(("cold", labels[0], b)), med(("warm", labels[0], b))
    for l in labels:
        c, w = med(("cold", l, b)), med(("warm", l, b))
        cr = f"({c / c0:4.2f})" if l != labels[0] and c0 > 0 else ""
        wr = f"({w / w0:4.2f})" if l != labels[0] and w0 > 0 else ""
        row += f"{c / 1e6:8.3g}{cr:>6}{w / 1e6:8.3g}{wr:>6}{(c / w if w else 0):7.2f}"
    print(row, file=sys.stderr)
print("M msg/s; c/w = cold / warm (target >= 0.85); (x) = against the first label",
      file=sys.stderr)
PY
