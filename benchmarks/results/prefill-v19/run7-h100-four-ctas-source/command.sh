#!/bin/bash
# session 23 run 7 (H100): where the four-CTA row's warps stall (row 0, the default since a4b217e) against the
# three-CTA row (row 1): ncu source counters on one 4k launch (B = 2, D = 128, SAS, no mask), exported as CSV
# (benchmarks/gpu_profile_prefill.sh MODE=source), plus the raw metrics of the same launch of both rows.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
OUT=$OUT MODE=source VARIANTS="0 1" bash benchmarks/gpu_profile_prefill.sh
OUT=$OUT NOBUILD=1 VARIANTS="0 1" bash benchmarks/gpu_profile_prefill.sh
gzip -9 $OUT/source_sass_v*.csv
ls -la $OUT
