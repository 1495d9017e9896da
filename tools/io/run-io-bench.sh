#!/usr/bin/env bash
# Cadre's I/O benchmarks in one invocation (docs/performance.md, "Talking to
# the world"): the same load, with the same worker count, against Cadre's
# servers and every peer installed, then the ratios.
#
# usage: run-io-bench.sh [--workers N] [--secs D] [--warmup W] [--runs R]
#                        [--quick] [--only echo,rate,http,idle] [--rate R]
#                        [--impls cadre,libuv,go,erlang] [--conns 1,64,1000]
#                        [--sizes 64,4096] [--http-conns 64]
#                        [--idle-conns 10000] [--idle-secs 5]
#                        [--idle-impls cadre] [--build DIR] [--port-base P]
#                        [--report FILE]
#
#   --workers N      the worker threads of every server: Cadre's workers,
#                    libuv loops, GOMAXPROCS, Erlang schedulers (default 2)
#   --secs D         seconds per measured run (default 2)
#   --warmup W       seconds of load before each run (default 0.5)
#   --runs R         rounds per case, the median reported (default 3); every
#                    server of a part runs at once, and each round visits
#                    them in turn
#   --quick          secs and warm-up / 10, 1,000 idle connections
#   --only LIST      which parts: echo, rate, http, idle (default all four)
#   --impls LIST     servers to load (default cadre,libuv,go,erlang; Erlang
#                    has no HTTP server here)
#   --conns LIST     echo: connections (default 1,64,1000)
#   --sizes LIST     echo: message sizes in bytes (default 64,4096)
#   --rate R         rate: echo at a fixed offered rate of R msg/s in all
#                    (default 20000), 64 connections, 64 B: latency at the
#                    same load for every server (open loop, measured from
#                    each message's scheduled time)
#   --http-conns L   HTTP: wrk's connections (default 64)
#   --idle-conns N   idle: connections kept open (default 10000)
#   --idle-secs D    idle: how long they stay idle (default 5)
#   --idle-impls L   idle: which servers (default cadre,libuv,go,erlang)
#   --build DIR      Cadre's build directory (default <repo>/build/release):
#                    the servers are DIR/samples/sample_io_echo and
#                    sample_io_http, the load generator DIR/tools/cadre-loadgen,
#                    the libuv peer DIR/tools/cadre-io-peer-uv; the Go and
#                    Erlang peers are built here into DIR/io-peers
#   --port-base P    first TCP port on 127.0.0.1 (default 17100)
#   --report FILE    run nothing: print the tables of a saved run's JSON Lines
#
# Echo: cadre-loadgen, closed loop, one message in flight per connection,
# every byte checked. HTTP: wrk (one thread) with tools/io/wrk_json.lua, or
# cadre-loadgen --http when wrk is missing. Idle: cadre-loadgen --idle reads
# the server's CPU time and RSS from /proc. Every result is one JSON line on
# stdout (docs/benchmarks.md); progress, skips and the ratio tables on
# stderr. A server whose toolchain or binary is missing is skipped with a
# message (installs nothing: libuv1-dev, golang-go, erlang-base, wrk).
# Exit status: 0 when every case that ran passed its check, 1 otherwise, 2
# on a usage error.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

workers=2 secs=2 warmup=0.5 runs=3 quick=0
only="echo,rate,http,idle"
rate=20000
impls="cadre,libuv,go,erlang"
conns_list="1,64,1000" sizes_list="64,4096" http_conns="64"
idle_conns=10000 idle_secs=5 idle_impls="cadre,libuv,go,erlang"
build="$repo/build/release"
port=17100
report=""

