#!/bin/bash
# session 24 run 6 (H100): ncu source counters of the default four-CTA kernel at 4k (B = 2, D = 128, no mask), SAS and
# softmax="exact", to count the instructions a score of each (benchmarks/ncu_source_regions.py on the exports).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R/sas $R/exact
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
OUT=$R/sas MODE=source NOBUILD=1 VARIANTS=0 bash benchmarks/gpu_profile_prefill.sh
OUT=$R/exact MODE=source NOBUILD=1 VARIANTS=0 SOFTMAX=exact bash benchmarks/gpu_profile_prefill.sh
for s in sas exact; do echo "== $s"; python3 benchmarks/ncu_source_regions.py $R/$s/source_sass_v0.csv | tee $R/$s/regions.txt; done
gzip -9 $R/*/source_sass_v0.csv
tar czf $OUT/run.tgz -C $OUT r
