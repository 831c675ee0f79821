#!/usr/bin/env bash
# tests/scenarios/run_library.sh - replay the whole scenario library with
# `ionsim run` and check each file's exit status (and key lines of its
# summary) against tests/scenarios/library.txt.
#
# usage: run_library.sh IONSIM SOURCE_DIR
#
# The table must list every scenarios/<theme>/*.ion file and nothing
# else: a new library file fails the test until it is given a status.
# Every mismatch is reported, then the script exits 1 if there was any.
set -u

ionsim=${1:?usage: run_library.sh IONSIM SOURCE_DIR}
src=${2:?usage: run_library.sh IONSIM SOURCE_DIR}
table=$src/tests/scenarios/library.txt
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# The table as "path status" lines and "path|key line" lines.
entries=$(mktemp) keys=$(mktemp) out=$(mktemp)
trap 'rm -f "$entries" "$keys" "$out"' EXIT
awk -v entries="$entries" -v keys="$keys" '
	/^[ \t]*(#|$)/ { next }
	/^\|/ { sub(/^\| ?/, ""); print path "|" $0 > keys; next }
	{ path = $1; print $1, $2 > entries }
' "$table"

cd "$src" || exit 2

# Every library file is in the table, and every table entry exists.
for f in scenarios/*/*.ion; do
	grep -q "^$f " "$entries" || fail "$f is not in tests/scenarios/library.txt"
done

while read -r path status; do
	if [ ! -f "$path" ]; then
		fail "$path is in the table but does not exist"
		continue
	fi
	"$ionsim" run "$path" >"$out" 2>&1
	got=$?
	if [ "$got" != "$status" ]; then
		fail "$path: exit $got, expected $status"
		sed 's/^/    /' "$out"
		continue
	fi
	while IFS= read -r line; do
		key=${line#*|}
		grep -qF -- "$key" "$out" || {
			fail "$path: the summary lacks '$key'"
			sed 's/^/    /' "$out"
		}
	done < <(grep -F "$path|" "$keys")
	echo "ok   $path (exit $got)"
done <"$entries"

n=$(wc -l <"$entries")
if [ "$failures" -ne 0 ]; then
	echo "$failures problem(s) in $n library files"
	exit 1
fi
echo "all $n library files replay as tests/scenarios/library.txt says"