prog=run-io-bench
# usage, need_value
# shellcheck source=../common/bench_args.sh
. "$repo/tools/common/bench_args.sh"
while [ $# -gt 0 ]; do
    opt="$1" val=""
    case "$opt" in
        --*=*) val="${opt#*=}"; opt="${opt%%=*}"; shift ;;
        --quick|-h|--help) shift ;;
        --*) need_value "$@"; val="$2"; shift 2 ;;
        *) echo "run-io-bench: bad argument: $opt" >&2; usage ;;
    esac
    case "$opt" in
        --workers) workers="$val" ;;
        --secs) secs="$val" ;;
        --warmup) warmup="$val" ;;
        --runs) runs="$val" ;;
        --quick) quick=1 ;;
        --only) only="$val" ;;
        --impls) impls="$val" ;;
        --conns) conns_list="$val" ;;
        --sizes) sizes_list="$val" ;;
        --rate) rate="$val" ;;
        --http-conns) http_conns="$val" ;;
        --idle-conns) idle_conns="$val" ;;
        --idle-secs) idle_secs="$val" ;;
        --idle-impls) idle_impls="$val" ;;
        --build) build="$val" ;;
        --port-base) port="$val" ;;
        --report) report="$val" ;;
        -h|--help) usage ;;
        *) echo "run-io-bench: unknown option $opt" >&2; usage ;;
    esac
done
for v in "$workers" "$runs" "$idle_conns" "$port" "$rate"; do
    case "$v" in ''|*[!0-9]*|0) echo "run-io-bench: bad count: '$v'" >&2; exit 2 ;; esac
done
for v in "$secs" "$warmup" "$idle_secs"; do
    case "$v" in ''|*[!0-9.]*) echo "run-io-bench: bad seconds: '$v'" >&2; exit 2 ;; esac
done
if [ "$quick" = 1 ]; then
    secs="$(awk -v s="$secs" 'BEGIN { print s / 10 }')"
    warmup="$(awk -v s="$warmup" 'BEGIN { print s / 10 }')"
    idle_conns=1000
    idle_secs=1
fi
if [ -n "$report" ]; then
    [ -r "$report" ] || { echo "run-io-bench: cannot read $report" >&2; exit 2; }
fi
build="$(cd "$build" 2>/dev/null && pwd)" || { echo "run-io-bench: no build directory" >&2; exit 2; }
has() { case ",$1," in *",$2,"*) return 0 ;; *) return 1 ;; esac; }

say() { echo "run-io-bench: $*" >&2; }

# ---- the tables (stderr) -----------------------------------------------------
# Cadre / peer for every case both ran: throughput (above 1: Cadre faster)
# and p99 latency (below 1: Cadre's p99 lower).
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
    if (b == "idle_conns") {
        idle[i] = sprintf("%-8s %8s conns  cpu %6s s over %s s  %8s bytes/conn", i,
                          field($0, "conns"), field($0, "cpu_secs"), field($0, "secs"),
                          field($0, "bytes_per_conn"))
        idle_order[++ni] = i
        next
    }
    key = b " conns=" field($0, "conns") (b ~ /^echo/ ? " size=" field($0, "size") : "") \
          (field($0, "rate") + 0 > 0 ? " rate=" field($0, "rate") : "")
    if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
    mps[key, i] = field($0, "mps") + 0; p99[key, i] = field($0, "p99_ns") + 0
    ok[key, i] = field($0, "check") == "ok"
    if (!(i in impls)) { impls[i] = 1; if (i != "cadre") peers[++np] = i }
}
END {
    if (nk == 0 && ni == 0) exit
    err = "/dev/stderr"
    ncol = 0
    if ("cadre" in impls) col[++ncol] = "cadre"
    for (p = 1; p <= np; p++) col[++ncol] = peers[p]
    if (nk > 0) {
        printf "\n%-26s", "msg/s (p99 us)" > err
        for (c = 1; c <= ncol; c++) printf "  %20s", col[c] > err
        printf "\n" > err
        for (k = 1; k <= nk; k++) {
            key = order[k]
            printf "%-26s", key > err
            for (c = 1; c <= ncol; c++) {
                q = col[c]
                if (((key, q) in mps) && ok[key, q])
                    printf "  %11.0f (%6.0f)", mps[key, q], p99[key, q] / 1000 > err
                else
                    printf "  %20s", ((key, q) in mps) ? "FAILED" : "-" > err
            }
            printf "\n" > err
        }
    }
    if (nk > 0 && ("cadre" in impls) && np > 0) {
        printf "\n%-26s", "cadre / peer: msg/s [p99]" > err
        for (p = 1; p <= np; p++) printf "  %15s", peers[p] > err
        printf "\n" > err
        for (k = 1; k <= nk; k++) {
            key = order[k]
            printf "%-26s", key > err
            for (p = 1; p <= np; p++) {
                q = peers[p]
                if (((key, "cadre") in mps) && ((key, q) in mps) && mps[key, q] > 0 &&
                    p99[key, q] > 0 && ok[key, "cadre"] && ok[key, q])
                    printf "  %6.2f [%6.2f]", mps[key, "cadre"] / mps[key, q], p99[key, "cadre"] / p99[key, q] > err
                else
                    printf "  %15s", "-" > err
            }
            printf "\n" > err
        }
        printf "(msg/s above 1: Cadre faster; p99 below 1: Cadre lower)\n" > err
    }
    if (ni > 0) {
        printf "\nidle connections:\n" > err
        for (j = 1; j <= ni; j++) print "  " idle[idle_order[j]] > err
    }
}' "$1"
}
if [ -n "$report" ]; then
    tables "$report"
    exit 0
