#!/bin/bash
# session 25 run 4 (H100): ncu source counters of the v22 default SAS kernel at 4k (B = 2, D = 128, no mask), as
# prefill-v21 run 6 did for v21, and the opcodes per warp-block of both (opcodes.py).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R/sas
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
OUT=$R/sas MODE=source NOBUILD=1 VARIANTS=0 bash benchmarks/gpu_profile_prefill.sh
python3 benchmarks/ncu_source_regions.py $R/sas/source_sass_v0.csv | tee $R/sas/regions.txt
python3 benchmarks/results/prefill-v22/run4-h100-source-sas/opcodes.py \
  v21=benchmarks/results/prefill-v21/run6-h100-source-sas-exact/sas/source_sass_v0.csv.gz \
  v22=$R/sas/source_sass_v0.csv exact=benchmarks/results/prefill-v21/run6-h100-source-sas-exact/exact/source_sass_v0.csv.gz \
  | tee $R/opcodes.txt
gzip -9 $R/sas/source_sass_v0.csv
tar czf $OUT/run.tgz -C $OUT r
