#!/usr/bin/env bash
# What each echo server spends per message (docs/performance.md, "Talking
# to the world", why): under cadre-loadgen's closed-loop echo, perf stat
# counts the server's CPU time, system calls and context switches over a
# window, divided by the messages echoed in it. Needs perf (Debian:
# linux-perf) and permission to attach to the servers (root, or
# perf_event_paranoid <= 1). The servers are those of run-io-bench.sh,
# started and built the same way (run that once first for Go and Erlang).
#
# usage: io-costs.sh [--conns N] [--size S] [--workers W] [--build DIR]
#                    [--port-base P]
# Prints one line per server on stdout; exit status 2 on a usage error.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
conns=64 size=64 workers=2 build="$repo/build/release" port=17400
while [ $# -gt 0 ]; do
    case "$1" in
        --conns) conns="$2"; shift 2 ;;
        --size) size="$2"; shift 2 ;;
        --workers) workers="$2"; shift 2 ;;
        --build) build="$2"; shift 2 ;;
        --port-base) port="$2"; shift 2 ;;
        *) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -uo/d' -e 's/^# \{0,1\}//' >&2
           exit 2 ;;
    esac
done
command -v perf >/dev/null 2>&1 || { echo "io-costs: no perf (install linux-perf)" >&2; exit 2; }
loadgen="$build/tools/cadre-loadgen"
peers="$build/io-peers"
tmp="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

declare -A cmd=(
    [cadre]="$build/samples/sample_io_echo --port @ --workers $workers"
    [libuv]="$build/tools/cadre-io-peer-uv --mode echo --port @ --workers $workers"
    [go]="$peers/cadre-io-peer-go -mode echo -port @ -workers $workers"
    [erlang]="erl -noshell +S $workers:$workers -pa $peers -s io_echo main -extra --port @"
)
for impl in cadre libuv go erlang; do
    port=$((port + 1))
    c="${cmd[$impl]//@/$port}"
    bin="${c%% *}"
    if ! command -v "$bin" >/dev/null 2>&1 || { [ "$impl" = erlang ] && [ ! -f "$peers/io_echo.beam" ]; }; then
        echo "io-costs: skipping $impl (not built: run run-io-bench.sh once)" >&2
        continue
    fi
    bash -c "exec $c" >/dev/null 2>&1 &
    pid=$!
    pids+=("$pid")
    sleep 1.5
    "$loadgen" --addr "127.0.0.1:$port" --conns "$conns" --size "$size" --secs 3 --warmup 0.5 \
        --impl "$impl" >"$tmp/$impl.json" 2>/dev/null &
    lg=$!
    sleep 1
    perf stat -x, -p "$pid" -e task-clock,context-switches,raw_syscalls:sys_enter -- sleep 2 \
        2>"$tmp/$impl.stat"
    wait "$lg"
    mps="$(grep -o '"mps":[0-9.]*' "$tmp/$impl.json" | cut -d: -f2)"
    awk -F, -v mps="${mps:-0}" -v impl="$impl" -v n="$conns" -v s="$size" '
        /task-clock/ { cpu = $1 } /context-switches/ { cs = $1 } /sys_enter/ { sc = $1 }
        END {
            m = mps * 2
            if (m <= 0) { printf "%-7s conns=%s size=%s: no messages\n", impl, n, s; exit }
            printf "%-7s conns=%s size=%s %9.0f msg/s  server: %5.1f us CPU, %5.2f syscalls, %5.2f context switches per msg\n",
                impl, n, s, mps, cpu * 1000 / m, sc / m, cs / m
        }' "$tmp/$impl.stat"
    kill "$pid" 2>/dev/null
done
