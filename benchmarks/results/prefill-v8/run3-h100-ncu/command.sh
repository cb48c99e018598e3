#!/bin/bash
# session 5: ncu raw metrics of rows 0 and 5 (D=128), then the source view of row 5 (wgmma).
cd "$(dirname "$0")/.."
OUT=$OUT VARIANTS="0 5" bash benchmarks/gpu_profile_prefill.sh
OUT=$OUT NOBUILD=1 MODE=source VARIANTS=5 bash benchmarks/gpu_profile_prefill.sh
rm -f $OUT/ncu_v5.log
