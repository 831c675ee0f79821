#!/usr/bin/env bash
# tests/scenarios/test_explore_cli.sh - `ionsim explore` as a user meets
# it: its help, the schedule counts of the reference scenario of
# ../shared/BENCHMARKS.md (exactly 110,565 with hashing and reduction
# off, far fewer with them), --jobs and --shard adding up to one search,
# the carveout race's counterexample replayed by `ionsim run` to the
# same finding, a fault's counterexample likewise, the library explored
# (clean files clean, and every counterexample of the others replaying),
# --kernel and --bug, incomplete searches, and bad input (exit 2).
#
# usage: test_explore_cli.sh IONSIM SOURCE_DIR
# IONSIM_CLI_WRAPPER, when set, is put before every ionsim command (for
# example "valgrind -q --error-exitcode=99 --leak-check=full").
set -uo pipefail

ionsim=${1:?usage: test_explore_cli.sh IONSIM SOURCE_DIR}
src=${2:?usage: test_explore_cli.sh IONSIM SOURCE_DIR}
wrap=${IONSIM_CLI_WRAPPER:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
here=$(cd "$(dirname "$0")" && pwd)
cd "$src" || exit 2

. "$here/clilib.sh"

spin=scenarios/lifetime/three_procs_explore.ion
race=scenarios/explore/carveout_race.ion

# ---- help ------------------------------------------------------------------

expect_status "ionsim explore --help" 0 explore --help
cp "$tmp/out" "$tmp/help"
for opt in --max-depth --max-preemptions --max-faults --max-states \
	   --max-seconds --memory --faults --no-hashing --no-reduction \
	   --shortest --jobs --shard --kernel --bug --fix --preempt=locks \
	   --counterexample --json \
	   --quiet "Exit status" incomplete; do
	has "$tmp/help" "$opt" "explore --help documents $opt"
done
expect_status "ionsim help explore" 0 help explore
same "ionsim help explore is ionsim explore --help" \
	"$(cat "$tmp/out")" "$(cat "$tmp/help")"
expect_status "ionsim --help" 0 --help
has "$tmp/out" "  explore " "ionsim --help lists explore"
expect_status "explore --bug list" 0 explore --bug list
has "$tmp/out" "--preempt=locks" "--bug list says races need --preempt=locks"
for bug in cve-2016-9120 cve-2017-0564 alloc-uaf pass-to-user \
	   import-resurrect kref-overflow cve-2021-0929 kmap-overflow \
	   deferred-frag no-user-refs query-einval; do
	has "$tmp/out" "$bug" "--bug list names $bug"
done

# ---- the reference scenario ------------------------------------------------

expect_status "reference, hashing and reduction off" 0 \
	explore --no-hashing --no-reduction --json "$spin"
cp "$tmp/out" "$tmp/spin-full.json"
same "reference: 110565 completed schedules" \
	"$(json "$tmp/spin-full.json" 'd["stats"]["completed"]')" 110565
same "reference: 110565 executions" \
	"$(json "$tmp/spin-full.json" 'd["stats"]["executions"]')" 110565
same "reference: complete and clean" \
	"$(json "$tmp/spin-full.json" 'd["result"], d["stats"]["complete"]')" \
	"('clean', True)"
same "reference: 3 actors, 15 steps" \
	"$(json "$tmp/spin-full.json" 'd["actors"], d["steps"]')" "(3, 15)"

expect_status "reference, reduction only" 0 \
	explore --no-hashing --json "$spin"
cp "$tmp/out" "$tmp/spin-red.json"
same "reduction leaves far fewer schedules, complete" \
	"$(json "$tmp/spin-red.json" \
		'd["stats"]["completed"] < 110565 // 10 and d["stats"]["complete"]')" \
	True
expect_status "reference, hashing and reduction" 0 explore --json "$spin"
same "hashing and reduction: fewer executions still, clean" \
	"$(json "$tmp/out" 'd["stats"]["executions"] < 1000 and d["result"]')" \
	clean

# ---- the camera pipeline: what commutes -----------------------------------

# 14 camera steps and 9 compositor steps whose first waits for the
# camera's 4th (the send): C(19, 9) = 92,378 orders.  Mapping for the
# ISP, syncing for the CPU and reading touch different parts of the one
# frame, so sleep sets keep one order per class of orders that differ
# by swapping those: 2,166, a 42.6x cut.
cam=scenarios/explore/camera_pipeline.ion
expect_status "camera pipeline, hashing and reduction off" 0 \
	explore --no-hashing --no-reduction --json "$cam"
same "camera pipeline: C(19,9) = 92378 complete schedules" \
	"$(json "$tmp/out" 'd["stats"]["completed"], d["result"]')" \
	"(92378, 'clean')"
expect_status "camera pipeline, reduction only" 0 \
	explore --no-hashing --json "$cam"
same "camera pipeline: sleep sets keep 2166, complete" \
	"$(json "$tmp/out" 'd["stats"]["completed"], d["stats"]["complete"]')" \
	"(2166, True)"
# Sleep sets lose no state when the footprints are right: a step
# declared independent that did not commute would hide states.
for f in "$cam" scenarios/sharing/camera_compositor.ion "$spin"; do
	expect_status "$f: hashing, no reduction" 0 \
		explore --no-reduction --json "$f"
	want=$(json "$tmp/out" 'd["stats"]["states_stored"]')
	expect_status "$f: hashing and reduction" 0 explore --json "$f"
	same "$f: the same $want states with and without sleep sets" \
		"$(json "$tmp/out" 'd["stats"]["states_stored"]')" "$want"
done

# ---- --jobs and --shard ----------------------------------------------------

expect_status "reference on 2 jobs, hashing and reduction off" 0 \
	explore --no-hashing --no-reduction --jobs 2 --json "$spin"
same "--jobs 2 completes the same 110565 schedules" \
	"$(json "$tmp/out" 'd["stats"]["completed"], d["result"]')" \
	"(110565, 'clean')"
expect_status "reference on 2 jobs, reduction on" 0 \
	explore --no-hashing --jobs 2 --json "$spin"
same "--jobs 2 equals --jobs 1" \
	"$(json "$tmp/out" 'd["stats"]["completed"]')" \
	"$(json "$tmp/spin-red.json" 'd["stats"]["completed"]')"
total=0
for i in 0 1 2; do
	run_ionsim explore --no-hashing --shard "$i/3" --json "$spin"
	total=$((total + $(json "$tmp/out" 'd["stats"]["completed"]')))
done
same "--shard 0/3, 1/3 and 2/3 add up to one search" "$total" \
	"$(json "$tmp/spin-red.json" 'd["stats"]["completed"]')"

# ---- the carveout race -------------------------------------------------------

expect_status "the race replays clean in file order" 0 run "$race"
expect_status "explore finds the race" 1 \
	explore --counterexample "$tmp/race-cex.ion" "$race"
has "$tmp/out" "counterexample, in the order the steps ran:" \
	"the counterexample is printed"
has "$tmp/out" "ENOMEM  <- violated here" "the violating step is marked"
has "$tmp/out" "result: VIOLATION" "the verdict says VIOLATION"
expect_status "explore --json on the race" 1 explore --json "$race"
cp "$tmp/out" "$tmp/race.json"
same "the violation is an unexpected ENOMEM" \
	"$(json "$tmp/race.json" 'd["violation"]["kind"], d["violation"]["steps"][-1]["errno"]')" \
	"('unexpected_failure', 'ENOMEM')"
same "--json carries the counterexample file" \
	"$(json "$tmp/race.json" 'd["violation"]["scenario"]')" \
	"$(cat "$tmp/race-cex.ion")"
expect_status "ionsim run replays the counterexample" 1 \
	run --json "$tmp/race-cex.ion"
same "the replay finds the same violation" \
	"$(replay_has "$tmp/race.json" "$tmp/out")" True
expect_status "explore --shortest on the race" 1 \
	explore --shortest --no-hashing --no-reduction --json "$race"
same "the shortest counterexample has 4 steps" \
	"$(json "$tmp/out" 'len(d["violation"]["steps"])')" 4
expect_status "the fixed handoff explores clean" 0 \
	explore scenarios/explore/frame_handoff.ion
expect_status "the fixed handoff survives one fault anywhere" 0 \
	explore --faults scenarios/explore/frame_handoff.ion
has "$tmp/out" "INCOMPLETE" "a fault-bounded search says it is incomplete"

# ---- a fault's counterexample ----------------------------------------------

cat >"$tmp/fault.ion" <<'EOF'
# live only when the allocation succeeds
heap system type=system id=0
process app
app open /dev/ion -> ion
app alloc ion 8K heap=system -> h
final live_buffers == 1
EOF
expect_status "explore without faults: clean" 0 explore "$tmp/fault.ion"
expect_status "explore --faults: the injected failure breaks the final" 1 \
	explore --faults --json --counterexample "$tmp/fault-cex.ion" \
	"$tmp/fault.ion"
cp "$tmp/out" "$tmp/fault.json"
if grep -qE '^fail [0-9]+ (pages|genpool|kobj|fd)$' "$tmp/fault-cex.ion"; then
	ok "the counterexample arms the fault with a fail line"
else
	not_ok "the counterexample arms the fault with a fail line" \
		"$tmp/fault-cex.ion"
fi
has "$tmp/fault-cex.ion" "final live_buffers == 1" \
	"an end-of-run violation keeps the finals"
expect_status "ionsim run replays the fault's counterexample" 1 \
	run --json "$tmp/fault-cex.ion"
same "the replay finds the same final" \
	"$(replay_has "$tmp/fault.json" "$tmp/out")" True

# ---- the library ----------------------------------------------------------

# Files whose every schedule keeps their promises.
clean="scenarios/basics/alloc_map_free.ion scenarios/basics/contract_example.ion
scenarios/basics/heap_mask_fallthrough.ion scenarios/basics/kernel_4_4.ion
scenarios/basics/seed_cma_cached.ion scenarios/dmaheap/camera_pipeline_dmaheap.ion
scenarios/dmaheap/dmaheap_basics.ion scenarios/drivers/dmabuf_test_from_kernel.ion
scenarios/errno/cma_enomem_eperm.ion scenarios/errno/eacces_allow.ion
scenarios/errno/ebadf.ion scenarios/errno/einval_free_twice.ion
scenarios/errno/einval_zero_len.ion scenarios/errno/enodev_bad_mask.ion
scenarios/errno/enotty_legacy_on_modern.ion scenarios/errno/enotty_tty.ion
scenarios/errno/query_4_9_einval.ion scenarios/fragmentation/chunk_waste.ion
scenarios/lifetime/attach_dmamap.ion scenarios/lifetime/crash_mid_share.ion
scenarios/lifetime/kmap_cpu_access.ion scenarios/lifetime/leaky_client_held.ion
scenarios/lifetime/orphaned_buffer.ion scenarios/lifetime/three_procs_explore.ion
scenarios/sharing/camera_compositor.ion scenarios/sharing/import_twice.ion
scenarios/sharing/unix_socket_two_procs.ion scenarios/explore/frame_handoff.ion
scenarios/explore/camera_pipeline.ion
scenarios/bugs/alloc_uaf.ion scenarios/bugs/cve_2016_9120.ion
scenarios/bugs/cve_2017_0564.ion scenarios/bugs/import_resurrect.ion
scenarios/bugs/kref_overflow.ion scenarios/bugs/pass_to_user.ion"
for f in $clean; do
	expect_status "explore $f: clean" 0 explore "$f"
	# Linux 4.9.337's locking leaves no race the file can show within
	# two preemptions, inside ioctls or between steps
	expect_status "explore --preempt=locks $f: clean" 0 \
		explore -q --preempt=locks "$f"
done
# Every other file has an expectation that holds in its own order only
# (or a finding in every order): each counterexample must replay.
for f in scenarios/*/*.ion; do
	case " $(echo "$clean" | tr '\n' ' ') " in *" $f "*) continue ;; esac
	base=$(basename "$f" .ion)
	expect_status "explore $f finds a violation" 1 \
		explore --json --counterexample "$tmp/$base-cex.ion" "$f"
	cp "$tmp/out" "$tmp/$base.json"
	expect_status "its counterexample replays" 1 \
		run --json "$tmp/$base-cex.ion"
	same "its replay has the same finding" \
		"$(replay_has "$tmp/$base.json" "$tmp/out")" True
done

# ---- --kernel and --bug -------------------------------------------------------

# (every mutant on its own scenario: test_bugs.sh)
expect_status "--kernel 4.4: the reference is clean (steps atomic)" 0 \
	explore --kernel 4.4 "$spin"
expect_status "--bug cve-2016-9120: a race, clean with atomic steps" 0 \
	explore --bug cve-2016-9120 scenarios/bugs/cve_2016_9120.ion
expect_status "--preempt=none is the default" 0 \
	explore --preempt=none --bug cve-2016-9120 \
	scenarios/bugs/cve_2016_9120.ion
expect_status "--fix all, then --bug: the fixed model plus one" 1 \
	explore --fix all --bug deferred-frag scenarios/bugs/deferred_frag.ion
expect_status "--bug, then --fix: the later one wins" 0 \
	explore --bug deferred-frag --fix deferred-frag \
	scenarios/bugs/deferred_frag.ion
expect_status "--kernel on a modern-ABI scenario is refused" 2 \
	explore --kernel 4.4 scenarios/errno/enotty_legacy_on_modern.ion
has "$tmp/err" "legacy-ABI" "the refusal says why"

# ---- incomplete searches ---------------------------------------------------

expect_status "--max-states 20: incomplete, no violation" 0 \
	explore --max-states 20 "$spin"
has "$tmp/out" "INCOMPLETE" "the summary says incomplete"
expect_status "--max-states 20 --json" 0 explore --max-states 20 --json "$spin"
same "--json says incomplete" "$(json "$tmp/out" 'd["result"]')" incomplete
expect_status "--max-depth 3: bounded" 0 explore --max-depth 3 --json "$spin"
same "a depth bound is incomplete" \
	"$(json "$tmp/out" 'd["result"], d["stats"]["bounded"]')" \
	"('incomplete', True)"
expect_status "the race needs a preemption: none allowed, none found" 0 \
	explore --max-preemptions 0 "$race"
has "$tmp/out" "INCOMPLETE" "a preemption-bounded search says incomplete"
expect_status "one preemption finds the race" 1 \
	explore --max-preemptions 1 "$race"
expect_status "-q prints nothing" 1 explore -q "$race"
same "-q's output is empty" "$(cat "$tmp/out")" ""

# ---- bad input -------------------------------------------------------------

printf 'process app\n\napp frobnicate /dev/ion -> ion\n' >"$tmp/bad.ion"
expect_status "a malformed file" 2 explore "$tmp/bad.ion"
has "$tmp/err" "bad.ion:3:5: error:" "the parse error names line and column"
expect_status "a missing file" 2 explore "$tmp/nope.ion"
expect_status "no file" 2 explore
expect_status "two files" 2 explore "$spin" "$race"
expect_status "an unknown option" 2 explore --frobnicate "$spin"
expect_status "--shard out of range" 2 explore --shard 2/2 "$spin"
expect_status "--shard malformed" 2 explore --shard 1 "$spin"
expect_status "--jobs 0" 2 explore --jobs 0 "$spin"
expect_status "--jobs with --shard" 2 explore --jobs 2 --shard 0/2 "$spin"
expect_status "an unknown kernel" 2 explore --kernel 5.0 "$spin"
expect_status "an unknown defect" 2 explore --bug nope "$spin"
has "$tmp/err" "no defect called 'nope'" "the refusal names it"
expect_status "an unknown fix" 2 explore --fix list "$spin"
expect_status "--preempt takes locks or none" 2 explore --preempt=all "$spin"
expect_status "--max-depth not a number" 2 explore --max-depth x "$spin"
expect_status "--max-seconds negative" 2 explore --max-seconds -1 "$spin"
expect_status "--memory 0" 2 explore --memory 0 "$spin"
expect_status "an unwritable counterexample" 2 \
	explore --counterexample "$tmp/no/such/dir/c.ion" "$race"

finish
