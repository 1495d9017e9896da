#!/usr/bin/env bash
# Fan-out sweep: Cadre (cadre-bench's fanout) and every installed peer
# (run-peers.sh) at several receiver counts, with the same workers and sizes.
# A round runs every receiver count on every implementation in turn, one
# fresh process each (one warm-up and --runs timed runs inside it); ROUNDS
# rounds, so that drift hits all alike. Prints per receiver count the median
# over the rounds of each implementation's msg/s and Cadre's ratio to each
# peer (> 1: Cadre is faster). JSON Lines of every invocation are kept with
# --save FILE.
#
# usage: tools/lab/fanout-sweep.sh [--workers W] [--rounds K] [--runs R]
#            [--n N] [--rs 60,100,1000,10000] [--peers go,erlang,caf,rawc]
#            [--bench PATH] [--save FILE]
#   defaults: --workers 2 --rounds 3 --runs 1 --n 2000000, every peer,
#   --bench build/release/tools/cadre-bench
# Peers are built by run-peers.sh on first use: run it once before timing
# (e.g. this script with --rounds 1 --n 10000), never while holding the lab's
# lock. Measure under the lock: flock /tmp/cadre-bench.lock tools/lab/fanout-sweep.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

workers=2 rounds=3 runs=1 n=2000000 rs=60,100,1000,10000 peers=go,erlang,caf,rawc
bench="$repo/build/release/tools/cadre-bench" save=""
while [ $# -gt 0 ]; do
	case "$1" in
	--workers) workers=$2 ;;
	--rounds) rounds=$2 ;;
	--runs) runs=$2 ;;
	--n) n=$2 ;;
	--rs) rs=$2 ;;
	--peers) peers=$2 ;;
	--bench) bench=$2 ;;
	--save) save=$2 ;;
	*) sed -n 2,19p "$0" >&2; exit 2 ;;
	esac
	shift 2
done
[ -x "$bench" ] || { echo "fanout-sweep: no $bench (build the release preset)" >&2; exit 2; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
IFS=',' read -r -a rlist <<<"$rs"
IFS=',' read -r -a plist <<<"$peers"
status=0
echo "fanout-sweep: workers $workers, N $n, rounds $rounds, runs $runs; $(uptime)" >&2
for ((i = 1; i <= rounds; i++)); do
	for r in "${rlist[@]}"; do
		sizes=(--workers "$workers" --runs "$runs" --only fanout --fanout-r "$r" --fanout-n "$n")
		echo "fanout-sweep: round $i/$rounds, R $r" >&2
		"$bench" "${sizes[@]}" 2>/dev/null >>"$out" || status=1
		for p in "${plist[@]}"; do
			bash "$repo/tools/peers/run-peers.sh" --peers "$p" "${sizes[@]}" 2>/dev/null >>"$out" ||
				status=1
		done
	done
done
echo "fanout-sweep: done; $(uptime)" >&2
[ -z "$save" ] || cp "$out" "$save"
python3 - "$out" "$workers" "$n" <<'PY'
import collections, json, statistics, sys
mps, impls, rs, bad = collections.defaultdict(list), [], [], set()
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    d = json.loads(line)
    if d.get("bench") != "fanout":
        continue
    key = (d["receivers"], d["impl"])
    if d["check"] != "ok":
        bad.add(key)
        continue
    mps[key].append(d["mps"] / 1e6)
    if d["impl"] not in impls:
        impls.append(d["impl"])
    if d["receivers"] not in rs:
        rs.append(d["receivers"])
impls.sort(key=lambda i: (i != "cadre", i))
peers = [i for i in impls if i != "cadre"]
print(f"fanout, workers {sys.argv[2]}, N {int(sys.argv[3]):,}: M msg/s (median of rounds), "
      "and cadre / peer")
head = "R".rjust(7) + "".join(i.rjust(10) for i in impls) + "".join(("c/" + p).rjust(9) for p in peers)
print(head)
for r in sorted(rs):
    med = {i: statistics.median(mps[(r, i)]) if mps[(r, i)] else None for i in impls}
    row = str(r).rjust(7)
    for i in impls:
        row += (f"{med[i]:10.2f}" if med[i] is not None else "FAIL".rjust(10) if (r, i) in bad
                else "-".rjust(10))
    for p in peers:
        c, v = med.get("cadre"), med[p]
        row += f"{c / v:8.2f}x" if c and v else "-".rjust(9)
    print(row)
PY
exit "$status"
