# What the cadre-top tests share: a scratch folder, an endpoint server
# started in the background (its command line's @SOCK@ replaced by the
# socket's path) and cleaned up on exit, and waiting for the socket.
# Sourced by test_top_tmux.sh and test_top_once.sh.

top_tmp=$(mktemp -d /tmp/cadre-top-test.XXXXXX)
sock="$top_tmp/observe.sock"
server_pid=""
top_cleanup_more=":"

top_cleanup() {
	eval "$top_cleanup_more"
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$top_tmp"
}
trap top_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# start_server CMD...: runs CMD with @SOCK@ replaced, waits for the socket.
start_server() {
	local args=()
	for a in "$@"; do args+=("${a//@SOCK@/$sock}"); done
	"${args[@]}" >"$top_tmp/server.out" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 200); do
		[ -S "$sock" ] && return 0
		kill -0 "$server_pid" 2>/dev/null || { cat "$top_tmp/server.out" >&2; fail "the server exited"; }
		sleep 0.1
	done
	fail "no socket at $sock after 20 s"
}

# stop_server: SIGTERM; a Cadre program stops cleanly (exit 0), the
# stand-in dies of the signal (143); anything else (a sanitizer's report, a
# crash) fails the test.
stop_server() {
	local rc=0
	kill "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || rc=$?
	server_pid=""
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 143 ]; then
		cat "$top_tmp/server.out" >&2
		fail "the server exited with $rc"
	fi
}