fi

results="$(mktemp)"
status=0
loadgen="$build/tools/cadre-loadgen"
[ -x "$loadgen" ] || { say "no $loadgen: build the tools first"; exit 2; }
# 10,000 connections need as many descriptors, in the load generator and in
# every server started from here.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---- the servers: command lines, built when their toolchain exists --------
peer_dir="$build/io-peers"
mkdir -p "$peer_dir"
stale() { # is $1 missing or older than any of the other files?
    local out="$1" f; shift
    [ -e "$out" ] || return 0
    for f in "$@"; do [ "$f" -nt "$out" ] && return 0; done
    return 1
}
build_go() {
    command -v go >/dev/null 2>&1 || { say "skipping go: no 'go' (install golang-go)"; return 1; }
    local out="$peer_dir/cadre-io-peer-go"
    if stale "$out" "$here/peers/go/main.go" "$here/peers/go/go.mod"; then
        say "building the go peer"
        # The standard library only: no module downloads, ever.
        (cd "$here/peers/go" && GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local \
            GOCACHE="${GOCACHE:-$peer_dir/go-cache}" GOPATH="${GOPATH:-$peer_dir/go-path}" \
            go build -o "$out" .) >&2 || { say "go peer: build failed"; return 1; }
    fi
}
build_erlang() {
    command -v erlc >/dev/null 2>&1 && command -v erl >/dev/null 2>&1 ||
        { say "skipping erlang: no 'erlc'/'erl' (install erlang-base)"; return 1; }
    if stale "$peer_dir/io_echo.beam" "$here/peers/erlang/io_echo.erl"; then
        say "building the erlang peer"
        erlc -o "$peer_dir" "$here/peers/erlang/io_echo.erl" >&2 ||
            { say "erlang peer: build failed"; return 1; }
    fi
}
declare -A built=()
# Prints the command line of server $1 in mode $2 (echo or http) on port $3,
# or fails with a message when it cannot run.
server_cmd() {
    local impl="$1" mode="$2" p="$3"
    case "$impl" in
        cadre)
            local bin="$build/samples/sample_io_$mode"
            [ -x "$bin" ] || { say "skipping cadre $mode: no $bin"; return 1; }
            echo "$bin --port $p --workers $workers" ;;
        libuv)
            local bin="$build/tools/cadre-io-peer-uv"
            [ -x "$bin" ] || { say "skipping libuv: no $bin (install libuv1-dev, rebuild)"; return 1; }
            echo "$bin --mode $mode --port $p --workers $workers" ;;
        go)
            [ -n "${built[go]:-}" ] || { build_go && built[go]=1; } || return 1
            echo "$peer_dir/cadre-io-peer-go -mode $mode -port $p -workers $workers" ;;
        erlang)
            [ "$mode" = echo ] || { say "skipping erlang $mode: no such peer"; return 1; }
            [ -n "${built[erlang]:-}" ] || { build_erlang && built[erlang]=1; } || return 1
            echo "erl -noshell +S $workers:$workers -pa $peer_dir -s io_echo main -extra --port $p" ;;
        *) say "unknown server '$impl' (cadre, libuv, go, erlang)"; return 1 ;;
    esac
}

