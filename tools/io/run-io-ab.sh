#!/usr/bin/env bash
# run-io-ab.sh: the I/O engine's poller A/B (docs/performance.md, "The
# poller: I/O thread or workers"). The same echo server binary is started
# with CADRE_IO_POLLER=thread (design A, one I/O thread) and
# CADRE_IO_POLLER=worker (design B, the worker poller), alternating the
# order every round, and loaded by cadre-loadgen; then each back end
# holds idle connections while the load generator reads its CPU time.
#
#   tools/io/run-io-ab.sh --server PATH [--loadgen PATH] [--rounds R]
#                         [--conns 1,64,1000] [--sizes 64,4096] [--secs S]
#                         [--workers W] [--idle-conns N] [--idle-secs S]
#                         [--port P]
#
#   --server PATH   an echo server taking --port P --workers W and serving
#                   until SIGTERM: the echo sample (samples/io/echo.c)
#   --loadgen PATH  default build/release/tools/cadre-loadgen
#   --rounds R      rounds (default 3); each round runs every (N, S) once
#                   per back end, in alternating order
#   --secs S        seconds per measured run (default 3; warm-up 0.5 s)
#
# Output: every run's JSON line (cadre-loadgen's, impl "cadre-thread" or
# "cadre-worker") on stdout; on stderr, per (N, S), the median msg/s and
# p99 of each back end over the rounds and the ratio worker / thread, then
# the idle test's CPU seconds per back end. Quote the ratios: the load
# generator shares the cores with the server.
set -euo pipefail

server="" loadgen="build/release/tools/cadre-loadgen"
rounds=3 conns="1,64,1000" sizes="64,4096" secs=3 workers=2
idle_conns=1000 idle_secs=5 port=7311

usage() { sed -n '2,26p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case "$1" in
    --server) server="$2" ;;
    --loadgen) loadgen="$2" ;;
    --rounds) rounds="$2" ;;
    --conns) conns="$2" ;;
    --sizes) sizes="$2" ;;
    --secs) secs="$2" ;;
    --workers) workers="$2" ;;
    --idle-conns) idle_conns="$2" ;;
    --idle-secs) idle_secs="$2" ;;
    --port) port="$2" ;;
    *) usage ;;
    esac
    shift 2
done
[ -n "$server" ] && [ -x "$server" ] || { echo "run-io-ab: --server PATH needed" >&2; usage; }
[ -x "$loadgen" ] || { echo "run-io-ab: no load generator at $loadgen" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || true

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
spid=""

start_server() { # $1: back end
    CADRE_IO_POLLER="$1" "$server" --port "$port" --workers "$workers" 2>/dev/null &
    spid=$!
    for _ in $(seq 50); do # until it listens
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "run-io-ab: the server did not listen on $port" >&2
    exit 1
}
# The server's CPU time (ticks) and context switches, all threads.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$spid/stat"; }
ctx_switches() { cat /proc/"$spid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'; }
stop_server() { kill -TERM "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; }

IFS=, read -r -a clist <<<"$conns"
IFS=, read -r -a slist <<<"$sizes"
for r in $(seq "$rounds"); do
    order="thread worker"
    [ $((r % 2)) -eq 0 ] && order="worker thread"
    for n in "${clist[@]}"; do
        for s in "${slist[@]}"; do
            for b in $order; do
                start_server "$b"
                c0="$(cpu_ticks)" x0="$(ctx_switches)"
                line="$("$loadgen" --addr "127.0.0.1:$port" --conns "$n" --size "$s" \
                    --secs "$secs" --warmup 0 --impl "cadre-$b" --workers "$workers" 2>/dev/null)"
                c1="$(cpu_ticks)" x1="$(ctx_switches)"
                stop_server
                # + the server's CPU and context switches per message over the
                # run (no warm-up, so every message is counted but the last
                # in flight)
                echo "$line" | awk -v c="$((c1 - c0))" -v x="$((x1 - x0))" -v hz="$(getconf CLK_TCK)" '
                    { m = match($0, /"msgs":[0-9]+/) ? substr($0, RSTART + 7, RLENGTH - 7) + 0 : 0
                      sub(/}$/, sprintf(",\"server_cpu_us_per_msg\":%.3f,\"server_cs_per_msg\":%.3f}",
                          m ? c * 1e6 / hz / m : 0, m ? x / m : 0)); print }' | tee -a "$out"
            done
        done
    done
done
for b in thread worker; do
    start_server "$b"
    "$loadgen" --addr "127.0.0.1:$port" --conns "$idle_conns" --idle "$idle_secs" \
        --server-pid "$spid" --impl "cadre-$b" --workers "$workers" 2>/dev/null | tee -a "$out"
    stop_server
done

# Medians per (impl, conns, size), then worker / thread.
awk '
function num(k,   m) { return match($0, "\"" k "\":[-0-9.e+]+") ? substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3) + 0 : -1 }
function str(k) { return match($0, "\"" k "\":\"[^\"]*\"") ? substr($0, RSTART + length(k) + 4, RLENGTH - length(k) - 5) : "" }
function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
/"bench":"echo"/ {
    k = num("conns") " " num("size"); b = str("impl")
    mps[b, k] = mps[b, k] " " num("mps"); p99[b, k] = p99[b, k] " " num("p99_ns")
    cpu[b, k] = cpu[b, k] " " num("server_cpu_us_per_msg"); cs[b, k] = cs[b, k] " " num("server_cs_per_msg")
    # Rounds pair the two back ends run one after the other: their ratio.
    if (b == "cadre-thread") last_t[k] = num("mps"); else last_w[k] = num("mps")
    if (++half[k] % 2 == 0) ratios[k] = ratios[k] " " last_w[k] / last_t[k]
    if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
}
/"bench":"idle_conns"/ { idle[str("impl")] = $0 }
END {
    printf "%6s %6s %12s %12s %6s %6s %10s %10s %6s %9s %9s %8s %8s\n", "conns", "size", "thread msg/s", "worker msg/s", "w/t", "paired", "thread p99", "worker p99", "w/t", "thread us", "worker us", "thread cs", "worker cs" > "/dev/stderr"
    for (i = 1; i <= nk; i++) {
        k = keys[i]; split(k, f, " ")
        ta = median(mps["cadre-thread", k]); wa = median(mps["cadre-worker", k])
        tp = median(p99["cadre-thread", k]); wp = median(p99["cadre-worker", k])
        printf "%6d %6d %12.0f %12.0f %6.2f %6.2f %8.0fus %8.0fus %6.2f %9.2f %9.2f %8.2f %8.2f\n", f[1], f[2], ta, wa, (ta > 0 ? wa / ta : 0), median(ratios[k]), tp / 1000, wp / 1000, (tp > 0 ? wp / tp : 0), median(cpu["cadre-thread", k]), median(cpu["cadre-worker", k]), median(cs["cadre-thread", k]), median(cs["cadre-worker", k]) > "/dev/stderr"
    }
    print "(w/t: of the medians; paired: the median over rounds of worker / thread; us, cs: server CPU microseconds and context switches per message)" > "/dev/stderr"
    for (b in idle) print "idle " b ": " idle[b] > "/dev/stderr"
}' "$out"
