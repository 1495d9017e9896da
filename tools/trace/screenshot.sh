#!/usr/bin/env bash
# The picture in docs/img/trace.png: the fan-in sample records the first
# 2 ms of its scheduling trace, tools/trace/trace_view.py draws 400 us of it
# on a static page, and headless Chromium (Debian's `chromium`) takes the
# screenshot. The sample's file is checked first (check_trace.py).
#
# usage: tools/trace/screenshot.sh [BUILD_DIR] [OUT.png]
#        (defaults: build/release, docs/img/trace.png)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build/release}
out=${2:-docs/img/trace.png}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/samples/sample_fanin" "$tmp/fanin.json" >/dev/null
python3 "$here/check_trace.py" "$tmp/fanin.json" --allow-open >/dev/null
python3 "$here/trace_view.py" "$tmp/fanin.json" "$tmp/fanin.html" --window-us 400
mkdir -p "$(dirname "$out")"
chromium --headless --disable-gpu --no-sandbox --hide-scrollbars \
	--screenshot="$(realpath -m "$out")" --window-size=1600,900 "file://$tmp/fanin.html" \
	>/dev/null 2>&1
ls -l "$out"
