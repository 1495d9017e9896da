#!/usr/bin/env python3
"""Checks the contract of every public function against its header comment,
docs/api.md and the code (run by .ci/check-api, after Doxygen).

1. Comments. Every enum value in a public header has a Doxygen comment
   (Doxygen does not warn about undocumented enum values; each CADRE_E*
   code, made by the X-macro table, has its `@var` block in cadre/error.h).
   Every function declared in a public header (mailbox/include,
   core/include, actors/include) has a Doxygen comment (/** ... */) right
   above it with @threads and @blocks; one returning int also has at least
   one @retval; one that takes or hands out a payload (a parameter named
   data or reply_buf, or one of PAYLOAD_FUNCS) also has @payload. Every
   @retval CADRE_E* names a code of cadre/error.h.

2. docs/api.md. Its tables with the header "function | threads | blocks |
   errors" have one row per public function, and each public function has
   exactly one row. A row's errors (`EINVAL`, `ENOMEM`, ... without the
   CADRE_ prefix) are exactly the function's @retval CADRE_E* codes: the
   page lists no error the contract does not, and misses none it does.

3. Code. Every function definition in mailbox/, core/src and actors/src
   (and the inline functions of the public headers) is extracted, with the
   CADRE_E* codes its body names and the functions, macros and static
   tables it refers to; the closure over these references over-approximates
   the codes a function can return. A function whose header documents a
   @retval code that is not in its closure fails: the comment promises an
   error the code cannot produce. This direction is sound (the closure
   over-approximates). The other direction, "the comment misses a code the
   function can return", is NOT inferred from the code (the closure is far
   too wide for that): it is the header's contract, checked against
   docs/api.md in step 2, and by review of the implementation.
"""
import glob
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.chdir(ROOT)

HEADERS = sorted(glob.glob("mailbox/include/cadre/*.h") + glob.glob("core/include/cadre/*.h") +
                 glob.glob("actors/include/cadre/*.h") + ["actors/include/cadre.h"])
CODE_DIRS = ["mailbox", "core/src", "actors/src"]

# Functions that hand out or keep a payload without a `data` parameter.
PAYLOAD_FUNCS = {
    "cadre_reply_read", "cadre_ask_request", "cadre_route_unwrap", "cadre_forward",
    "cadre_stash", "cadre_mail_claim", "cadre_mail_drop", "cadre_mailbox_push",
    "cadre_mailbox_push_chain", "cadre_mailbox_pop", "cadre_mailbox_pop_batch",
}

# (function, code) pairs whose @retval the code closure cannot see, each
# with why. Keep this short: an entry is a place where the check is blind.
EXCEPTIONS = {
}

# References the code makes through a message rather than a call: the
# caller's function -> the function that computes the answer, each with why.
MESSAGE_EDGES = {
    # actors/src/supervisor/request.c: call() sends a supervisor request
    # (SUP_REQ) and waits; the supervisor's receive hands it to
    # cadre__sup_on_request, whose code (EEXIST, ENOENT, EBUSY, ECANCELED
    # ...) comes back as the request's answer.
    "call": ["cadre__sup_on_request"],
}

problems = []


def fail(msg):
    problems.append(msg)


def codes_of_error_h():
    text = open("mailbox/include/cadre/error.h").read()
    return {"CADRE_" + n for n in re.findall(r"X\((E[A-Z]+),\s*-\d+", text)}


CODES = codes_of_error_h()

# ---- 1. the header comments ----------------------------------------------------

DECL = re.compile(r"^(?:CADRE_API|static\s+inline)\s+([^;{()]*?)\b(cadre_\w+)\s*\(", re.M)


def header_functions():
    """name -> dict(header, ret, comment, line)"""
    funcs = {}
    for h in HEADERS:
        text = open(h).read()
        for m in DECL.finditer(text):
            ret = " ".join(m.group(1).split())
            name = m.group(2)
            line = text.count("\n", 0, m.start()) + 1
            before = text[:m.start()].rstrip()
            comment = None
            if before.endswith("*/"):
                start = before.rfind("/*")
                if before.startswith("/**", start) and not before.startswith("/**<", start):
                    comment = before[start:]
            if name in funcs:
                fail(f"{h}:{line}: {name} declared twice")
            funcs[name] = dict(header=h, ret=ret, comment=comment, line=line)
    return funcs


