#!/usr/bin/env python3
"""Distribution across processes (cadre/node.h), on 127.0.0.1.

    dist_test.py --node build/release/tests/dist/node_proc CASE [--detect-ms 2000]

CASE is one of: three, kill, stop_cont, restart, wrong_key, flood,
accounting (see each function below). Each case starts node_proc
processes (tests/dist/node_proc.c) on ports derived from this process's
pid, drives them with one-line commands on their stdin, reads their events
("EV <monotonic ms> ...") on their stdout, and kills every one of them on
every path out (the nodes also die with this process and after their own
lifetime). Exit status 0: passed; 1: a check failed (the reason printed).
"""
import argparse
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

# CURVE key pairs (public, secret) made once with zmq_curve_keypair, for
# these tests only: never use them for anything else.
TEST_KEYS = [
    ("oq&IP4O@U/bikOS49jo*/GGMigp}*tINa9D?r>}J", "^T=>gzFU9-})A3G=fabxtWWr?xKw2-Ya@4oWmhz}"),
    ("b[=z)l-Rj[FW.fj^=Fpod<qZh=SJh(}m(NGIT&8)", "C!6-XG}ehJ*.8.0ZvwO9)w8m>48?krDiD?(+i-Gp"),
    ("2zjYUIg(<I]VHI<bz:Fv+g&9K(hS<?9%9tGaZ<Lh", "/SZsctdV)Sc-r)n%eA*vBn9D<J[c8Brj2m}WQmW!"),
]

NODE_BIN = None
PROCS = []  # every Popen started: killed on every way out
BASE_PORT = 10000 + (os.getpid() % 2000) * 10  # below the ephemeral range (32768..)
WAIT = 15.0  # seconds for anything that is not a measured detection
# what a sanitizer says on a node's stderr (the sanitizer presets build node_proc too)
SANITIZER = re.compile(r"ERROR: AddressSanitizer|WARNING: ThreadSanitizer|runtime error:|"
                       r"ERROR: LeakSanitizer")
REPORTS = []  # (node, line) of every sanitizer report seen


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def now_ms():
    # CLOCK_MONOTONIC, the clock node_proc stamps its events with
    return time.monotonic() * 1000.0


def ref_of(line):
    """The ref in an "OK s.i.g.n" answer, as a string, and its node word."""
    m = re.match(r"OK (\d+)\.(\d+)\.(\d+)\.(\d+)$", line)
    check(m is not None, "expected a ref, got %r" % line)
    return "%s.%s.%s.%s" % m.groups(), int(m.group(4))


def kv(line):
    return {k: v for k, v in re.findall(r"(\w+)=(\S+)", line)}


def node_env():
    """The environment of a node: a TSan build gets libzmq's suppressions."""
    env = dict(os.environ)
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tsan.supp")
    opts = env.get("TSAN_OPTIONS", "")
    env["TSAN_OPTIONS"] = (opts + ":" if opts else "") + "suppressions=" + supp
    return env


