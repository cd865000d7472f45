#!/bin/sh
# Runs one libFuzzer harness for a fixed number of executions over a COPY of its seed corpus,
# so new inputs land in <work dir>, never in the source tree; a crash is saved there too. Inputs
# are at most 8 KiB, so one allocation of 64 MiB is disproportionate and counts as a crash.
# BFEDGE_FUZZ_RESUME=1 keeps the corpus an earlier (perhaps killed) run grew in <work dir>: the
# corpus is libFuzzer's checkpoint, so the run goes on from the coverage already reached.
#   run_harness.sh <harness> <seed corpus dir> <work dir> <runs> [libFuzzer options...]
set -eu
harness=$1 seeds=$2 work=$3 runs=$4
shift 4
[ "${BFEDGE_FUZZ_RESUME:-0}" = 1 ] || rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp -n "$seeds"/* "$work/corpus/"
exec "$harness" -runs="$runs" -seed=1 -max_len=8192 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=64 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" "$work/corpus"
