#!/bin/sh
# plot.sh: charts of JSON Lines from cadre-bench and its peers (docs/benchmarks.md).
#
#   tools/lab/plot.sh [-o DIR] [-w WORKERS] [-d DATE] [-n NOTE] FILE.jsonl...
#
# Writes, as PNG and SVG, into DIR (default ./plots):
#   ratios.{png,svg}   Cadre's msgs/s divided by each peer's (go, erlang, caf,
#                      rawc: those present), per workload, grouped bars that
#                      start at the 1x line (up: Cadre faster, down: the peer
#                      faster), each labelled with its ratio, on a log2 axis
#                      that spans only the ratios measured. At WORKERS workers
#                      (default: the most workers at which Cadre and a peer
#                      both ran). Workloads that no peer ran are left out.
#   scaling.{png,svg}  Cadre's speedup against workers (msgs/s over its msgs/s
#                      at the fewest workers measured), one line per workload
#                      measured at two or more worker counts, the legend in
#                      the order of the last point, and the ideal (linear)
#                      scaling as a dashed line.
# plus the gnuplot data and scripts it used (*.dat, *.gp). Titles name the
# worker count, the input files and DATE (default: the newest input file's
# modification date); NOTE (e.g. "--runs 3, full sizes") goes under them.
# Only lines with "check":"ok" and a rate count (idle and stress have none);
# for the same (bench, impl, workers) in several files, the last one wins. A
# chart with no data (no peer at Cadre's worker count, or no workload at two
# worker counts) is skipped with a message.
# Needs gnuplot (Debian gnuplot-nox) and python3.
set -eu

out=plots
workers=
date=
note=
while getopts o:w:d:n:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	w) workers=$OPTARG ;;
	d) date=$OPTARG ;;
	n) note=$OPTARG ;;
	*) sed -n '2,27s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "plot.sh: no input files (plot.sh -h)" >&2; exit 2; }
case $workers in *[!0-9]*) echo "plot.sh: bad -w: $workers" >&2; exit 2 ;; esac
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot missing (apt-get install gnuplot-nox)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "plot.sh: python3 missing" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/ratios*.gp "$out"/scaling*.gp

# JSON Lines -> gnuplot data and scripts (ratios.dat / -png.gp / -svg.gp,
# scaling.dat / ...). The scripts are written here, in Python, because their
# ranges, tics and sizes depend on the data.
python3 - "$out" "$workers" "$date" "$note" "$@" <<'PY'
import datetime, json, math, os, sys

out, want_w, date, note, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
res = {}    # (bench, impl, workers) -> mps
origin = {} # (bench, impl, workers) -> the file it came from
order = []  # benches, in the order first seen
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
            res[(b, i, int(d.get('workers', 0)))] = float(d['mps'])
            origin[(b, i, int(d.get('workers', 0)))] = f
            if b not in order:
                order.append(b)
if not res:
    sys.exit('plot.sh: no usable line ("check":"ok" with a rate) in ' + ' '.join(files))
if not date:
    date = datetime.date.fromtimestamp(max(os.path.getmtime(f) for f in files)).isoformat()

def subtitle(keys, width):
    # The note, the files the chart's points came from and the date, in
    # lines that fit the chart's width (about 8 pixels a character, with room).
    used = [f for f in files if any(origin[k] == f for k in keys)]
    words = ([note + ';'] if note else []) + ['data:'] + \
        [os.path.basename(f) + ',' for f in used[:-1]] + [os.path.basename(used[-1])] + \
        ['(%s)' % date]
    lines, cur = [], ''
    for wd in words:
        if cur and len(cur) + 1 + len(wd) > width // 8:
            lines.append(cur)
            cur = wd
        else:
            cur = cur + ' ' + wd if cur else wd
    return '\n'.join(lines + [cur])

