#!/usr/bin/env bash
# tests/scenarios/test_cli.sh - the `ionsim` binary as a user meets it:
# --help of the command and of every subcommand, --version, the exit
# statuses 0, 1 and 2, and every output of `ionsim run` read back by a
# parser (python3's json and csv modules; DOT by a small checker, and by
# Graphviz's dot when it is installed).
#
# The scenarios are written here, into a temporary directory: the
# language contract's example (passes), a service that keeps its
# buffers (its final check fails, the leak report names them), a failed
# expectation and an unexpected errno, and a syntax error.
#
# usage: test_cli.sh IONSIM [VERSION]
# IONSIM_CLI_WRAPPER, when set, is put before every ionsim command (for
# example "valgrind -q --error-exitcode=99 --leak-check=full").
set -uo pipefail

ionsim=$1
version=${2:-}
wrap=${IONSIM_CLI_WRAPPER:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

. "$(cd "$(dirname "$0")" && pwd)/clilib.sh"

# check DESC COMMAND...: the command must succeed.
check() {
	local desc=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc" "$tmp/check.out"
	fi
}

# ---- scenarios ---------------------------------------------------------

# The example of ../shared/SCENARIO.md, line for line (line numbers
# matter below: alloc on 8, mmap on 13, the expect on 16).
cat >"$tmp/example.ion" <<'EOF'
# A camera allocates a frame, hands it to the compositor, and both let go.
heap carveout type=carveout id=2 size=16M policy=best-fit

process camera
process surfaceflinger

camera         open /dev/ion -> ion
camera         alloc ion 1M heap=carveout flags=cached -> frame
camera         share ion frame -> fd
camera         send fd to surfaceflinger -> fd
surfaceflinger open /dev/ion -> ion
surfaceflinger import ion fd -> frame
surfaceflinger mmap fd -> m
camera         free ion frame
camera         exit
expect live_buffers == 1
surfaceflinger read m 0 "\x00\x00"
surfaceflinger exit
final leaks == 0
final used carveout == 0
EOF

# A service that forgets three of its buffers, so the final on line 12
# fails: two are held by their handles, and the 64K one (line 6) is
# orphaned: its handle is freed, the dma-buf fd its share made holds it.
cat >"$tmp/leak.ion" <<'EOF'
# forgotten buffers
process service

service open /dev/ion -> ion
service alloc ion 256K heap=system -> a
service alloc ion 64K heap=carveout -> b
service free ion a
service share ion b -> fd
service free ion b
service alloc ion 128K heap=system -> c
service alloc ion 4K heap=carveout -> d
final live_buffers == 0
EOF

# One expectation that does not hold (line 5) and one errno that was
# not allowed (line 6: freeing handle 0 is EINVAL).
cat >"$tmp/expect.ion" <<'EOF'
process app

app open /dev/ion -> ion
app alloc ion 4K heap=system -> h
expect live_buffers == 5
app free ion 0
app free ion h
final live_buffers == 0
EOF

# A syntax error on line 3, column 5 (an unknown operation).
cat >"$tmp/bad.ion" <<'EOF'
process app

app frobnicate /dev/ion -> ion
EOF

# ---- the command ---------------------------------------------------------

expect_status "ionsim --help" 0 --help
has "$tmp/out" "usage: ionsim COMMAND" "--help shows the usage"
has "$tmp/out" "  run " "--help lists run"
has "$tmp/out" "  gen " "--help lists gen"
expect_status "ionsim --version" 0 --version
if [ -n "$version" ] && [ "$(cat "$tmp/out")" = "ionsim $version" ]; then
	ok "--version prints 'ionsim $version'"
elif [ -z "$version" ] && grep -qE '^ionsim [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out"; then
	ok "--version prints 'ionsim X.Y.Z'"
else
	not_ok "--version prints 'ionsim $version'" "$tmp/out"
fi
expect_status "ionsim help" 0 help
has "$tmp/out" "usage: ionsim COMMAND" "ionsim help is ionsim --help"
expect_status "ionsim help of an unknown command" 2 help frobnicate
expect_status "ionsim with no command" 2
expect_status "an unknown command" 2 frobnicate
has "$tmp/err" "unknown command 'frobnicate'" "the unknown command is named"

# ---- --help of every subcommand --------------------------------------

expect_status "ionsim run --help" 0 run --help
cp "$tmp/out" "$tmp/run-help"
for opt in --json --events --metrics --explain --at --debugfs --graph \
	   --quiet --help "Exit status"; do
	has "$tmp/run-help" "$opt" "run --help documents $opt"
done
expect_status "ionsim help run" 0 help run
check "ionsim help run is ionsim run --help" cmp "$tmp/out" "$tmp/run-help"
expect_status "ionsim run -h" 0 run -h
expect_status "ionsim gen --help" 0 gen --help
has "$tmp/out" "usage: ionsim gen" "gen --help prints its usage"
expect_status "ionsim explore --help" 0 explore --help
has "$tmp/out" "usage: ionsim explore" "explore --help prints its usage"

# ---- exit statuses ---------------------------------------------------------

expect_status "run the contract's example" 0 run "$tmp/example.ion"
cp "$tmp/out" "$tmp/example.txt"
has "$tmp/out" "== $tmp/example.ion ==" "the summary names its file"
has "$tmp/out" "steps run: " "the summary counts the steps"
has "$tmp/out" "unexpected outcomes: 0" "no unexpected outcome"
has "$tmp/out" "expectations failed: 0" "no failed expectation"
has "$tmp/out" "audit violations: 0" "a clean audit"
has "$tmp/out" "live buffers: 0 (held 0, orphaned 0, leaked 0)" "nothing left"
has "$tmp/out" "carveout" "the per-heap table names the heap"
has "$tmp/out" "result: PASS" "the example passes"

expect_status "run a leaking scenario" 1 run "$tmp/leak.ion"
cp "$tmp/out" "$tmp/leak.txt"
has "$tmp/out" "expectations failed: 1" "the final check failed"
has "$tmp/out" "line 12: final live_buffers == 0: actual 3" \
	"the failed final names its line and the actual value"
has "$tmp/out" "live buffers: 3 (held 2, orphaned 1, leaked 0)" \
	"the leak report counts the survivors by class"
has "$tmp/out" "64K on carveout, allocated at line 6 by pid 100 (service): orphaned" \
	"the leak report names size, heap, line, allocator and class"
has "$tmp/out" "held by pid 100 fd 4" "an orphan's dma-buf fd is named"
has "$tmp/out" "4K on carveout, allocated at line 11 by pid 100 (service): held" \
	"a held buffer is listed too"
has "$tmp/out" "held by pid 100 (service) handle" "a handle holder is named"
has "$tmp/out" "result: FAIL" "the leaking scenario fails"

expect_status "run a failing expectation" 1 run "$tmp/expect.ion"
has "$tmp/out" "line 5: expect live_buffers == 5: actual 1" \
	"the failed expect names its line, expression and actual value"
has "$tmp/out" "line 6: app free: EINVAL, expected ok" \
	"the unexpected errno names line, actor, op and errno"

expect_status "run a syntax error" 2 run "$tmp/bad.ion"
if grep -qE "^$tmp/bad.ion:3:[0-9]+: error: " "$tmp/err"; then
	ok "the syntax error is reported as FILE:LINE:COL: error:"
else
	not_ok "the syntax error is reported as FILE:LINE:COL: error:" "$tmp/err"
fi
check "nothing runs after a syntax error" test ! -s "$tmp/out"
expect_status "run an unreadable file" 2 run "$tmp/missing.ion"
has "$tmp/err" "missing.ion" "the unreadable file is named"
expect_status "run with no file" 2 run
expect_status "an unknown option" 2 run --frobnicate "$tmp/example.ion"
has "$tmp/err" "unknown option '--frobnicate'" "the unknown option is named"
expect_status "an option without its argument" 2 run "$tmp/example.ion" --events
expect_status "--at 0" 2 run --at 0 --graph "$tmp/example.ion"
expect_status "--at on a line without a step" 2 run --at 3 --graph "$tmp/example.ion"
has "$tmp/err" "no step on line 3" "--at says which line has no step"
expect_status "--at on a final line" 2 run --at 19 --graph "$tmp/example.ion"
expect_status "--at without a view" 2 run --at 8 "$tmp/example.ion"
expect_status "an unknown --debugfs path" 2 \
	run --at 8 --debugfs /sys/kernel/debug/nothing "$tmp/example.ion"
expect_status "an unwritable --events file" 2 \
	run --events "$tmp/no/such/dir/e.jsonl" "$tmp/example.ion"

# Several files: each summary in turn, the worst status.
expect_status "several files: the worst status" 1 \
	run "$tmp/example.ion" "$tmp/leak.ion" "$tmp/example.ion"
check "several files: one summary each, in order" \
	python3 - "$tmp/out" "$tmp/example.ion" "$tmp/leak.ion" <<'EOF'
import sys
heads = [l.strip() for l in open(sys.argv[1]) if l.startswith("== ")]
want = ["== %s ==" % f for f in (sys.argv[2], sys.argv[3], sys.argv[2])]
assert heads == want, heads
EOF
expect_status "several files with a bad one: nothing runs" 2 \
	run "$tmp/example.ion" "$tmp/bad.ion"
check "several files with a bad one: no summary" test ! -s "$tmp/out"
# Standard input: '-', once.
run_stdin() {
	# shellcheck disable=SC2086
	$wrap "$ionsim" "$@" <"$tmp/example.ion" >"$tmp/out" 2>"$tmp/err"
	status=$?
}
run_stdin run --explain -
if [ "$status" -eq 0 ]; then ok "a scenario on standard input (exit 0)"
else not_ok "a scenario on standard input (exit 0)" "$tmp/err"; fi
has "$tmp/out" "== <stdin> ==" "standard input is named <stdin>"
has "$tmp/out" "line 8: camera         alloc ion 1M" "--explain quotes standard input"
run_stdin run - -
if [ "$status" -eq 2 ]; then ok "standard input twice (exit 2)"
else not_ok "standard input twice (exit 2)" "$tmp/err"; fi
expect_status "--quiet" 1 run -q "$tmp/leak.ion"
check "--quiet prints nothing" test ! -s "$tmp/out"

# ---- --json --------------------------------------------------------------

expect_status "--json" 1 run --json "$tmp/example.ion" "$tmp/leak.ion"
check "--json is one JSON document with the summary's content" \
	python3 - "$tmp/out" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["status"] == 1 and doc["ionsim"]
ex, lk = doc["files"]
assert ex["status"] == 0 and ex["result"] == "pass" and ex["findings"] == []
assert ex["counts"]["live_buffers"] == 0 and ex["leak_report"] == []
assert lk["status"] == 1 and lk["result"] == "fail"
(f,) = lk["findings"]
assert f["kind"] == "final" and f["line"] == 12 and f["actual"] == 3, f
assert f["expected"] == "live_buffers == 0", f
assert (lk["counts"]["held"], lk["counts"]["orphaned"]) == (2, 1)
(b,) = [b for b in lk["leak_report"] if b["line"] == 6]
assert (b["size"], b["heap"], b["line"], b["class"]) == (65536, "carveout", 6, "orphaned"), b
(h,) = b["holders"]
assert (h["kind"], h["pid"], h["fd"], h["text"]) == ("fd", 100, 4, "pid 100 fd 4"), h
(c,) = [b for b in lk["leak_report"] if b["line"] == 10]
assert c["class"] == "held" and c["holders"][0]["kind"] == "handle", c
fields = {"name", "size", "used", "free", "peak", "largest_free", "free_extents",
          "frag", "waste", "live", "allocs", "failures", "frag_failures",
          "deferred", "deferred_buffers", "pool_pages"}
for h in lk["heaps"]:
    assert set(h) == fields, set(h) ^ fields
EOF
expect_status "--json with an unexpected errno" 1 run --json "$tmp/expect.ion"
check "--json names the errno and the allowed outcome" \
	python3 - "$tmp/out" <<'EOF'
import json, sys
f = [f for f in json.load(open(sys.argv[1]))["files"][0]["findings"]
     if f["line"] == 6][0]
assert (f["kind"], f["actor"], f["op"], f["errno"], f["expected"]) == \
    ("unexpected_failure", "app", "free", "EINVAL", "ok"), f
EOF

# ---- --events ------------------------------------------------------------

expect_status "--events" 0 run -q --events "$tmp/events.jsonl" "$tmp/example.ion"
check "--events: one JSON object per step, allocations described" \
	python3 - "$tmp/events.jsonl" "$tmp/example.ion" <<'EOF'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
lines = [e["line"] for e in events]
assert lines == sorted(lines) and 8 in lines and 16 in lines, lines
assert [e["step"] for e in events] == sorted(e["step"] for e in events)
for e in events:
    assert e["file"] == sys.argv[2]
    assert {"step", "line", "actor", "op", "ret", "errno", "allowed"} <= set(e)
    assert e["errno"] is None and e["allowed"] is True, e
(alloc,) = [e for e in events if e["op"] == "alloc"]
assert alloc["line"] == 8 and alloc["actor"] == "camera", alloc
assert alloc["buffer"] == 1 and alloc["heap"] == "carveout", alloc
assert alloc["size"] == 1 << 20 and alloc["contiguous"] is True, alloc
assert isinstance(alloc["phys"], int), alloc
(exp,) = [e for e in events if e["line"] == 16]
assert exp["actor"] is None and exp["op"] == "expect", exp
EOF
expect_status "--events of a failing step" 1 run -q --events - "$tmp/expect.ion"
check "--events: an errno by name, allowed false" \
	python3 - "$tmp/out" <<'EOF'
import json, sys
(e,) = [e for e in map(json.loads, open(sys.argv[1])) if e["line"] == 6]
assert e["errno"] == "EINVAL" and e["allowed"] is False, e
EOF

# ---- --metrics -------------------------------------------------------------

expect_status "--metrics" 0 run -q --metrics "$tmp/m.csv" "$tmp/example.ion"
check "--metrics: a header, then one row per heap per step" \
	python3 - "$tmp/m.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
head = rows.pop(0)
assert head == ["file", "step", "line", "heap", "size", "used", "free", "peak",
                "largest_free", "free_extents", "frag", "waste", "live",
                "allocs", "failures", "frag_failures", "deferred",
                "deferred_buffers", "pool_pages"], head
assert all(len(r) == len(head) for r in rows)
heaps = sorted({r[3] for r in rows})
assert heaps == ["carveout"], heaps
steps = [int(r[1]) for r in rows]
assert steps[0] == 0 and steps == sorted(steps) and len(set(steps)) == len(steps)
for r in rows:
    for v in r[4:]:
        float(v)
after_alloc = [r for r in rows if r[2] == "8"][0]
assert int(after_alloc[5]) == 1 << 20, after_alloc
assert int(rows[-1][7]) == 1 << 20, rows[-1]
EOF

# ---- --explain -------------------------------------------------------------

expect_status "--explain" 0 run --explain "$tmp/example.ion"
has "$tmp/out" "line 8: camera         alloc ion 1M heap=carveout flags=cached -> frame" \
	"--explain quotes the step as written"
has "$tmp/out" "ion_buffer_create" "--explain names the kernel functions"
has "$tmp/out" "  => ok, frame = " "--explain gives the result and the binding"
has "$tmp/out" "line 16: expect live_buffers == 1" "--explain tells expectations"
has "$tmp/out" "  => holds" "--explain says the expectation held"
has "$tmp/out" "result: PASS" "the summary follows the narration"
expect_status "--explain of a failing step" 1 run --explain "$tmp/expect.ion"
has "$tmp/out" "failed with EINVAL, which was not allowed" \
	"--explain flags a step that failed against its outcome"

# ---- --at, --debugfs --------------------------------------------------------

bufinfo=/sys/kernel/debug/dma_buf/bufinfo
expect_status "--at --debugfs" 0 run -q --at 13 --debugfs $bufinfo "$tmp/example.ion"
check "--debugfs prints the view as the kernel shows it" test -s "$tmp/out"
cp "$tmp/out" "$tmp/bufinfo.txt"
expect_status "--at with two --debugfs" 0 run -q --at 13 --debugfs $bufinfo \
	--debugfs /proc/101/fdinfo/4 "$tmp/example.ion"
has "$tmp/out" "==> $tmp/example.ion after line 13: $bufinfo <==" \
	"several views are headed by file, line and path"
has "$tmp/out" "==> $tmp/example.ion after line 13: /proc/101/fdinfo/4 <==" \
	"the second view has its own head"
expect_status "--debugfs without --at: at the end" 0 \
	run -q --debugfs $bufinfo "$tmp/example.ion"

# ---- --graph -----------------------------------------------------------------

cat >"$tmp/dotcheck.py" <<'EOF'
# Checks DOT text without Graphviz: balanced braces outside strings,
# closed strings, and every edge's ends declared as nodes before use;
# each further argument is the prefix of a node that must be there.
import re, sys
text = open(sys.argv[1]).read()
graphs = 0
depth = 0
in_str = False
esc = False
for ch in text:
    if in_str:
        if esc:
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == '"':
            in_str = False
        continue
    if ch == '"':
        in_str = True
    elif ch == "{":
        depth += 1
        graphs += depth == 1
    elif ch == "}":
        depth -= 1
        assert depth >= 0, "unbalanced }"
assert not in_str and depth == 0, "unclosed string or brace"
assert graphs >= 1 and text.startswith("digraph ionsim {")
q = r'"((?:[^"\\]|\\.)*)"'
declared = set()
edges = 0
for line in text.splitlines():
    m = re.match(r"\s*" + q + r"\s*->\s*" + q + r"\s*\[", line)
    if m:
        for end in m.groups():
            assert end in declared, "edge to undeclared node " + end
        edges += 1
        continue
    m = re.match(r"\s*" + q + r"\s*\[", line)
    if m:
        declared.add(m.group(1))
need = sys.argv[2:]
for n in need:
    assert any(d.startswith(n) for d in declared), "no node named " + n + "*"
assert edges > 0
EOF
expect_status "--at --graph" 0 run -q --at 13 --graph "$tmp/example.ion"
cp "$tmp/out" "$tmp/g13.dot"
check "--graph is valid DOT with every kind of object" \
	python3 "$tmp/dotcheck.py" "$tmp/g13.dot" proc:100 proc:101 fd:101:3 \
	file: client:2 handle:2:1 dmabuf:1 buffer:1 heap:carveout vma:101:
has "$tmp/g13.dot" '"1 ref"' "--graph edges carry their references"
expect_status "--graph=FILE" 0 run -q --at 9 --at 13 --graph="$tmp/g.dot" "$tmp/example.ion"
check "--graph=FILE holds one digraph per --at" \
	test "$(grep -c '^digraph ionsim {' "$tmp/g.dot")" -eq 2
check "--graph=FILE is valid DOT" python3 "$tmp/dotcheck.py" "$tmp/g.dot"
if command -v dot >/dev/null 2>&1; then
	check "Graphviz reads the graph" dot -Tsvg -o "$tmp/g.svg" "$tmp/g13.dot"
else
	ok "Graphviz reads the graph # SKIP dot is not installed"
fi

# --json keeps stdout for the document: views and narration go to stderr.
expect_status "--json with --explain and --graph" 0 \
	run --json --explain --at 13 --graph "$tmp/example.ion"
check "--json stays one document on stdout" \
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"
has "$tmp/err" "digraph ionsim" "the graph went to stderr under --json"

# ---- determinism -------------------------------------------------------------

run_ionsim run --explain --at 8 --graph --debugfs $bufinfo \
	--events "$tmp/e1" --metrics "$tmp/m1" "$tmp/example.ion" "$tmp/leak.ion"
cp "$tmp/out" "$tmp/o1"
run_ionsim run --explain --at 8 --graph --debugfs $bufinfo \
	--events "$tmp/e2" --metrics "$tmp/m2" "$tmp/example.ion" "$tmp/leak.ion"
check "same input, same bytes: text, views and narration" cmp "$tmp/o1" "$tmp/out"
check "same input, same bytes: events" cmp "$tmp/e1" "$tmp/e2"
check "same input, same bytes: metrics" cmp "$tmp/m1" "$tmp/m2"

finish
