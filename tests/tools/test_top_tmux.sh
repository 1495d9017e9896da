#!/usr/bin/env bash
# cadre-top in a real terminal: tmux runs it (120x40) against an endpoint
# and the screen is read back with capture-pane. Checks the header, one
# utilisation line per worker, the first row when sorted by mailbox ('m')
# and by message rate ('r'), every sort key, a resize, the message when the
# endpoint goes away, and that 'q' ends it with status 0. Exit 77 (skipped)
# where tmux is missing.
#
# usage: test_top_tmux.sh CADRE_TOP WORKERS MAILBOX_FIRST RATE_FIRST -- SERVER_CMD...
#   (SERVER_CMD's @SOCK@ is replaced by the socket's path)
set -euo pipefail
command -v tmux >/dev/null || { echo "tmux not installed: skipped"; exit 77; }
top=$1 workers=$2 mailbox_first=$3 rate_first=$4
shift 5
source "$(dirname "$0")/top_common.sh"

tsock="$top_tmp/tmux.sock" # a tmux server of our own, killed at the end
tm() { tmux -S "$tsock" "$@"; }
top_cleanup_more='tmux -S "$tsock" kill-server 2>/dev/null || true'
screen() { tm capture-pane -p -t top; }

# wait_screen SECS REGEX: until the screen matches (grep -E), else fail.
wait_screen() {
	local until=$((SECONDS + $1))
	while [ $SECONDS -lt $until ]; do
		screen >"$top_tmp/screen" 2>/dev/null || true
		grep -Eq -- "$2" "$top_tmp/screen" && return 0
		sleep 0.2
	done
	echo "--- the screen:" >&2
	cat "$top_tmp/screen" >&2
	fail "no '$2' on the screen after $1 s"
}

# first_row: the first line of the actor table.
first_row() { screen | sed -n '/^REF /{n;p;q}'; }

# wait_first SECS NAME: until the table's first row names NAME.
wait_first() {
	local until=$((SECONDS + $1))
	while [ $SECONDS -lt $until ]; do
		first_row | grep -q -- "$2" && return 0
		sleep 0.2
	done
	echo "--- the screen:" >&2
	screen >&2
	fail "the first row is not $2 after $1 s"
}

start_server "$@"
tm -f /dev/null new-session -d -s top -x 120 -y 40 \
	"TERM=xterm '$top' '$sock'; echo \$? >'$top_tmp/rc'; sleep 60"

# The header, with rates once two snapshots were taken.
wait_screen 30 '^cadre-top .* pid [0-9]+ +up [0-9:]+ +actors [0-9]+ +msgs/s [0-9.]+[MG]? +dead letters/s [0-9.]+[MG]? +restarts [0-9]+'
wait_screen 10 '^worker 0 +\[[| ]+\] +[0-9.]+% +runq [0-9]+'
n=$(screen | grep -Ec '^worker [0-9]+ +\[[| ]+\] +[0-9.]+% +runq')
[ "$n" -eq "$workers" ] || { screen >&2; fail "$n worker lines, not $workers"; }
wait_screen 5 '^sort: m mailbox +r msgs/s +c cpu .* q quit'
wait_screen 5 '^REF +BEHAVIOUR +NAME +STATE +MAILBOX +MSGS/S +CPU% +RESTARTS'
echo "header and $n worker lines: ok"

tm send-keys -t top m
wait_screen 5 '\[by mailbox;'
wait_first 15 "$mailbox_first"
echo "sorted by mailbox, first: $(first_row)"

tm send-keys -t top r
wait_screen 5 '\[by rate;'
wait_first 15 "$rate_first"
echo "sorted by rate, first: $(first_row)"

for k in c n s b x; do # every sort key is taken and said
	tm send-keys -t top "$k"
	wait_screen 5 '\[by [a-z]+;'
done

# Resize-safe: a small window, then a large one; the header stays.
tm resize-window -t top -x 50 -y 8
wait_screen 5 '^cadre-top  pid'
[ "$(screen | wc -l)" -le 8 ] || fail "more lines than the window has"
tm resize-window -t top -x 200 -y 60
wait_screen 5 '^REF +BEHAVIOUR'
echo "resized to 50x8 and 200x60: ok"

stop_server
wait_screen 15 'endpoint .* is gone|lost the endpoint'
echo "endpoint gone: $(grep -E 'is gone|lost the' "$top_tmp/screen")"

tm send-keys -t top q
for _ in $(seq 1 50); do
	[ -s "$top_tmp/rc" ] && break
	sleep 0.2
done
[ -s "$top_tmp/rc" ] || fail "'q' did not end cadre-top"
[ "$(cat "$top_tmp/rc")" = 0 ] || fail "cadre-top exited with $(cat "$top_tmp/rc")"
echo "q: exited 0"
echo PASS
