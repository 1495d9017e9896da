#!/usr/bin/env bash
# Builds and runs Cadre's benchmark peers (docs/benchmarks.md, Peers): the same
# standard workloads written for Go, Erlang/OTP, CAF and rawc (bare pthreads
# plus Cadre's mailbox). Prints every peer's JSON Lines on stdout; progress,
# build logs and skips go to stderr.
#
# usage: run-peers.sh [--workers N] [--quick] [--runs R] [--warmups W] [--only NAMES]
#                     [--peers go,erlang,caf,rawc] [--build-dir DIR]
#                     [--timeout SECS] [size options, e.g. --fjthrput-n 100000]
#
#   --workers N      worker threads of every peer (GOMAXPROCS, erl +S N:N, CAF
#                    scheduler.max-threads, rawc threads); default 2
#   --runs R         timed runs after the warm-ups; default 5
#   --warmups W      untimed runs of each workload before the timed ones, in the
#                    same process; default 1; 0: the process's first run is
#                    timed (rawc: use --placement spread or packed for that)
#   --quick          sizes / 10 (as cadre-bench --quick)
#   --only NAMES     workloads, comma-separated (pingpong,counting,threadring,
#                    fanin,fjthrput,fanout,skynet,big); default all; wakeup (only
#                    when named) is in the Go peer only: --peers go --only wakeup
#   --peers NAMES    peers to run, comma-separated; default go,erlang,caf,rawc
#   --build-dir DIR  where the peers are built (kept between runs: rebuilt only
#                    when a source changed); default <repo>/build/peers
#   --timeout SECS   a peer that runs longer is killed and counted failed
#                    (default 1800)
# Size options (--pingpong-n, --counting-n, ...) are passed to every peer.
#
# Installs nothing: a peer whose toolchain is missing is skipped with a
# message (tools/peers/install-peers.sh installs them). Exit status: 0 if every
# peer that ran passed its checks, 1 otherwise, 2 on a usage error.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

workers=2
runs=5
warmups=1
quick=()
only=()
peers="go,erlang,caf,rawc"
build_dir="$repo/build/peers"
timeout_s=1800
extra=()

usage() {
    sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -uo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

need_value() {
    [ $# -ge 2 ] && [ -n "$2" ] || { echo "run-peers: $1 needs a value" >&2; usage; }
}

while [ $# -gt 0 ]; do
    case "$1" in
        --workers) need_value "$@"; workers="$2"; shift 2 ;;
        --workers=*) workers="${1#*=}"; shift ;;
        --runs) need_value "$@"; runs="$2"; shift 2 ;;
        --runs=*) runs="${1#*=}"; shift ;;
        --warmups) need_value "$@"; warmups="$2"; shift 2 ;;
        --warmups=*) warmups="${1#*=}"; shift ;;
        --quick) quick=(--quick); shift ;;
        --only) need_value "$@"; only=(--only "$2"); shift 2 ;;
        --only=*) only=(--only "${1#*=}"); shift ;;
        --peers) need_value "$@"; peers="$2"; shift 2 ;;
        --peers=*) peers="${1#*=}"; shift ;;
        --build-dir) need_value "$@"; build_dir="$2"; shift 2 ;;
        --build-dir=*) build_dir="${1#*=}"; shift ;;
        --timeout) need_value "$@"; timeout_s="$2"; shift 2 ;;
        --timeout=*) timeout_s="${1#*=}"; shift ;;
        -h|--help) usage ;;
        --*=*) extra+=("$1"); shift ;;
        --*) need_value "$@"; extra+=("$1" "$2"); shift 2 ;;
        *) echo "run-peers: bad argument: $1" >&2; usage ;;
    esac
done

case "$workers" in ''|*[!0-9]*|0) echo "run-peers: bad --workers: $workers" >&2; exit 2 ;; esac
case "$runs" in ''|*[!0-9]*|0) echo "run-peers: bad --runs: $runs" >&2; exit 2 ;; esac
case "$warmups" in ''|*[!0-9]*) echo "run-peers: bad --warmups: $warmups" >&2; exit 2 ;; esac

mkdir -p "$build_dir" || exit 2
build_dir="$(cd "$build_dir" && pwd)"
common=(--workers "$workers" --runs "$runs" --warmups "$warmups" "${quick[@]}" "${only[@]}" "${extra[@]}")

say() { echo "run-peers: $*" >&2; }

# Is $1 missing or older than any of the other files?
stale() {
    local out="$1"; shift
    [ -e "$out" ] || return 0
    local f
    for f in "$@"; do
        [ "$f" -nt "$out" ] && return 0
    done
    return 1
}

