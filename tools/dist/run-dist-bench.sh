#!/usr/bin/env bash
# Cadre's distribution benchmarks beside Erlang's, in one invocation
# (docs/performance.md, "Distribution"): remote pingpong (round-trip p50 and
# p99) and remote throughput, 100 B and 4 KB messages, between two nodes on
# this machine over TCP on loopback; Cadre with cadre-bench-dist (--role
# spawn: it forks its server node), Erlang with tools/dist/erlang/
# dist_bench.erl between two `erl -sname` nodes.
#
# usage: run-dist-bench.sh [--rounds R] [--secs S] [--warmup S] [--quick]
#                          [--tests pingpong,throughput] [--sizes 100,4096]
#                          [--workers W] [--senders K] [--window M]
#                          [--ack-every A] [--impls cadre,erlang] [--curve]
#                          [--build DIR] [--port-base P] [--report FILE]
#
#   --rounds R     rounds per case, the median reported (default 3); each
#                  round runs every implementation once, in turn, the order
#                  reversed every other round
#   --secs S       measured seconds per run (default 3); --warmup S untimed
#                  seconds of the same exchange before (default 1)
#   --quick        secs and warm-up / 10, one round
#   --tests LIST   pingpong, throughput (default both)
#   --sizes LIST   message sizes in bytes (default 100,4096)
#   --workers W    worker threads of each node: Cadre's workers, Erlang's
#                  schedulers (+S W:W) (default 1: two nodes on a 2-core
#                  machine)
#   --senders K    throughput: sending actors / processes (default 1)
#   --window M     throughput: unacknowledged messages per sender (10000)
#   --ack-every A  throughput: a sync (answered by an ack) every A (1000)
#   --impls LIST   cadre, erlang (default both)
#   --curve        also run Cadre with CURVE on ("security":"curve"); Erlang
#                  is measured with its default, unencrypted distribution
#   --build DIR    Cadre's build directory (default <repo>/build/release):
#                  DIR/tools/cadre-bench-dist; the Erlang module is compiled
#                  into DIR/dist-peers
#   --port-base P  first TCP port on 127.0.0.1 for Cadre's nodes (default 17300)
#   --report FILE  run nothing: print the tables of a saved run's JSON Lines
#
# Every result is one JSON line on stdout (docs/benchmarks.md: the median
# round, with "runs" set to the rounds); progress, skips, the load average
# and the tables on stderr. An implementation whose binary or toolchain is
# missing is skipped with a message (installs nothing: erlang-base). Exit
# status: 0 when every run passed its check, 1 otherwise, 2 on a usage error.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

rounds=3 secs=3 warmup=1 quick=0
tests="pingpong,throughput" sizes="100,4096"
workers=1 senders=1 window=10000 ack_every=1000
impls="cadre,erlang" curve=0
build="$repo/build/release"
port=17300
report=""

prog=run-dist-bench
# usage, need_value
# shellcheck source=../common/bench_args.sh
. "$repo/tools/common/bench_args.sh"
while [ $# -gt 0 ]; do
    opt="$1" val=""
    case "$opt" in
        --*=*) val="${opt#*=}"; opt="${opt%%=*}"; shift ;;
        --quick|--curve|-h|--help) shift ;;
        --*) need_value "$@"; val="$2"; shift 2 ;;
        *) echo "run-dist-bench: bad argument: $opt" >&2; usage ;;
    esac
    case "$opt" in
        --rounds) rounds="$val" ;;
        --secs) secs="$val" ;;
        --warmup) warmup="$val" ;;
        --quick) quick=1 ;;
        --tests) tests="$val" ;;
        --sizes) sizes="$val" ;;
        --workers) workers="$val" ;;
        --senders) senders="$val" ;;
        --window) window="$val" ;;
        --ack-every) ack_every="$val" ;;
        --impls) impls="$val" ;;
        --curve) curve=1 ;;
        --build) build="$val" ;;
        --port-base) port="$val" ;;
        --report) report="$val" ;;
        -h|--help) usage ;;
        *) echo "run-dist-bench: unknown option $opt" >&2; usage ;;
    esac
done
for v in "$rounds" "$workers" "$senders" "$window" "$ack_every" "$port"; do
    case "$v" in ''|*[!0-9]*|0) echo "run-dist-bench: bad count: '$v'" >&2; exit 2 ;; esac
done
for v in "$secs" "$warmup"; do
    case "$v" in ''|*[!0-9.]*) echo "run-dist-bench: bad seconds: '$v'" >&2; exit 2 ;; esac
done
for v in ${sizes//,/ }; do
    case "$v" in ''|*[!0-9]*) echo "run-dist-bench: bad size: '$v'" >&2; exit 2 ;; esac
done
for v in ${tests//,/ }; do
    case "$v" in pingpong|throughput) ;; *) echo "run-dist-bench: bad test: '$v'" >&2; exit 2 ;; esac
