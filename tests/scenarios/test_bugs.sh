#!/usr/bin/env bash
# tests/scenarios/test_bugs.sh - the claims of docs/BUGS.md, one by one:
# every mutant is found by `ionsim explore` within its default bounds on
# its scenario in scenarios/bugs/ (the races with --preempt=locks), the
# same scenario explores clean with the mutant's fix, the counterexample
# replays with `ionsim run` to the same finding (its `preempt`, `bug`
# and `kernel` lines included), --kernel picks the defects each release
# had (ION-SPEC 7: Linux 4.4, 4.9.45, 4.9.337), and a `preempt` line
# replays and narrates a preemption by hand.
#
# usage: test_bugs.sh IONSIM SOURCE_DIR
# IONSIM_CLI_WRAPPER, when set, is put before every ionsim command.
set -uo pipefail

ionsim=${1:?usage: test_bugs.sh IONSIM SOURCE_DIR}
src=${2:?usage: test_bugs.sh IONSIM SOURCE_DIR}
wrap=${IONSIM_CLI_WRAPPER:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
here=$(cd "$(dirname "$0")" && pwd)
cd "$src" || exit 2

. "$here/clilib.sh"

# ---- every mutant on its scenario -----------------------------------------

# mutant, and whether it is a race (needs --preempt=locks)
mutants="cve-2016-9120:race cve-2017-0564:race alloc-uaf:race
pass-to-user:race import-resurrect:race kref-overflow:- cve-2021-0929:-
deferred-frag:-"
for entry in $mutants; do
	m=${entry%%:*}
	file=scenarios/bugs/$(echo "$m" | tr - _).ion
	pre=
	[ "${entry##*:}" = race ] && pre=--preempt=locks
	# shellcheck disable=SC2086
	expect_status "$m: found on $file" 1 \
		explore $pre --bug "$m" --json --counterexample "$tmp/$m.ion" \
		"$file"
	cp "$tmp/out" "$tmp/$m.json"
	# shellcheck disable=SC2086
	expect_status "$m: clean with its fix" 0 explore $pre --fix "$m" "$file"
	has "$tmp/$m.ion" "bug $m" "$m: the counterexample switches it on"
	expect_status "$m: the counterexample replays" 1 run --json "$tmp/$m.ion"
	same "$m: same finding in the replay" \
		"$(replay_has "$tmp/$m.json" "$tmp/out")" True
	if [ -n "$pre" ]; then
		has "$tmp/$m.ion" "preempt " "$m: the counterexample preempts"
		# shellcheck disable=SC2086
		expect_status "$m: a race: clean with atomic steps" 0 \
			explore --bug "$m" "$file"
	fi
done

# ---- preemption with the other switches -----------------------------------

expect_status "cve-2017-0564 on 2 jobs" 1 \
	explore --preempt=locks --bug cve-2017-0564 --jobs 2 --json \
	--counterexample "$tmp/jobs.ion" scenarios/bugs/cve_2017_0564.ion
cp "$tmp/out" "$tmp/jobs.json"
same "the two FREEs ran inside the SHARE (or one inside the other)" \
	"$(json "$tmp/jobs.json" '[s["depth"] > 0 for s in d["violation"]["steps"] if "actor" in s]')" \
	"[False, False, False, True, True]"
expect_status "its counterexample, through a worker's pipe, replays" 1 \
	run --json "$tmp/jobs.ion"
same "the same finding" "$(replay_has "$tmp/jobs.json" "$tmp/out")" True
for file in scenarios/bugs/cve_2016_9120.ion scenarios/bugs/cve_2017_0564.ion \
	    scenarios/bugs/alloc_uaf.ion scenarios/bugs/pass_to_user.ion \
	    scenarios/bugs/import_resurrect.ion; do
	expect_status "$file: every fault inside every preemption, fixed model" \
		0 explore -q --preempt=locks --faults "$file"
done

# ---- releases --------------------------------------------------------------

# kernel: the scenarios that break on it (every other one explores clean
# or incomplete within the bounds)
releases="4.4:alloc_uaf,cve_2016_9120,cve_2017_0564,cve_2021_0929,deferred_frag,kref_overflow,pass_to_user
4.9.45:alloc_uaf,cve_2017_0564,cve_2021_0929,deferred_frag,kref_overflow,pass_to_user
4.9.337:cve_2021_0929,deferred_frag"
for entry in $releases; do
	k=${entry%%:*}
	for file in scenarios/bugs/*.ion; do
		base=$(basename "$file" .ion)
		want=0
		case ",${entry#*:}," in *",$base,"*) want=1 ;; esac
		expect_status "--kernel $k: $base" "$want" \
			explore -q --preempt=locks --kernel "$k" "$file"
	done
done

# ---- a preemption written by hand ------------------------------------------

cat >"$tmp/hand.ion" <<'ION'
kernel 4.4
process app
thread app.t2
app    open /dev/ion -> ion
app    alloc ion 4K heap=system -> h
preempt 1 unlock client->lock
app    free ion h
app.t2 free ion h
ION
expect_status "CVE-2016-9120 by hand: the double FREE is a use after free" \
	1 run --explain "$tmp/hand.ion"
has "$tmp/out" "  -- preempted: line 8 runs here --" \
	"the narration says where the second FREE ran"
has "$tmp/out" "line 7 resumes:" "and where the first went on"
has "$tmp/out" "use after free of a destroyed handle" "the audit's finding"
sed -i 's/^kernel 4.4$/kernel 4.9.337/; s/^app.t2 free ion h$/& => EINVAL/' \
	"$tmp/hand.ion"
expect_status "the same on 4.9.337: the second FREE is EINVAL" 0 \
	run "$tmp/hand.ion"
sed -i 's/^preempt 1 unlock/preempt 9 unlock/' "$tmp/hand.ion"
expect_status "a preemption whose point never comes" 1 run "$tmp/hand.ion"
has "$tmp/out" "never reached that point" "is a skipped finding"
printf 'process app\napp open /dev/ion -> ion\npreempt 1 lock client->lock\n' \
	>"$tmp/last.ion"
expect_status "a preemption with no step after it" 1 run "$tmp/last.ion"
has "$tmp/out" "no step follows it" "is a skipped finding"

finish