# The servers running now: their pids, and each one's port by name.
pids=()
declare -A port_of=() pid_of=()
stop_servers() {
    local p i
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for i in $(seq 50); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    pids=()
    port_of=()
    pid_of=()
}
# Starts server $1 in mode $2 on a fresh port and waits until it accepts
# (then port_of[$1] and pid_of[$1] are set); fails with a message otherwise.
start_server() {
    local cmd pid i
    port=$((port + 1))
    cmd="$(server_cmd "$1" "$2" "$port")" || return 1
    say "starting $1 $2: $cmd"
    # exec: $! is the server itself (erl execs beam.smp), for /proc/PID.
    bash -c "exec $cmd" >/dev/null 2>"$peer_dir/$1-$2.log" &
    pid=$!
    pids+=("$pid")
    for i in $(seq 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            say "$1 $2 exited at start: $(tail -3 "$peer_dir/$1-$2.log")"
            return 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            port_of[$1]="$port"
            pid_of[$1]="$pid"
            return 0
        fi
        sleep 0.1
    done
    say "$1 $2 does not accept on port $port after 10 s"
    return 1
}
# Runs a load command; appends its JSON line to file $1.
measure() {
    local into="$1" out rc
    shift
    out="$(timeout --kill-after=5 600 "$@")"
    rc=$?
    [ -n "$out" ] && echo "$out" >>"$into"
    if [ "$rc" -ne 0 ] || [ -z "$out" ]; then
        say "FAILED (status $rc): $*"
        status=1
    fi
}
# The line of file $1 with the median mps, its "runs" set to the number of
# lines; to stdout and to $results.
median_line() {
    local n line
    [ -s "$1" ] || return 0
    n="$(wc -l <"$1")"
    line="$(awk -F'"mps":' '{ split($2, a, ","); print a[1] "\t" $0 }' "$1" |
        sort -n | awk -v m="$(((n + 1) / 2))" 'NR == m' | cut -f2-)"
    line="$(echo "$line" | sed -e 's/"runs":[0-9]*/"runs":'"$n"'/')"
    grep -q '"check":"fail"' "$1" && line="$(echo "$line" | sed -e 's/"check":"ok"/"check":"fail"/')"
    echo "$line"
    echo "$line" >>"$results"
}
rounds_dir="$(mktemp -d)"
trap 'stop_servers; rm -rf "$results" "$rounds_dir"' EXIT

# Every server of a part runs at once, each on its port, and each case is
# measured in --runs rounds that visit the servers in turn: a burst of
# noise from the machine then falls on one round of each server rather
# than on all the cases of one of them. The median round is reported.
IFS=',' read -r -a impl_list <<<"$impls"
IFS=',' read -r -a conns_arr <<<"$conns_list"
IFS=',' read -r -a sizes_arr <<<"$sizes_list"
IFS=',' read -r -a hconns_arr <<<"$http_conns"
IFS=',' read -r -a idle_arr <<<"$idle_impls"

