#!/usr/bin/env bash
# The Prometheus endpoint (cadre_config.metrics_address), scraped with curl:
# the exposition checked by check_metrics.py (format, names, types, one
# sample per worker, the sent counter = what the program sent, plus the
# scrape's own I/O events); 404, 405 and 400 for other paths, methods and
# garbage; hostile input (a huge head, binary junk, a client that sends
# half a head and goes or waits) never hurts the system: it still answers
# (a silent client is let go after 5 s), and its counters still add up
# when it stops (metrics_target exits 0).
#
# usage: test_metrics.sh METRICS_TARGET
set -euo pipefail
target=$1
here=$(dirname "$0")
command -v curl >/dev/null || { echo "curl not installed: skipped"; exit 77; }
tmp=$(mktemp -d /tmp/cadre-metrics-test.XXXXXX)
pid=""
cleanup() {
	exec 3>&- 2>/dev/null || true
	[ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$target" bad || fail "cadre_system_new took a bad metrics address"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
addr="127.0.0.1:$port"
n=5000
mkfifo "$tmp/ctl"
"$target" "$addr" "$n" <"$tmp/ctl" >"$tmp/out" 2>&1 &
pid=$!
exec 3>"$tmp/ctl" # its stdin: closed at the end to stop it
for _ in $(seq 1 200); do
	grep -q '^ready' "$tmp/out" && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/out" >&2; fail "metrics_target exited"; }
	sleep 0.1
done
grep -q "^ready sent=$n\$" "$tmp/out" || fail "not ready, or sent is not $n: $(cat "$tmp/out")"

# scrape URL OUT: the body to OUT, the status code printed.
scrape() { curl -sS --max-time 10 -o "$2" -w '%{http_code} %{content_type}' "http://$addr$1"; }

got=$(scrape /metrics "$tmp/m1")
[ "${got%% *}" = 200 ] || fail "GET /metrics: $got"
case "$got" in *"text/plain; version=0.0.4"*) ;; *) fail "content type: $got" ;; esac
# The scrape's own connection sends a few I/O events (accepted, data) to
# the endpoint's actor before the text is made: at most 8.
python3 "$here/check_metrics.py" "$tmp/m1" --workers 2 --sent-min "$n" --sent-max $((n + 8)) \
	>"$tmp/s1" || fail "the exposition does not check (see above)"
echo "GET /metrics: 200, $(wc -l <"$tmp/s1") samples, $(grep -c '^# TYPE' "$tmp/m1") families: ok"
grep '^cadre_messages_sent_total\|^cadre_worker_busy_seconds_total\|^cadre_actors{' "$tmp/s1"

[ "$(scrape /other "$tmp/x")" = "404 text/plain" ] || fail "GET /other is not 404"
[ "$(curl -sS -o /dev/null -w '%{http_code}' -X POST "http://$addr/metrics")" = 405 ] ||
	fail "POST is not 405"
echo "404 and 405: ok"

# Raw bytes: the first status line the server answers, or "closed".
python3 - "$port" <<'PY' || fail "hostile input"
import socket, sys
port = int(sys.argv[1])

def talk(data, shut=True):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
        return out.split(b"\r\n", 1)[0].decode("latin-1") or "closed"
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    finally:
        s.close()

cases = [
    (b"garbage\r\n\r\n", "HTTP/1.1 400"),
    (b"GET /metrics\r\n\r\n", "HTTP/1.1 400"),
    (b"GET  HTTP/1.1\r\n\r\n", "HTTP/1.1 400"),
    (b"\x00\xff\x13\x10" * 1000 + b"\r\n\r\n", "HTTP/1.1 400"),
    (b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n", "HTTP/1.1 431"),
    (b"GET /metr", "closed"),  # half a head, then the client goes
    (b"", "closed"),
]
for data, want in cases:
    got = talk(data)
    ok = got.startswith(want)
    print("%-40r -> %-40s %s" % (data[:30], got, "ok" if ok else "WRONG, want " + want))
    if not ok:
        sys.exit(1)
# A client that sends half a head and waits: the server ends the
# connection after its 5 s limit (the test allows 20 s).
import time
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.sendall(b"GET /metrics HTTP/1.1\r\n")
t0 = time.monotonic()
try:
    end = s.recv(100)
except ConnectionResetError:
    end = b""
took = time.monotonic() - t0
s.close()
print("a silent client: %r after %.1f s %s" % (end, took, "ok" if end == b"" else "WRONG"))
if end != b"":
    sys.exit(1)
# Many clients that connect and say nothing, then go.
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
for s in socks:
    s.close()
PY

got=$(scrape /metrics "$tmp/m2")
[ "${got%% *}" = 200 ] || fail "GET /metrics after the hostile input: $got"
python3 "$here/check_metrics.py" "$tmp/m2" --workers 2 >/dev/null || fail "the second exposition"
echo "after hostile input: still answering: ok"

exec 3>&-
rc=0
wait "$pid" || rc=$?
pid=""
cat "$tmp/out"
[ "$rc" -eq 0 ] || fail "metrics_target exited $rc"
echo PASS
