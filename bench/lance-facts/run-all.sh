#!/usr/bin/env bash
# Re-run every lance-facts experiment and store outputs under bench/lance-facts/out/.
# Needs RGW for the rgw half (otherwise fs only):
#   eval "$(bash test/support/rgw.sh start)"; bash bench/lance-facts/run-all.sh; bash test/support/rgw.sh stop "$RGW_DIR"
# q6 takes ~7 min with --big (1100 versions); pass Q6_ARGS= to skip --big.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p bench/lance-facts/out
run() { local name=$1; shift; echo ">> $name" >&2; node --import=tsx "bench/lance-facts/$name.ts" "$@" 2>&1 | sed -E 's#, /usr/local/cargo\S*##g' >"bench/lance-facts/out/$name.txt"; }
for s in q1-versions q3-checkout-restore q4-branches q5-tags-cleanup q7-memory-and-connect q8-types q9-vector q10-index q14-fork-of-fork-index; do run "$s"; done
run q2-concurrency fs; mv bench/lance-facts/out/q2-concurrency.txt bench/lance-facts/out/q2-concurrency-fs.txt
if [[ -n ${RGW_ENDPOINT:-} ]]; then
  run q2-concurrency rgw; mv bench/lance-facts/out/q2-concurrency.txt bench/lance-facts/out/q2-concurrency-rgw.txt
  run q6-request-costs ${Q6_ARGS---big}
  run q11-commit-faults
  run q13-read-handles rgw
  run q13b-checkout-during-write
fi