# ---- echo --------------------------------------------------------------------
if has "$only" echo; then
    for impl in "${impl_list[@]}"; do start_server "$impl" echo; done
    for n in "${conns_arr[@]}"; do
        for s in "${sizes_arr[@]}"; do
            for r in $(seq "$runs"); do
                for impl in "${impl_list[@]}"; do
                    [ -n "${port_of[$impl]:-}" ] || continue
                    measure "$rounds_dir/echo-$n-$s-$impl" "$loadgen" \
                        --addr "127.0.0.1:${port_of[$impl]}" --conns "$n" --size "$s" \
                        --secs "$secs" --warmup "$warmup" --impl "$impl" --workers "$workers"
                done
            done
            for impl in "${impl_list[@]}"; do median_line "$rounds_dir/echo-$n-$s-$impl"; done
        done
    done
    stop_servers
fi

# ---- echo at a fixed offered rate ----------------------------------------------
if has "$only" rate; then
    for impl in "${impl_list[@]}"; do start_server "$impl" echo; done
    for r in $(seq "$runs"); do
        for impl in "${impl_list[@]}"; do
            [ -n "${port_of[$impl]:-}" ] || continue
            measure "$rounds_dir/rate-$impl" "$loadgen" --addr "127.0.0.1:${port_of[$impl]}" \
                --conns 64 --size 64 --rate "$rate" --bench echo_rate --secs "$secs" \
                --warmup "$warmup" --impl "$impl" --workers "$workers"
        done
    done
    for impl in "${impl_list[@]}"; do median_line "$rounds_dir/rate-$impl"; done
    stop_servers
fi

# ---- HTTP --------------------------------------------------------------------
# wrk takes whole seconds only.
wsecs="$(awk -v s="$secs" 'BEGIN { s = int(s + 0.999); print s < 1 ? 1 : s }')"
wwarm="$(awk -v s="$warmup" 'BEGIN { print int(s + 0.999) }')"
wrk_once() { # impl conns into
    local url="http://127.0.0.1:${port_of[$1]}/" line
    [ "$wwarm" -gt 0 ] && timeout 120 wrk -t1 -c"$2" -d"${wwarm}s" "$url" >/dev/null 2>&1
    line="$(IMPL="$1" WORKERS="$workers" CONNS="$2" timeout 600 \
        wrk -t1 -c"$2" -d"${wsecs}s" -s "$here/wrk_json.lua" "$url" | grep '^{')"
    [ -n "$line" ] && echo "$line" >>"$3"
    case "$line" in *'"check":"ok"'*) ;; *) say "FAILED: wrk against $1"; status=1 ;; esac
}
if has "$only" http; then
    command -v wrk >/dev/null 2>&1 || say "no wrk (install wrk): HTTP with cadre-loadgen --http"
    for impl in "${impl_list[@]}"; do
        [ "$impl" = erlang ] && { say "skipping erlang http: no such peer"; continue; }
        start_server "$impl" http
    done
    for c in "${hconns_arr[@]}"; do
        for r in $(seq "$runs"); do
            for impl in "${impl_list[@]}"; do
                [ -n "${port_of[$impl]:-}" ] || continue
                if command -v wrk >/dev/null 2>&1; then
                    wrk_once "$impl" "$c" "$rounds_dir/http-$c-$impl"
                else
                    measure "$rounds_dir/http-$c-$impl" "$loadgen" --http \
                        --addr "127.0.0.1:${port_of[$impl]}" --conns "$c" --secs "$secs" \
                        --warmup "$warmup" --impl "$impl" --workers "$workers"
                fi
            done
        done
        for impl in "${impl_list[@]}"; do median_line "$rounds_dir/http-$c-$impl"; done
    done
    stop_servers
fi

# ---- idle --------------------------------------------------------------------
# One server at a time: its CPU and memory are read alone.
if has "$only" idle; then
    for impl in "${idle_arr[@]}"; do
        start_server "$impl" echo || { stop_servers; continue; }
        measure "$rounds_dir/idle-$impl" "$loadgen" --addr "127.0.0.1:${port_of[$impl]}" \
            --conns "$idle_conns" --idle "$idle_secs" --server-pid "${pid_of[$impl]}" \
            --impl "$impl" --workers "$workers"
        median_line "$rounds_dir/idle-$impl"
        stop_servers
    done
fi

tables "$results"
exit "$status"