done
if [ "$quick" = 1 ]; then
    secs="$(awk -v s="$secs" 'BEGIN { print s / 10 }')"
    warmup="$(awk -v s="$warmup" 'BEGIN { print s / 10 }')"
    rounds=1
fi

say() { echo "run-dist-bench: $*" >&2; }

# ---- the tables (stderr) -----------------------------------------------------
tables() {
awk '
function field(line, k,    m) {
    if (!match(line, "\"" k "\":(\"[^\"]*\"|[^,}]*)")) return ""
    m = substr(line, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
    gsub(/"/, "", m)
    return m
}
{
    b = field($0, "bench"); i = field($0, "impl")
    if (field($0, "security") == "curve") i = i "+curve"
    key = b " " field($0, "size") " B"
    if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
    if (!(i in impls)) { impls[i] = 1; col[++nc] = i }
    ok[key, i] = field($0, "check") == "ok"
    mps[key, i] = field($0, "mps") + 0
    p50[key, i] = field($0, "p50_ns") + 0; p99[key, i] = field($0, "p99_ns") + 0
    bps[key, i] = field($0, "bytes_per_sec") + 0
}
END {
    if (nk == 0) exit
    err = "/dev/stderr"
    printf "\n%-26s", "" > err
    for (c = 1; c <= nc; c++) printf "  %30s", col[c] > err
    printf "\n" > err
    for (k = 1; k <= nk; k++) {
        key = order[k]
        printf "%-26s", key > err
        for (c = 1; c <= nc; c++) {
            q = col[c]
            if (!((key, q) in ok)) printf "  %30s", "-" > err
            else if (!ok[key, q]) printf "  %30s", "FAILED" > err
            else if (key ~ /pingpong/)
                printf "  %8.1f us p50 %8.1f us p99", p50[key, q] / 1000, p99[key, q] / 1000 > err
            else
                printf "  %9.0f msg/s %8.1f MB/s", mps[key, q], bps[key, q] / 1e6 > err
        }
        printf "\n" > err
    }
    if (!("cadre" in impls) || !("erlang" in impls)) exit
    printf "\n%-26s  %s\n", "cadre / erlang", "throughput: msg/s ratio (above 1: Cadre faster); pingpong: p50 and p99 ratios (below 1: Cadre faster)" > err
    for (c = 1; c <= nc; c++) {
        q = col[c]
        if (q == "erlang") continue
        for (k = 1; k <= nk; k++) {
            key = order[k]
            if (!ok[key, q] || !ok[key, "erlang"]) continue
            if (key ~ /pingpong/ && p50[key, "erlang"] > 0 && p99[key, "erlang"] > 0)
                printf "%-26s  %-12s p50 %5.2f  p99 %5.2f\n", key, q,
                       p50[key, q] / p50[key, "erlang"], p99[key, q] / p99[key, "erlang"] > err
            else if (key ~ /throughput/ && mps[key, "erlang"] > 0)
                printf "%-26s  %-12s msg/s %5.2f\n", key, q, mps[key, q] / mps[key, "erlang"] > err
        }
    }
}' "$1"
}
if [ -n "$report" ]; then
    [ -r "$report" ] || { echo "run-dist-bench: cannot read $report" >&2; exit 2; }
    tables "$report"
    exit 0
fi

build="$(cd "$build" 2>/dev/null && pwd)" || { say "no build directory"; exit 2; }
status=0
results="$(mktemp)"
rounds_dir="$(mktemp -d)"
erl_pid=""
stop_erlang() {
    [ -n "$erl_pid" ] || return 0
    kill -TERM "$erl_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$erl_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$erl_pid" 2>/dev/null
    wait "$erl_pid" 2>/dev/null
    erl_pid=""
}
trap 'stop_erlang; rm -rf "$results" "$rounds_dir"' EXIT

# ---- the implementations -------------------------------------------------------
IFS=',' read -r -a impl_list <<<"$impls"
run_list=()
for impl in "${impl_list[@]}"; do
    case "$impl" in
        cadre)
            bin="$build/tools/cadre-bench-dist"
            if [ -x "$bin" ]; then
                run_list+=(cadre)
                [ "$curve" = 1 ] && run_list+=(cadre_curve)
            else
                say "skipping cadre: no $bin (built where the library has core/src/dist)"
            fi ;;
        erlang)
            peer_dir="$build/dist-peers"
            mkdir -p "$peer_dir"
            if ! command -v erlc >/dev/null 2>&1 || ! command -v erl >/dev/null 2>&1; then
                say "skipping erlang: no 'erlc'/'erl' (install erlang-base)"
            elif [ ! -e "$peer_dir/dist_bench.beam" ] ||
                 [ "$here/erlang/dist_bench.erl" -nt "$peer_dir/dist_bench.beam" ]; then
                say "building the erlang side"
                if erlc -o "$peer_dir" "$here/erlang/dist_bench.erl" >&2; then
                    run_list+=(erlang)
                else
                    say "erlang: build failed"; status=1
                fi
            else
                run_list+=(erlang)
            fi ;;
        *) say "unknown implementation '$impl' (cadre, erlang)"; exit 2 ;;
    esac
