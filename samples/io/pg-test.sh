#!/usr/bin/env bash
# Runs the PostgreSQL sample (sample_pg_query) against a throwaway cluster:
# initdb into a temporary directory, a server listening only on a Unix
# socket in that directory, the sample, then the server stopped and the
# directory removed. Run as root, the server runs as the user `postgres`
# (Debian's package makes it) or, failing that, as `nobody`.
#
# Usage: samples/io/pg-test.sh PATH/TO/sample_pg_query
# Exit status: the sample's; 77 (ctest: skipped) when PostgreSQL's server
# binaries are not installed (Debian: apt-get install postgresql).
set -euo pipefail
sample=${1:?usage: pg-test.sh PATH/TO/sample_pg_query}

# CADRE_PG_ROOT: where Debian's versioned server directories are (a test
# of the skip sets it to a directory without them).
bindir=""
for d in $(ls -d "${CADRE_PG_ROOT:-/usr/lib/postgresql}"/*/bin 2>/dev/null | sort -V); do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && bindir=$d
done
if [ -z "$bindir" ] && [ -z "${CADRE_PG_ROOT:-}" ] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
	bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ]; then
	echo "pg-test: SKIPPED: PostgreSQL's server binaries (initdb, pg_ctl) are not installed" \
	     "(Debian: apt-get install postgresql)" >&2
	exit 77
fi

as=()
if [ "$(id -u)" -eq 0 ]; then
	user=postgres
	id -u "$user" >/dev/null 2>&1 || user=nobody
	as=(runuser -u "$user" --)
fi

tmp=$(mktemp -d /tmp/cadre-pg-XXXXXX)
[ ${#as[@]} -eq 0 ] || chown "$user" "$tmp"
stop() {
	"${as[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap stop EXIT

"${as[@]}" "$bindir/initdb" -D "$tmp/data" -A trust -U postgres --no-sync -E UTF8 \
	>"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
"${as[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
	-o "-k $tmp -c listen_addresses= -p 5432 -c fsync=off" start >/dev/null ||
	{ cat "$tmp/server.log" >&2; exit 1; }

"$sample" "host=$tmp port=5432 user=postgres dbname=postgres connect_timeout=10"
