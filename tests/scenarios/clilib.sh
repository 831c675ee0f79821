# tests/scenarios/clilib.sh - what the scripts that test the `ionsim`
# binary share: TAP-like ok/not ok lines with counts, running ionsim
# with its output kept, and the checks made on that output.
#
# Sourced, after the script has set: ionsim (the binary), wrap (a
# command put before it, e.g. valgrind; may be empty) and tmp (a
# scratch directory).  The script ends with `finish`.

passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "ok - $1"
}

not_ok() {
	failed=$((failed + 1))
	echo "not ok - $1"
	[ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -40
}

# run_ionsim ARGS...: stdout in $tmp/out, stderr in $tmp/err, the exit
# status in $status.
run_ionsim() {
	# shellcheck disable=SC2086
	$wrap "$ionsim" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# expect_status DESC WANT ARGS...: run ionsim, compare the exit status.
expect_status() {
	local desc=$1 want=$2
	shift 2
	run_ionsim "$@"
	if [ "$status" -eq "$want" ]; then
		ok "$desc (exit $want)"
	else
		cat "$tmp/out" >>"$tmp/err"
		echo "# exit status $status, wanted $want" >>"$tmp/err"
		not_ok "$desc (exit $want)" "$tmp/err"
	fi
}

# has FILE TEXT DESC: FILE holds the fixed string TEXT.
has() {
	if grep -qF -- "$2" "$1"; then
		ok "$3"
	else
		cp "$1" "$tmp/has.txt"
		echo "# missing: $2" >>"$tmp/has.txt"
		not_ok "$3" "$tmp/has.txt"
	fi
}

# same DESC GOT WANT: two values must be equal.
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		echo "# got '$2', wanted '$3'" >"$tmp/same.txt"
		not_ok "$1" "$tmp/same.txt"
	fi
}

# json FILE EXPR: the value of the Python expression EXPR over the JSON
# document in FILE (bound to d).
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2" 2>>"$tmp/json.err"
}

# replay_has EXPLORE_JSON RUN_JSON: True when the findings of `ionsim run
# --json` include the violation `ionsim explore --json` reported (same
# kind, same message; the line numbers are the counterexample's own).
replay_has() {
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))["violation"]
found = json.load(open(sys.argv[2]))["files"][0]["findings"]
print((v["kind"], v["check"]) in [(f["kind"], f["message"]) for f in found])' \
		"$1" "$2" 2>>"$tmp/json.err"
}

# finish: the counts, and the script's exit status.
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