# Runs a peer under the timeout; its JSON Lines go to stdout.
run_peer() {
    local name="$1"; shift
    say "running $name: $*"
    local rc
    if command -v timeout >/dev/null 2>&1; then
        timeout --kill-after=10 "$timeout_s" "$@"
        rc=$?
    else
        "$@"
        rc=$?
    fi
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        say "$name: killed after ${timeout_s} s"
    elif [ "$rc" -eq 1 ]; then
        say "$name: a check failed (exit status 1)"
    elif [ "$rc" -ne 0 ]; then
        say "$name: exited with status $rc"
    fi
    return "$rc"
}

# ---- builds: each prints the command line to run, or fails ----------------

build_go() {
    command -v go >/dev/null 2>&1 || { say "skipping go: no 'go' (install golang-go)"; return 1; }
    local out="$build_dir/cadre-peer-go"
    # The standard library only: no module downloads, ever.
    export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
    export GOCACHE="${GOCACHE:-$build_dir/go-cache}"
    export GOPATH="${GOPATH:-$build_dir/go-path}"
    if stale "$out" "$here/go/main.go" "$here/go/go.mod"; then
        say "building go peer"
        (cd "$here/go" && go build -o "$out" .) >&2 || { say "go peer: build failed"; return 1; }
    fi
    echo "$out"
}

build_erlang() {
    command -v erlc >/dev/null 2>&1 && command -v erl >/dev/null 2>&1 ||
        { say "skipping erlang: no 'erlc'/'erl' (install erlang-base)"; return 1; }
    local dir="$build_dir/erlang"
    mkdir -p "$dir"
    if stale "$dir/cadre_peer.beam" "$here/erlang/cadre_peer.erl"; then
        say "building erlang peer"
        erlc -o "$dir" "$here/erlang/cadre_peer.erl" >&2 || { say "erlang peer: build failed"; return 1; }
    fi
    echo "$dir"
}

build_caf() {
    local cxx="${CXX:-g++}"
    command -v "$cxx" >/dev/null 2>&1 || { say "skipping caf: no C++ compiler '$cxx' (install g++)"; return 1; }
    if ! echo '#include <caf/all.hpp>' | "$cxx" -std=c++17 -fsyntax-only -x c++ - >/dev/null 2>&1; then
        say "skipping caf: CAF headers not found (install libcaf-dev)"
        return 1
    fi
    local out="$build_dir/cadre-peer-caf"
    if stale "$out" "$here/caf/caf_peer.cpp"; then
        say "building caf peer"
        "$cxx" -O2 -DNDEBUG -std=c++17 -o "$out" "$here/caf/caf_peer.cpp" -lcaf_core -pthread >&2 ||
            { say "caf peer: build failed (libcaf_core missing?)"; return 1; }
    fi
    echo "$out"
}

build_rawc() {
    command -v cmake >/dev/null 2>&1 || { say "skipping rawc: no cmake"; return 1; }
    local dir="$build_dir/cadre"
    local gen=()
    if [ ! -f "$dir/CMakeCache.txt" ]; then
        command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
        say "configuring Cadre for the rawc peer in $dir"
        cmake -S "$repo" -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCADRE_BUILD_TESTS=OFF \
            -DCADRE_BUILD_SAMPLES=OFF >&2 || { say "rawc peer: cmake configure failed"; return 1; }
    fi
    # Incremental: rebuilds only what changed (rawc_peer.c or Cadre's library).
    cmake --build "$dir" --target cadre-peer-rawc >&2 || { say "rawc peer: build failed"; return 1; }
    echo "$dir/tools/cadre-peer-rawc"
}

# ---- run --------------------------------------------------------------------

status=0
IFS=',' read -r -a peer_list <<<"$peers"
for p in "${peer_list[@]}"; do
    case "$p" in
        go)
            bin="$(build_go)" || continue
            run_peer go "$bin" "${common[@]}" || status=1
            ;;
        erlang)
            dir="$(build_erlang)" || continue
            # +S: schedulers = workers; +P: room for skynet's 1.1 million processes.
            run_peer erlang erl -noshell +S "$workers:$workers" +P 4194304 -pa "$dir" \
                -s cadre_peer main -extra "${common[@]}" || status=1
            ;;
        caf)
            bin="$(build_caf)" || continue
            run_peer caf "$bin" "${common[@]}" || status=1
            ;;
        rawc)
            bin="$(build_rawc)" || continue
            run_peer rawc "$bin" "${common[@]}" || status=1
            ;;
        *)
            say "unknown peer '$p' (go, erlang, caf, rawc)"
            status=2
            ;;
    esac
done
exit "$status"