def gp_str(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'

def terms(width, height):
    # (format, terminal) pairs: the PNG and the SVG of one chart.
    return [('png', "pngcairo size %d,%d font 'Sans,10'" % (width, height)),
            ('svg', "svg size %d,%d dynamic font 'Sans,10'" % (width, height))]

def write_gp(name, width, height, body):
    for fmt, term in terms(width, height):
        with open('%s/%s-%s.gp' % (out, name, fmt), 'w') as fh:
            fh.write('set terminal %s\nset output %s\n' % (term, gp_str('%s/%s.%s' % (out, name, fmt))))
            fh.write(body)

def fmt_ratio(r):
    return '%.2f' % r if r < 0.995 else '%.1f' % r if r < 9.95 else '%.0f' % r

# ---- ratios: Cadre / peer at one worker count ----------------------------
KNOWN = ['go', 'erlang', 'caf', 'rawc']
COLOUR = {'go': '#0087b3', 'erlang': '#a90533', 'caf': '#e69f00', 'rawc': '#7f7f7f'}
peers_all = sorted({i for (_, i, _) in res if i != 'cadre'},
                   key=lambda s: (KNOWN.index(s) if s in KNOWN else len(KNOWN), s))
ws = sorted({w for (b, i, w) in res if i == 'cadre'
             and any((b, p, w) in res for p in peers_all)})
w = int(want_w) if want_w else (ws[-1] if ws else None)
groups = []  # (bench, {peer: ratio})
if w is not None:
    for b in order:
        c = res.get((b, 'cadre', w))
        r = {p: c / res[(b, p, w)] for p in peers_all if c and (b, p, w) in res}
        if r:
            groups.append((b, r))
if not groups:
    print('plot.sh: no ratio chart: no workload that Cadre and a peer both ran at %s workers'
          % (w if w is not None else 'the same number of'), file=sys.stderr)
else:
    peers = [p for p in peers_all if any(p in r for _, r in groups)]
    np_ = len(peers)
    slot = 0.8 / np_   # each bar's share of a group (a group is 1 wide)
    vals = [v for _, r in groups for v in r.values()]
    lo, hi = min(vals + [1.0]), max(vals + [1.0])
    # The axis spans the data and room for the labels, in whole half-octaves.
    ylo = 2 ** (math.floor(2 * math.log2(lo / 1.3)) / 2)
    yhi = 2 ** (math.ceil(2 * math.log2(hi * 1.25)) / 2)
    tics = []
    for k in range(math.floor(math.log2(ylo)), math.ceil(math.log2(yhi)) + 1):
        for t in ([2.0 ** k, 1.5 * 2.0 ** k] if math.log2(yhi / ylo) <= 5 else [2.0 ** k]):
            if ylo <= t <= yhi:
                tics.append(t)
    with open(out + '/ratios.dat', 'w') as fh:
        # One block per peer: x y xlow xhigh ylow yhigh label (a bar from
        # 1x to the ratio y, centred on x).
        for k, p in enumerate(peers):
            fh.write('# %s\n' % p)
            for g, (b, r) in enumerate(groups):
                if p not in r:
                    continue
                v = r[p]
                x = g - 0.4 + slot * (k + 0.5)
                fh.write('%.4f %.5f %.4f %.4f %.5f %.5f "%s"\n'
                         % (x, v, x - slot * 0.46, x + slot * 0.46, min(v, 1.0), max(v, 1.0),
                            fmt_ratio(v)))
            fh.write('\n\n')
    width = max(760, 110 + len(groups) * (np_ * 34 + 40) + 60)
    label_font = 9 if np_ <= 3 else 8
    body = []
    sub = subtitle([(b, i, w) for b, r in groups for i in ['cadre'] + list(r)], width)
    body.append('set title %s noenhanced' % gp_str(
        "Cadre's throughput relative to each peer, %d worker%s: Cadre msgs/s / peer msgs/s\n%s"
        % (w, '' if w == 1 else 's', sub)))
    body.append('set bmargin 4')
    body.append('set key outside bottom center horizontal noenhanced samplen 1.5 width 1')
    body.append('set logscale y 2')
    body.append('set yrange [%g:%g]' % (ylo, yhi))
    body.append('set ytics (%s)' % ', '.join('"%sx" %g' % (('%g' % t), t) for t in tics))
    body.append('set mytics 1')
    body.append('set grid ytics lc rgb "#dddddd" lt 1')
    body.append('set ylabel "up: Cadre faster; down: the peer faster (log scale)"')
    body.append('set xrange [-0.55:%g]' % (len(groups) - 0.45))
    body.append('set xtics (%s) scale 0 noenhanced font \',10\'' % ', '.join(
        '%s %d' % (gp_str(b), g) for g, (b, _) in enumerate(groups)))
    for g in range(1, len(groups)):
        body.append('set arrow from %g, graph 0 to %g, graph 1 nohead lc rgb "#eeeeee" lt 1 back'
                    % (g - 0.5, g - 0.5))
    body.append('set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "black" front')
    body.append('set label 2 "1x" at graph 1, first 1 offset 0.6, 0 left font \',10\'')
    body.append('set rmargin 5')
    body.append('set style fill solid 0.9 border rgb "#333333"')
    plots = []
    for k, p in enumerate(peers):
        plots.append("'%s/ratios.dat' index %d using 1:2:3:4:5:6 with boxxyerror lc rgb %s "
                     "title %s" % (out, k, gp_str(COLOUR.get(p, '#4daf4a')),
                                   gp_str('vs ' + p)))
    # Each bar's ratio, beyond its end: above a bar that goes up, below one
    # that goes down.
    for k, p in enumerate(peers):
        plots.append("'%s/ratios.dat' index %d using 1:($2 >= 1 ? $2 : NaN):7 with labels "
                     "offset 0, 0.55 font ',%d' notitle" % (out, k, label_font))
        plots.append("'%s/ratios.dat' index %d using 1:($2 < 1 ? $2 : NaN):7 with labels "
                     "offset 0, -0.55 font ',%d' notitle" % (out, k, label_font))
    body.append('plot ' + ', \\\n     '.join(plots))
    write_gp('ratios', width, 520, '\n'.join(body) + '\n')

# ---- scaling: Cadre's speedup against workers ------------------------------
blocks = []  # (bench, [(workers, mps, speedup)])
for b in order:
    pts = sorted((ww, m) for (bb, ii, ww), m in res.items() if bb == b and ii == 'cadre')
    if len(pts) >= 2:
        blocks.append((b, [(ww, m, m / pts[0][1]) for ww, m in pts]))
if not blocks:
    print('plot.sh: no scaling chart: no Cadre workload measured at two or more worker counts',
          file=sys.stderr)
else:
    blocks.sort(key=lambda bp: -bp[1][-1][2])  # the legend top-down as the lines end
    wall = sorted({ww for _, p in blocks for ww, _, _ in p})
    minw, maxw = wall[0], wall[-1]
    top = max([maxw / minw] + [s for _, p in blocks for _, _, s in p])
    low = min(s for _, p in blocks for _, _, s in p)
    ybot = max(0.0, min(0.5, math.floor(low * 0.85 * 4) / 4))
    with open(out + '/scaling.dat', 'w') as fh:
        for b, pts in blocks:
            fh.write('# %s\n"%s (%.2fx)"\n' % (b, b, pts[-1][2]))
            for ww, m, s in pts:
                fh.write('%d %.1f %.4f\n' % (ww, m, s))
            fh.write('\n\n')
        fh.write('# ideal\n"ideal (linear)"\n')
        for ww in wall:
            fh.write('%d 0 %.4f\n' % (ww, ww / minw))
    logx = maxw / minw >= 8
    body = []
    sub = subtitle([(b, 'cadre', ww) for b, p in blocks for ww, _, _ in p], 960)
    body.append('set title %s noenhanced' % gp_str(
        "Cadre: speedup over %d worker%s, per workload (msgs/s at N workers / msgs/s at %d)\n%s"
        % (minw, '' if minw == 1 else 's', minw, sub)))
    body.append('set xlabel "workers"')
    body.append('set ylabel "speedup (1 = as fast as with %d)"' % minw)
    if logx:
        body.append('set logscale x 2')
        body.append('set xrange [%g:%g]' % (minw / 1.15, maxw * 1.15))
    else:
        body.append('set xrange [%g:%g]' % (minw - 0.15, maxw + 0.15))
    body.append('set xtics (%s)' % ', '.join('"%d" %d' % (ww, ww) for ww in wall))
    body.append('set yrange [%g:%g]' % (ybot, math.ceil(top * 1.1 * 4) / 4))
    body.append('set grid lc rgb "#dddddd" lt 1')
    body.append('set key outside right top noenhanced spacing 1.1 '
                'title "speedup at %d, top down"' % maxw)
    body.append('set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb "#555555" lw 1 back')
    # Distinct at a glance: 8 colours, then dash patterns and point shapes.
    cols = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#0087b3']
    plots = []
    for k, (b, _) in enumerate(blocks):
        plots.append("'%s/scaling.dat' index %d using 1:3 with linespoints lw 2 lc rgb '%s' "
                     "dt %d pt %d ps 1.2 title columnheader(1)"
                     % (out, k, cols[k % 8], k // 8 + 1, [7, 5, 9, 13][(k // 8) % 4]))
    plots.append("'%s/scaling.dat' index %d using 1:3 with lines dt 2 lw 2 lc rgb 'black' "
                 "title columnheader(1)" % (out, len(blocks)))
    body.append('plot ' + ', \\\n     '.join(plots))
    write_gp('scaling', 960, 560, '\n'.join(body) + '\n')
PY

for gp in "$out"/ratios-png.gp "$out"/ratios-svg.gp "$out"/scaling-png.gp "$out"/scaling-svg.gp; do
	[ -e "$gp" ] && gnuplot "$gp"
done
ls "$out"/*.png "$out"/*.svg 2>/dev/null || true
