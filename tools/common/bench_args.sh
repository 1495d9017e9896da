# Cadre's benchmark scripts (tools/io/run-io-bench.sh,
# tools/dist/run-dist-bench.sh): the option helpers they share. Source it
# after setting `prog` (the script's name, for messages); the script's
# usage text is its header comment, from line 2 to its `set -uo` line.

# Prints the script's header comment on stderr and exits 2.
usage() {
    sed -n '2,/^set -uo/p' "$0" | sed -e '/^set -uo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

# need_value OPTION "$@": an option that takes a value has one.
need_value() {
    [ $# -ge 2 ] && [ -n "$2" ] || { echo "$prog: $1 needs a value" >&2; usage; }
}
