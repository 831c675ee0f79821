#!/usr/bin/env bash
# Prints each Check suite's closing line from a ctest log, then one plain
# total line ("N passed, N failed") over every check of every suite.
# Usage: test-summary.sh LastTest.log
set -euo pipefail
log=${1:?usage: test-summary.sh LastTest.log}
[ -f "$log" ] || { echo "test-summary: no log at $log" >&2; exit 1; }
awk '
/^[0-9]+\/[0-9]+ Test: / { suite = $3 }
/^[0-9]+%: Checks: / {
	gsub(",", "")
	checks += $3; failed += $5 + $7
	printf "%-28s %s\n", suite, $0
}
END { printf "checks: %d passed, %d failed\n", checks - failed, failed }
' "$log"