def tags(comment):
    body = re.sub(r"^\s*/?\*+/?", "", comment, flags=re.M)
    return {
        "threads": re.search(r"@threads\b", body) is not None,
        "blocks": re.search(r"@blocks\b", body) is not None,
        "payload": re.search(r"@payload\b", body) is not None,
        "retval": re.findall(r"@retval\s+(\S+)", body),
    }


def has_payload(name, header):
    text = open(header).read()
    m = re.search(r"\b" + name + r"\s*\(([^;]*)\)\s*;", text)
    params = m.group(1) if m else ""
    return name in PAYLOAD_FUNCS or re.search(r"\b(data|reply_buf)\b", params) is not None


def check_comments(funcs):
    for name, f in funcs.items():
        where = f"{f['header']}:{f['line']}: {name}"
        if f["comment"] is None:
            fail(f"{where}: no Doxygen comment (/** ... */) right above it")
            f["tags"] = {"threads": False, "blocks": False, "payload": False, "retval": []}
            continue
        t = f["tags"] = tags(f["comment"])
        for tag in ("threads", "blocks"):
            if not t[tag]:
                fail(f"{where}: no @{tag}")
        if f["ret"].endswith("int") and f["ret"].split()[-1] == "int" and not t["retval"]:
            fail(f"{where}: returns int but has no @retval")
        if has_payload(name, f["header"]) and not t["payload"]:
            fail(f"{where}: takes or hands out a payload but has no @payload")
        for code in t["retval"]:
            if code.startswith("CADRE_") and code not in CODES:
                fail(f"{where}: @retval {code} is not a code of cadre/error.h")
        seen = [c for c in t["retval"] if c.startswith("CADRE_E")]
        if len(seen) != len(set(seen)):
            fail(f"{where}: a @retval code is listed twice")


def check_enums():
    for h in HEADERS:
        text = open(h).read()
        for m in re.finditer(r"\benum\s+\w*\s*\{(.*?)\}", text, re.S):
            lines = m.group(1).split("\n")
            prev_doc = False
            for k, line in enumerate(lines):
                s = line.strip()
                v = re.match(r"([A-Z][A-Z0-9_]*)\s*(=|,|$)", s)
                if v and not v.group(1).startswith("CADRE__") and "ERRNO_MAP" not in s:
                    if "/**<" not in s and not prev_doc:
                        n = text.count("\n", 0, m.start(1)) + k + 1
                        fail(f"{h}:{n}: enum value {v.group(1)} has no Doxygen comment")
                if s:
                    prev_doc = s.endswith("*/") and ("/**" in s or not s.startswith("/*")) and \
                        not v
    text = open("mailbox/include/cadre/error.h").read()
    for code in sorted(CODES):
        if not re.search(r"@var\s+" + code + r"\b", text):
            fail(f"mailbox/include/cadre/error.h: {code} has no @var block")


def documented_codes(f):
    return {c for c in f["tags"]["retval"] if c in CODES}


# ---- 2. docs/api.md -------------------------------------------------------------


def check_api_md(funcs):
    rows = {}
    lines = open("docs/api.md").read().split("\n")
    in_table = False
    for i, line in enumerate(lines, 1):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|"):
            in_table = False
            continue
        if [c.lower() for c in cells] == ["function", "threads", "blocks", "errors"]:
            in_table = True
            continue
        if not in_table or set(line) <= set("|-: "):
            continue
        where = f"docs/api.md:{i}"
        if len(cells) != 4:
            fail(f"{where}: a row needs 4 cells (function, threads, blocks, errors)")
            continue
        names = re.findall(r"`(cadre_\w+)", cells[0])
        if len(names) != 1:
            fail(f"{where}: a row names exactly one function, as `cadre_name(args)`")
            continue
        name = names[0]
        if name in rows:
            fail(f"{where}: {name} has a second row")
        rows[name] = i
        if name not in funcs:
            fail(f"{where}: {name} is not declared in a public header")
            continue
        listed = {"CADRE_" + e for e in re.findall(r"`(E[A-Z]+)`", cells[3])}
        for e in sorted(listed - CODES):
            fail(f"{where}: {name}: {e[6:]} is not a code of cadre/error.h")
        doc = documented_codes(funcs[name])
        for e in sorted(listed - doc):
            fail(f"{where}: {name}: lists {e[6:]}, which its header has no @retval for")
        for e in sorted(doc - listed):
            fail(f"{where}: {name}: misses {e[6:]}, a @retval of its header")
    for name, f in sorted(funcs.items()):
        if name not in rows:
            fail(f"docs/api.md: no row for {name} ({f['header']})")