done
[ ${#run_list[@]} -gt 0 ] || { say "nothing to run"; exit 1; }

# Erlang's server node runs for the whole invocation; each run is a fresh
# client node. Names and the cookie are this invocation's own.
cookie="dbench$$$RANDOM"
erl_b="dbench_b_$$"
nclient=0
start_erlang() {
    say "starting erlang node $erl_b"
    erl -sname "$erl_b" -setcookie "$cookie" -noshell +S "$workers:$workers" \
        -pa "$build/dist-peers" -s dist_bench server >/dev/null 2>"$rounds_dir/erl-server.log" &
    erl_pid=$!
}
for impl in "${run_list[@]}"; do [ "$impl" = erlang ] && start_erlang; done

common=(--secs "$secs" --warmup "$warmup" --senders "$senders" --window "$window"
        --ack-every "$ack_every" --workers "$workers")
# Runs implementation $1 for test $2 at size $3; appends its line to $4.
run_one() {
    local impl="$1" t="$2" s="$3" into="$4" out rc
    case "$impl" in
        cadre|cadre_curve)
            port=$((port + 2))
            local extra=()
            [ "$impl" = cadre_curve ] && extra=(--curve)
            out="$(timeout --kill-after=5 600 "$build/tools/cadre-bench-dist" --role spawn \
                --peer "tcp://127.0.0.1:$port" --endpoint "tcp://127.0.0.1:$((port + 1))" \
                --test "$t" --size "$s" "${common[@]}" "${extra[@]}")"
            rc=$? ;;
        erlang)
            nclient=$((nclient + 1))
            out="$(timeout --kill-after=5 600 erl -sname "dbench_a_$$_$nclient" \
                -setcookie "$cookie" -noshell +S "$workers:$workers" -pa "$build/dist-peers" \
                -s dist_bench main -extra --peer "$erl_b" --test "$t" --size "$s" \
                "${common[@]}")"
            rc=$? ;;
    esac
    [ -n "$out" ] && echo "$out" >>"$into"
    if [ "$rc" -ne 0 ] || [ -z "$out" ]; then
        say "FAILED (status $rc): $impl $t $s B"
        status=1
    fi
}
# The median line of file $1 (by p50 for pingpong, by msg/s otherwise),
# its "runs" set to the number of lines, with the lowest and highest of
# the rounds (min_p50_ns and max_p50_ns, or min_mps and max_mps); to
# stdout and to $results.
median_line() {
    local n key line
    [ -s "$1" ] || return 0
    n="$(wc -l <"$1")"
    case "$1" in *pingpong*) key=p50_ns ;; *) key=mps ;; esac
    line="$(awk -F"\"$key\":" '{ split($2, a, /[,}]/); print a[1] "\t" $0 }' "$1" |
        sort -g | awk -v m="$(((n + 1) / 2))" 'NR == m' | cut -f2-)"
    # The spread of the rounds: min_ and max_ of the key, added at the end.
    local lo hi
    lo="$(awk -F"\"$key\":" '{ split($2, a, /[,}]/); print a[1] }' "$1" | sort -g | head -1)"
    hi="$(awk -F"\"$key\":" '{ split($2, a, /[,}]/); print a[1] }' "$1" | sort -g | tail -1)"
    line="$(echo "$line" | sed -e 's/"runs":[0-9]*/"runs":'"$n"'/' \
        -e 's/}$/,"min_'"$key"'":'"$lo"',"max_'"$key"'":'"$hi"'}/')"
    grep -q '"check":"fail"' "$1" && line="$(echo "$line" | sed -e 's/"check":"ok"/"check":"fail"/')"
    echo "$line"
    echo "$line" >>"$results"
}

say "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "runs: ${run_list[*]}; tests $tests; sizes $sizes; $rounds rounds of $secs s" \
    "(+ $warmup s warm-up); $workers worker(s) per node"
IFS=',' read -r -a test_arr <<<"$tests"
IFS=',' read -r -a size_arr <<<"$sizes"
for t in "${test_arr[@]}"; do
    for s in "${size_arr[@]}"; do
        for r in $(seq "$rounds"); do
            order=("${run_list[@]}")
            if [ $((r % 2)) = 0 ]; then
                order=()
                for ((i = ${#run_list[@]} - 1; i >= 0; i--)); do order+=("${run_list[$i]}"); done
            fi
            for impl in "${order[@]}"; do
                say "round $r/$rounds: $impl $t $s B"
                run_one "$impl" "$t" "$s" "$rounds_dir/$t-$s-$impl"
            done
        done
        for impl in "${run_list[@]}"; do median_line "$rounds_dir/$t-$s-$impl"; done
    done
done
say "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
tables "$results"
exit "$status"
