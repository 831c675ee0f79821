#!/usr/bin/env bash
# tests/scenarios/test_gen.sh - `ionsim gen`: every workload's traces
# parse and replay with exit 0; the same options give the same bytes
# (stdout or -o alike), another seed gives another trace; bad options
# exit 2 and write nothing.
#
# usage: test_gen.sh IONSIM
set -u

ionsim=${1:?usage: test_gen.sh IONSIM}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# gen_replays "ARGS": generate twice (stdout, then -o), compare, replay.
gen_replays() {
	local args=$1 a="$dir/a.ion" b="$dir/b.ion"

	# shellcheck disable=SC2086
	if ! "$ionsim" gen $args >"$a"; then
		fail "ionsim gen $args: exit $?"
		return
	fi
	# shellcheck disable=SC2086
	"$ionsim" gen $args -o "$b" || fail "ionsim gen $args -o: exit $?"
	cmp -s "$a" "$b" || fail "ionsim gen $args: two runs differ"
	"$ionsim" run -q "$a" 2>"$dir/err"
	local st=$?
	if [ "$st" != 0 ]; then
		fail "ionsim gen $args: replay exit $st"
		"$ionsim" run "$a" 2>&1 | head -40 | sed 's/^/    /'
		return
	fi
	echo "ok   ionsim gen $args ($(wc -l <"$a") lines, replay exit 0)"
}

# differs "ARGS1" "ARGS2": two option sets must give different steps
# (comments aside: the header quotes the options, so it always differs).
differs() {
	# shellcheck disable=SC2086
	"$ionsim" gen $1 | grep -v '^#' >"$dir/x.ion" &&
		"$ionsim" gen $2 | grep -v '^#' >"$dir/y.ion" &&
		! cmp -s "$dir/x.ion" "$dir/y.ion" ||
		fail "ionsim gen '$1' and '$2' give the same steps"
}

# refused "ARGS": exit 2 and no output file.
refused() {
	rm -f "$dir/r.ion"
	# shellcheck disable=SC2086
	"$ionsim" gen $1 -o "$dir/r.ion" 2>/dev/null
	local st=$?
	[ "$st" = 2 ] || fail "ionsim gen $1: exit $st, expected 2"
	[ ! -e "$dir/r.ion" ] || fail "ionsim gen $1: wrote a file"
}

gen_replays "camera"
gen_replays "camera --frames 1 --steps 40 --seed 5"
gen_replays "camera --frames 8 --steps 100 --seed 6"
gen_replays "gralloc"
gen_replays "gralloc --procs 6 --steps 2000 --seed 7"
gen_replays "mix"
gen_replays "mix --procs 1 --steps 400 --seed 8"
gen_replays "mix --procs 6 --steps 4000 --seed 9"
gen_replays "churn --steps 20000"
gen_replays "churn --steps 30000 --procs 4 --seed 10"
gen_replays "churn --keep --steps 20000 --procs 2"

differs "camera --steps 200 --seed 1" "camera --steps 200 --seed 2"
differs "gralloc --seed 1" "gralloc --seed 2"
# Long traces reuse the names of variables whose objects are gone: before
# they did, mix and gralloc ran past the parser's 65,536 names.
gen_replays "mix --steps 200000"
gen_replays "gralloc --steps 100000"
differs "mix --seed 1" "mix --seed 2"
differs "churn --steps 1000 --seed 1" "churn --steps 1000 --seed 2"

"$ionsim" gen --help >"$dir/help" || fail "ionsim gen --help: exit $?"
grep -q "usage: ionsim gen" "$dir/help" || fail "ionsim gen --help: no usage"
refused ""
refused "nosuch"
refused "mix --steps 0"
refused "mix --seed x"
refused "mix --frames 3"
refused "camera --keep"
refused "camera --frames 65"
refused "churn --procs 0"
refused "mix --bogus"

if [ "$failures" -ne 0 ]; then
	echo "$failures problem(s)"
	exit 1
fi
echo "ionsim gen: every trace replays with exit 0 and is reproducible"