# ---- 3. the code: which codes can a function return at most? ----------------------

IDENT = re.compile(r"[A-Za-z_]\w*")


def strip(text):
    """Comments and string / char literals out; C++ guards out."""
    text = re.sub(r'#\s*ifdef\s+__cplusplus\s*\n\s*extern\s+"C"\s*\{\s*\n\s*#\s*endif', "", text)
    text = re.sub(r"#\s*ifdef\s+__cplusplus\s*\n\s*\}\s*\n\s*#\s*endif", "", text)
    out, i, n = [], 0, len(text)
    tok = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
    for m in tok.finditer(text):
        out.append(text[i:m.start()])
        out.append(" " if m.group(0).startswith("/") else '""')
        i = m.end()
    out.append(text[i:])
    return "".join(out)


def definitions(path, graph):
    text = strip(open(path).read()).replace("\\\n", " ")
    rest = []
    for line in text.split("\n"):
        m = re.match(r"\s*#\s*define\s+(\w+)(.*)", line)
        if m:
            add(graph, m.group(1), m.group(2))
        rest.append("" if line.lstrip().startswith("#") else line)
    text = "\n".join(rest)
    depth, seg, i = 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in ";" and depth == 0:
            seg = i + 1
        elif c == "{":
            if depth == 0:
                head, open_at = text[seg:i], i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                name = def_name(head)
                if name:
                    add(graph, name, text[open_at:i])
                seg = i + 1
        i += 1


def def_name(head):
    head = " ".join(head.split())
    if "=" in head:
        m = re.search(r"(\w+)\s*(?:\[[^\]]*\])*\s*=\s*$", head)
        return m and m.group(1)
    m = re.search(r"(\w+)\s*\(([^()]|\([^()]*\))*\)\s*$", head)
    return m and m.group(1)


def add(graph, name, body):
    ids = set(IDENT.findall(body))
    node = graph.setdefault(name, [set(), set()])
    node[0] |= ids & CODES
    node[1] |= ids - CODES


def code_graph():
    graph = {}
    files = []
    for d in CODE_DIRS:
        for dirpath, _, names in os.walk(d):
            files += [os.path.join(dirpath, n) for n in names if n.endswith((".c", ".h"))]
    for f in sorted(files) + HEADERS:
        definitions(f, graph)
    for caller, callees in MESSAGE_EDGES.items():
        if caller not in graph or any(c not in graph for c in callees):
            fail(f".ci/check_api.py: MESSAGE_EDGES names {caller} -> {callees}, not all defined")
            continue
        graph[caller][1].update(callees)
    return graph


def closure(graph, name):
    seen, todo, codes = {name}, [name], set()
    while todo:
        codes_here, refs = graph[todo.pop()]
        codes |= codes_here
        for r in refs:
            if r in graph and r not in seen:
                seen.add(r)
                todo.append(r)
    return codes


def check_code(funcs):
    graph = code_graph()
    for name, f in sorted(funcs.items()):
        doc = documented_codes(f)
        if not doc:
            continue
        if name not in graph:
            fail(f"{f['header']}:{f['line']}: {name}: no definition found in {', '.join(CODE_DIRS)}")
            continue
        can = closure(graph, name)
        for code in sorted(doc - can):
            if (name, code) in EXCEPTIONS:
                continue
            fail(f"{f['header']}:{f['line']}: {name}: @retval {code}, but no code it reaches "
                 f"returns {code}")


def main():
    funcs = header_functions()
    check_enums()
    check_comments(funcs)
    check_api_md(funcs)
    check_code(funcs)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"cadre: check-api: {len(problems)} problem(s) in the API contract", file=sys.stderr)
        return 1
    print(f"cadre: the contracts of {len(funcs)} public functions agree with docs/api.md and the code",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
