#!/bin/sh
# plot.sh: plots JSON Lines from cadre-bench and its peers (docs/benchmarks.md).
#
#   tools/lab/plot.sh [-o DIR] [-w WORKERS] FILE.jsonl...
#
# Writes, as PNG and SVG, into DIR (default ./plots):
#   bars.{png,svg}            msgs/s per workload, one bar per impl (log scale), at
#                             WORKERS workers (default: the most each impl ran with)
#   scaling-IMPL.{png,svg}    per impl with runs at several --workers: msgs/s
#                             against workers, one line per workload, as speedup
#                             over the fewest workers measured
# plus the gnuplot data and scripts it used (*.dat, *.gp). Only lines with
# "check":"ok" and a rate count (idle and stress have none). Lines for the
# same (bench, impl, workers) in several files: the last one wins.
# Needs gnuplot (Debian gnuplot-nox) and python3.
set -eu

out=plots
workers=
while getopts o:w:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	w) workers=$OPTARG ;;
	*) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "plot.sh: no input files (plot.sh -h)" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot missing (apt-get install gnuplot-nox)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "plot.sh: python3 missing" >&2; exit 1; }
mkdir -p "$out"

# JSON Lines -> gnuplot data: bars.dat (a table: bench, then one column per
# impl) and scaling-IMPL.dat (per bench, a block of "workers mps speedup").
python3 - "$out" "$workers" "$@" <<'PY'
import json, sys
out, want_w, files = sys.argv[1], sys.argv[2], sys.argv[3:]
res = {}  # (bench, impl, workers) -> mps
order = []
for f in files:
    with open(f) as fh:
        for line in fh:
            line = line.strip()
            if not line.startswith('{'):
                continue
            try:
                d = json.loads(line)
            except ValueError:
                continue
            b, i = d.get('bench'), d.get('impl')
            if d.get('check') != 'ok' or b in ('idle', 'stress') or not d.get('mps'):
                continue
            key = (b, i, int(d.get('workers', 0)))
            res[key] = float(d['mps'])
            if b not in order:
                order.append(b)
if not res:
    sys.exit('plot.sh: no usable line ("check":"ok" with a rate) in ' + ' '.join(files))
impls = sorted({i for (_, i, _) in res}, key=lambda s: (s != 'cadre', s))
# Bars: per impl, at want_w workers or the most it ran with.
def at(b, i):
    ws = [w for (bb, ii, w) in res if bb == b and ii == i]
    if not ws:
        return None
    w = int(want_w) if want_w else max(ws)
    return res.get((b, i, w))
with open(out + '/bars.dat', 'w') as fh:
    fh.write('bench ' + ' '.join('"%s"' % i for i in impls) + '\n')
    for b in order:
        fh.write(b + ' ' + ' '.join('%.1f' % v if v else '-' for v in (at(b, i) for i in impls)) + '\n')
with open(out + '/impls.txt', 'w') as fh:
    fh.write(' '.join(impls) + '\n')
# Scaling, per impl: the benches measured at two or more worker counts.
scal = []
for i in impls:
    blocks = []
    for b in order:
        pts = sorted((w, m) for (bb, ii, w), m in res.items() if bb == b and ii == i)
        if len(pts) >= 2:
            blocks.append((b, pts))
    if not blocks:
        continue
    scal.append(i)
    with open(out + '/scaling-%s.dat' % i, 'w') as fh:
        for b, pts in blocks:
            fh.write('# %s\n"%s"\n' % (b, b))
            w0, m0 = pts[0]
            for w, m in pts:
                fh.write('%d %.1f %.4f\n' % (w, m, m / m0))
            fh.write('\n\n')
    with open(out + '/scaling-%s.blocks' % i, 'w') as fh:
        ws = [w for _, p in blocks for w, _ in p]
        fh.write('%d %d %d\n' % (len(blocks), max(ws), min(ws)))
with open(out + '/scaling.txt', 'w') as fh:
    fh.write(' '.join(scal) + '\n')
PY

nimpl=$(wc -w <"$out/impls.txt")
nbench=$(($(wc -l <"$out/bars.dat") - 1))
wlabel=${workers:-most}
# Wide enough for the labels: about 60 pixels per workload.
width=$((nbench * 60 * (nimpl > 2 ? nimpl : 2) / 2 + 200))
[ "$width" -ge 800 ] || width=800

for fmt in png svg; do
	case $fmt in
	png) term="pngcairo size $width,600 font 'Sans,10'" ;;
	svg) term="svg size $width,600 font 'Sans,10' dynamic" ;;
	esac
	cat >"$out/bars-$fmt.gp" <<GP
set terminal $term
set output '$out/bars.$fmt'
set title "msgs/s per workload (workers: $wlabel; higher is better)"
set datafile missing '-'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set format y '10^{%T}'
set yrange [1:*]
set ylabel 'msgs/s (log)'
set grid ytics mytics
set xtics rotate by -35 noenhanced
set key top right noenhanced
plot for [c=2:$((nimpl + 1))] '$out/bars.dat' using c:xtic(1) title columnheader(c)
GP
	gnuplot "$out/bars-$fmt.gp"

	for impl in $(cat "$out/scaling.txt"); do
		read -r nb maxw minw <"$out/scaling-$impl.blocks"
		cat >"$out/scaling-$impl-$fmt.gp" <<GP
set terminal $(echo "$term" | sed "s/size [0-9]*,600/size 900,600/")
set output '$out/scaling-$impl.$fmt'
set title "$impl: speedup over the fewest workers measured (msgs/s ratio)" noenhanced
set xlabel 'workers'
set ylabel 'speedup'
set xrange [0.8:$maxw + 0.2]
set xtics 1
set yrange [0:*]
set grid
set key outside right top noenhanced
plot for [k=0:$((nb - 1))] '$out/scaling-$impl.dat' index k using 1:3 with linespoints lw 2 lc (k % 8 + 1) dt k / 8 + 1 pt (k < 8 ? 7 : 5) title columnheader(1), \\
     x / $minw title 'linear' with lines dt 3 lc rgb 'gray'
GP
		gnuplot "$out/scaling-$impl-$fmt.gp"
	done
done
ls "$out"/*.png "$out"/*.svg