class Node:
    def __init__(self, name, port, seeds=(), keys=None, accept=(), extra=()):
        self.name = name
        self.port = port
        self.endpoint = "tcp://127.0.0.1:%d" % port
        argv = [NODE_BIN, "--name", name, "--endpoint", self.endpoint, "--life", "90"]
        if keys is None:
            argv.append("--insecure")
        else:
            argv += ["--pub", keys[0], "--sec", keys[1]]
            for k in accept:
                argv += ["--accept", k]
        for s in seeds:
            argv += ["--seed", s.endpoint]
            if keys is not None:
                argv += ["--seed-key", s.keys[0]]
        self.keys = keys
        argv += list(extra)
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1, env=node_env())
        PROCS.append(self.proc)
        self.pid = self.proc.pid
        self.lines = queue.Queue()
        self.events = []  # (ms, text after the stamp)
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        line = self._next(WAIT)
        m = re.match(r"READY (\S+) (\d+) (\d+) ([01])$", line or "")
        check(m is not None, "%s: did not start (%r)" % (name, line))
        self.inc = int(m.group(2))
        self.sanitized = m.group(4) == "1"  # its memory has a sanitizer's shadow

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            print("  [%s] %s" % (self.name, line), flush=True)
            self.lines.put(line)
        self.lines.put(None)

    def _read_err(self):
        for line in self.proc.stderr:
            line = line.rstrip("\n")
            print("  [%s!] %s" % (self.name, line), flush=True)
            if SANITIZER.search(line):
                REPORTS.append((self.name, line))

    def _next(self, timeout):
        """The next line that is not an event (events are kept)."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            m = re.match(r"EV (\d+) (.*)$", line)
            if m is None:
                return line
            self.events.append((int(m.group(1)), m.group(2)))

    def cmd(self, line, timeout=WAIT):
        print("  [%s] < %s" % (self.name, line), flush=True)
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self._next(timeout)
        check(answer is not None, "%s: no answer to %r" % (self.name, line))
        return answer

    def ok(self, line, timeout=WAIT):
        answer = self.cmd(line, timeout)
        check(answer.startswith("OK"), "%s: %r answered %r" % (self.name, line, answer))
        return answer

    def mark(self):
        return len(self.events)

    def wait_ev(self, pattern, timeout=WAIT, since=0):
        """The stamp of the first event from index `since` matching pattern."""
        end = time.monotonic() + timeout
        rx = re.compile(pattern)
        i = since
        while True:
            while i < len(self.events):
                if rx.search(self.events[i][1]):
                    self.matched = self.events[i][1]
                    return self.events[i][0]
                i += 1
            left = end - time.monotonic()
            check(left > 0, "%s: no event /%s/ in %.1f s" % (self.name, pattern, timeout))
            try:
                line = self.lines.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            check(line is not None, "%s: ended while waiting for /%s/" % (self.name, pattern))
            m = re.match(r"EV (\d+) (.*)$", line)
            check(m is not None, "%s: unexpected line %r" % (self.name, line))
            self.events.append((int(m.group(1)), m.group(2)))

    def stats(self):
        return {k: int(v) for k, v in kv(self.ok("stats")).items()}

    def until(self, what, pred, timeout=WAIT):
        end = time.monotonic() + timeout
        while True:
            s = self.stats()
            if pred(s):
                return s
            check(time.monotonic() < end, "%s: %s not reached: %r" % (self.name, what, s))
            time.sleep(0.1)

    def quit(self):
        """Shuts the node down; it must exit with 0 (no sanitizer report)."""
        self.ok("quit", timeout=WAIT)
        rc = self.proc.wait(timeout=WAIT)
        check(rc == 0, "%s exited with %d" % (self.name, rc))

    def kill(self, sig=signal.SIGKILL):
        os.kill(self.pid, sig)
        if sig == signal.SIGKILL:
            self.proc.wait(timeout=WAIT)


def mesh(names, **kw):
    """Nodes names[0..], the later ones seeded with the first; waits until every
    node sees every other one up."""
    first = Node(names[0], BASE_PORT, **kw.get(names[0], {}))
    nodes = [first] + [Node(n, BASE_PORT + i, seeds=[first], **kw.get(n, {}))
                       for i, n in enumerate(names) if i > 0]
    wait_mesh(nodes)
    return nodes


def wait_mesh(nodes):
    """Waits until every node lists every other one as up. (Not by their UP
    events: a node's seeds may come up before its control actor subscribes.)"""
    for n in nodes:
        until_nodes(n, [o.name for o in nodes if o is not n])


def until_nodes(node, names, timeout=WAIT):
    """Waits until node lists every one of names as up."""
    end = time.monotonic() + timeout
    while True:
        up = node.ok("nodes").split()[2:]
        if all(n in up for n in names):
            return
        check(time.monotonic() < end, "%s: %r not all up (%r)" % (node.name, names, up))
        time.sleep(0.1)


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# ---- the cases -----------------------------------------------------------------


def case_three(args):
    """Three nodes: sends, request/response, whereis, remote spawn, links and
    monitors across nodes with the remote reason, a leave."""
    a, b, c = mesh(["a", "b", "c"])
    check(kv(a.ok("send b sink 100"))["ok"] == "100", "sends to b refused")
    s = b.until("sink 100", lambda s: s["sink"] == 100)
    check(s["disorder"] == 0, "FIFO from a to b's sink (%d out of order)" % s["disorder"])
    check(a.ok("ask b echo") == "OK ping", "a asks b")
    check(c.ok("ask a echo") == "OK ping", "c asks a")
    check(b.ok("ask c echo") == "OK ping", "b asks c")
    check("ETIMEDOUT" in a.cmd("ask b sink 300"), "a request nobody answers times out")
    echo_b, word = ref_of(c.ok("whereis b echo"))
    check(word == b.inc, "whereis: the ref carries b's incarnation")
    check(ref_of(b.ok("whereis . echo"))[0] == echo_b, "the same ref on both nodes")
    check("ENOENT" in c.cmd("whereis b nosuch"), "whereis of an unknown name: ENOENT")
    check("ENODE" in a.cmd("spawn zz worker"), "spawn on an unknown node: ENODE")
    check("ENOENT" in a.cmd("spawn c nosuch"), "spawn of an unknown behaviour: ENOENT")
    # a spawns a worker on c, linked to a's mon (it traps exits); b monitors it
    w, word = ref_of(a.ok("spawn c worker link"))
    check(word == c.inc, "the spawned actor lives on c")
    c.wait_ev(r"^WORKER_START %s$" % re.escape(w))
    b.ok("monitor - %s" % w)
    a.ok("crash - %s" % w)  # it fails with code 42
    a.wait_ev(r"^EXIT %s kind=3 failure\(42" % re.escape(w))
    b.wait_ev(r"^DOWNMON %s kind=3 failure\(42" % re.escape(w))
    # c spawns one on b, unlinked; a links it, c monitors it; an exit signal from
    # outside (reason shutdown) stops it
    w2, _ = ref_of(c.ok("spawn b worker"))
    b.wait_ev(r"^WORKER_START %s$" % re.escape(w2))
    a.ok("link - %s" % w2)
    c.ok("monitor - %s" % w2)
    a.ok("exit - %s" % w2)  # cadre_send_exit, reason shutdown
    a.wait_ev(r"^EXIT %s kind=1 shutdown" % re.escape(w2))
    c.wait_ev(r"^DOWNMON %s kind=1 shutdown" % re.escape(w2))
    # a dead remote actor: monitor gives DOWN noproc, link gives EXIT noproc
    b.ok("monitor - %s" % w)
    b.wait_ev(r"^DOWNMON %s kind=4 noproc" % re.escape(w))
    m = a.mark()
    a.ok("link - %s" % w)
    a.wait_ev(r"^EXIT %s kind=4 noproc" % re.escape(w), since=m)
    # a leaves: the others see it down (reason 3: LEAVE)
    a.quit()
    b.wait_ev(r"^DOWN a reason=3")
    c.wait_ev(r"^DOWN a reason=3")
    b.quit()
    c.quit()


def detection(node, pattern, t0, since, limit, what):
    t = node.wait_ev(pattern, timeout=max(5.0, limit / 1000.0 * 3), since=since)
    ms = t - t0
    print("dist: %s on %s: %.0f ms after the signal" % (what, node.name, ms), flush=True)
    check(ms <= limit, "%s on %s after %.0f ms: over %d ms" % (what, node.name, ms, limit))
    return ms


def case_kill(args):
    """kill -9 of b: DOWN and EXIT noconnection on a and c within the
    target, and a's supervisor restarts the worker it owned on b, on c."""
    extra = ["--timeout", str(args.timeout)] if args.timeout else []
    a, b, c = mesh(["a", "b", "c"], a={"extra": extra}, b={"extra": extra}, c={"extra": extra})
    a.ok("keep b c")
    a.wait_ev(r"^PLACED b ")
    echo_b, _ = ref_of(a.ok("whereis b echo"))
    for n in (a, c):
        n.ok("link b echo")
        n.ok("monitor b echo")
    ma, mc = a.mark(), c.mark()
    t0 = now_ms()
    b.kill()
    e = re.escape(echo_b)
    for n, m in ((a, ma), (c, mc)):
        detection(n, r"^DOWN b reason=", t0, m, args.detect_ms, "node down")
        detection(n, r"^EXIT %s kind=6 noconnection" % e, t0, m, args.detect_ms, "link EXIT")
        detection(n, r"^DOWNMON %s kind=6 noconnection" % e, t0, m, args.detect_ms, "monitor DOWN")
    t = a.wait_ev(r"^PLACED c ", since=ma)
    print("dist: the worker was restarted on c %.0f ms after the kill" % (t - t0), flush=True)
    w, _ = ref_of("OK " + a.matched.split()[-1])
    c.wait_ev(r"^WORKER_START %s$" % re.escape(w))
    r = kv(a.ok("send - %s 5" % echo_b))
    check(r["enode"] == "5", "sends to the dead node: ENODE (%r)" % r)
    a.quit()
    c.quit()


def case_stop_cont(args):
    """SIGSTOP of b past the timeout: declared down (noconnection); after
    SIGCONT it comes back as the same incarnation and old refs work again."""
    extra = ["--timeout", str(args.timeout)] if args.timeout else []
    a, b, c = mesh(["a", "b", "c"], a={"extra": extra}, b={"extra": extra}, c={"extra": extra})
    echo_b, _ = ref_of(a.ok("whereis b echo"))
    a.ok("monitor b echo")
    ma, mc = a.mark(), c.mark()
    t0 = now_ms()
    b.kill(signal.SIGSTOP)
    for n, m in ((a, ma), (c, mc)):
        detection(n, r"^DOWN b reason=", t0, m, args.detect_ms, "node down (SIGSTOP)")
    a.wait_ev(r"^DOWNMON %s kind=6 noconnection" % re.escape(echo_b), since=ma)
    r = kv(a.ok("send - %s 3" % echo_b))
    check(r["enode"] == "3", "sends to a stopped node: ENODE while it is down (%r)" % r)
    time.sleep(max(0.0, (t0 + 3000 - now_ms()) / 1000.0))
    b.kill(signal.SIGCONT)
    for n, m in ((a, ma), (c, mc)):
        t = n.wait_ev(r"^UP b %d$" % b.inc, since=m)  # the same incarnation
        print("dist: b up again on %s %.0f ms after SIGCONT" % (n.name, t - t0 - 3000), flush=True)
    until_nodes(b, ["a", "c"])
    check(a.ok("ask - %s" % echo_b) == "OK ping", "the old ref works again")
    check(b.ok("self").split()[2] == str(b.inc), "b is the same incarnation")
    for n in (a, b, c):
        n.quit()


def case_restart(args):
    """b restarted (a new process, same name and endpoint): a new incarnation;
    refs to the old one are refused with ENODE, never delivered to the new."""
    a, b = mesh(["a", "b"])
    old_sink, word = ref_of(a.ok("whereis b sink"))
    check(word == b.inc, "the ref carries b's incarnation")
    m = a.mark()
    b.kill()
    a.wait_ev(r"^DOWN b reason=", since=m)
    b2 = Node("b", b.port, seeds=[a])
    check(b2.inc != b.inc, "a new incarnation (%d, was %d)" % (b2.inc, b.inc))
    a.wait_ev(r"^UP b %d$" % b2.inc, since=m)
    r = kv(a.ok("send - %s 10" % old_sink))
    check(r["enode"] == "10", "sends to the old incarnation: ENODE (%r)" % r)
    check("ENODE" in a.cmd("ask - %s" % old_sink), "ask of the old incarnation: ENODE")
    new_sink, word = ref_of(a.ok("whereis b sink"))
    check(word == b2.inc, "whereis finds the new incarnation's sink")
    check(kv(a.ok("send - %s 5" % new_sink))["ok"] == "5", "sends to the new sink")
    s = b2.until("sink 5", lambda s: s["sink"] >= 5)
    time.sleep(0.5)
    s = b2.stats()
    check(s["sink"] == 5, "only the new ref's messages reached the new node (sink %d)" % s["sink"])
    a.quit()
    b2.quit()


def case_wrong_key(args):
    """CURVE: a and b accept each other's keys; c presents a key a does not
    accept: refused, and a reports it (REFUSED, reason 6, counter)."""
    (ka, kb, kc) = TEST_KEYS
    a = Node("a", BASE_PORT, keys=ka, accept=[kb[0]])
    b = Node("b", BASE_PORT + 1, keys=kb, accept=[ka[0]], seeds=[a])
    wait_mesh([a, b])
    check(a.ok("ask b echo") == "OK ping", "a asks b over CURVE")
    c = Node("c", BASE_PORT + 2, keys=kc, accept=[ka[0]], seeds=[a])
    a.wait_ev(r"^REFUSED .* reason=6")
    a.until("refused counted", lambda s: s["refused"] >= 1)
    time.sleep(1.0)
    check(" c" not in a.ok("nodes"), "c is not up on a")
    check(not any(e[1].startswith("UP a") for e in c.events), "a is not up on c")
    check(not c.cmd("whereis a echo").startswith("OK"), "c cannot reach a")
    for n in (a, b, c):
        n.quit()


def case_flood(args):
    """a floods b, whose sink is slow: b's memory stays bounded (inbound_max),
    a gets CADRE_EFULL (queue_max), and a's sends to c are not held up."""
    inbound = 4 << 20
    a, b, c = mesh(["a", "b", "c"], a={"extra": ["--queue-max", "2000"]},
                   b={"extra": ["--slow-us", "1000", "--inbound-max", str(inbound)]})
    marks = {n.name: n.mark() for n in (a, b, c)}
    base = {n.name: rss_kb(n.pid) for n in (a, b)}
    peak = dict(base)
    out = {}
    done = threading.Event()

    def flood():
        try:
            out["r"] = a.cmd("flood b sink 4000 1024", timeout=30)
        finally:
            done.set()

    threading.Thread(target=flood, daemon=True).start()
    asks = 0
    while not done.wait(0.05):
        for n in (a, b):
            peak[n.name] = max(peak[n.name], rss_kb(n.pid))
        if asks < 5 and c.cmd("ask a echo", timeout=5) == "OK ping":
            asks += 1  # a's echo answers c while a floods b
    r = kv(out.get("r", ""))
    check("ok" in r, "the flood ended: %r" % out.get("r"))
    grow = {k: (peak[k] - base[k]) // 1024 for k in peak}
    print("dist: flood: %s sent, %s refused with EFULL; RSS growth MiB: a %d, b %d"
          % (r["ok"], r["full"], grow["a"], grow["b"]), flush=True)
    check(int(r["full"]) > 0, "the sender got CADRE_EFULL")
    check(asks == 5, "c's asks to a were answered during the flood (%d)" % asks)
    sa = a.stats()
    check(sa["overflows"] >= int(r["full"]), "a counts its overflows (%r)" % sa)
    limit = inbound // (1 << 20) + 64
    if b.sanitized:  # TSan's and ASan's shadow, ASan's quarantine of freed blocks (256 MiB):
        limit = limit * 4 + 256  # the bound itself is checked in release
    check(grow["b"] < limit, "b's RSS grew %d MiB: over %d" % (grow["b"], limit))
    check(grow["a"] < limit, "a's RSS grew %d MiB: over %d" % (grow["a"], limit))
    for n in (a, b, c):  # a slow node is not a dead one: nobody was declared down
        downs = [e[1] for e in n.events[marks[n.name]:] if e[1].startswith("DOWN ")]
        check(not downs, "%s declared a node down during the flood: %r" % (n.name, downs[:3]))
    b.ok("slow 0")
    sb = b.until("the flood handled", lambda s: s["sink"] >= int(r["ok"]), timeout=60)
    check(sb["sink"] == int(r["ok"]), "b handled what a sent: %d of %s" % (sb["sink"], r["ok"]))
    check(sb["disorder"] == 0, "FIFO through the flood (%d out of order)" % sb["disorder"])
    print("dist: flood: b paused reading %d times" % sb["reads_paused"], flush=True)
    for n in (a, b, c):
        n.quit()


def balanced(nodes):
    """Per node sent == handled + dead, and stable, once quiet."""
    prev = None
    end = time.monotonic() + WAIT
    while True:
        cur = [n.stats() for n in nodes]
        keys = ("sent", "handled", "dead")
        same = prev is not None and all(
            all(p[k] == q[k] for k in keys) for p, q in zip(prev, cur))
        if same and all(s["sent"] == s["handled"] + s["dead"] for s in cur):
            return cur
        check(time.monotonic() < end, "not balanced: %r" % cur)
        prev = cur
        time.sleep(0.2)


def case_accounting(args):
    """After a known workload and quiet: summed over the nodes, sent ==
    handled + dead letters; sends to a node that is down are dead letters."""
    a, b, c = mesh(["a", "b", "c"])
    check(kv(a.ok("send b sink 1000"))["ok"] == "1000", "a to b")
    check(kv(a.ok("send c sink 1000 200"))["ok"] == "1000", "a to c")
    check(kv(a.ok("send b echo 200"))["ok"] == "200", "a to b's echo (answers a dead letter)")
    check(kv(c.ok("send a sink 500"))["ok"] == "500", "c to a")
    for _ in range(20):
        check(b.ok("ask a echo") == "OK ping", "b asks a")
    bogus = "1.999999.1.%d" % b.inc  # b's node word, no such actor: dead on b
    check(kv(a.ok("send - %s 7" % bogus))["ok"] == "7", "a to a missing actor of b")
    c_sink, _ = ref_of(a.ok("whereis c sink"))
    b.until("b's sink", lambda s: s["sink"] == 1000)
    c.until("c's sink", lambda s: s["sink"] == 1000)
    a.until("a's sink", lambda s: s["sink"] == 500)
    sa, sb, sc = balanced([a, b, c])
    check(sa["disorder"] + sb["disorder"] + sc["disorder"] == 0, "FIFO per sender and sink")
    m = a.mark()
    c.quit()
    a.wait_ev(r"^DOWN c reason=3", since=m)
    r = kv(a.ok("send - %s 100" % c_sink))
    check(r["enode"] == "100", "sends to c, down: ENODE (%r)" % r)
    sa2, sb2 = balanced([a, b])
    check(sa2["dead"] - sa["dead"] == 100, "the 100 sends to c are dead letters on a")
    check(sa2["dead_remote"] >= 100, "counted as dead_remote (%r)" % sa2)
    check(sb2["dead"] >= 7 + 200, "b counts the 7 to no actor and 200 echoes to no one")
    total = [sa2, sb2, sc]
    sent = sum(s["sent"] for s in total)
    gone = sum(s["handled"] + s["dead"] for s in total)
    print("dist: accounting: sent %d = handled %d + dead %d (a %r, b %r, c %r)" % (
        sent, sum(s["handled"] for s in total), sum(s["dead"] for s in total),
        (sa2["sent"], sa2["handled"], sa2["dead"]), (sb2["sent"], sb2["handled"], sb2["dead"]),
        (sc["sent"], sc["handled"], sc["dead"])), flush=True)
    check(sent == gone, "sum of sent %d != handled + dead %d" % (sent, gone))
    a.quit()
    b.quit()


CASES = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}


def main():
    global NODE_BIN
    p = argparse.ArgumentParser()
    p.add_argument("--node", required=True, help="the node_proc binary")
    p.add_argument("--detect-ms", type=int, default=2000, help="the detection target")
    p.add_argument("--timeout", type=int, default=0, help="the nodes' timeout_ms (0: default)")
    p.add_argument("case", choices=sorted(CASES))
    args = p.parse_args()
    NODE_BIN = args.node
    # ctest's timeout sends SIGTERM: end through the finally below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    t = time.monotonic()
    try:
        CASES[args.case](args)
        check(not REPORTS, "sanitizer reports: %r" % REPORTS[:3])
    except Failed as e:
        print("dist_%s: FAILED: %s" % (args.case, e), flush=True)
        return 1
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
    print("dist_%s: passed in %.1f s" % (args.case, time.monotonic() - t), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
