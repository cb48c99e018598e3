#!/bin/bash
# session 11 run 8 (tree 82e8990): where the residual split's CTA kernel spends its 32 us now (same as run 4).
# ncu source counters on (1, 32, 32, 32805), 4-bit, with the SASS/CUDA-line correlation exported.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
t0=$(date +%s)
rm -rf build turboattn/_C*.so
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
sed -n '/^cat > \/tmp\/profile_decode_case.py/,/^PY$/p' benchmarks/gpu_profile_decode.sh | sed '1d;$d' > /tmp/case.py
PYTHONPATH=$ROOT timeout 200 ncu --section SourceCounters --section WarpStateStats --section LaunchStats --section Occupancy \
  -k regex:"^decode_kernel" -s 1 -c 1 -o /tmp/res_src -f python3 /tmp/case.py 1 32 32 32805 4 > $OUT/ncu.log 2>&1
echo "ncu rc=$?"
ncu -i /tmp/res_src.ncu-rep --page details > $OUT/details.txt 2>&1
ncu -i /tmp/res_src.ncu-rep --page source --csv --print-source cuda > $OUT/source_cuda.csv 2>&1; gzip -f $OUT/source_cuda.csv
ncu -i /tmp/res_src.ncu-rep --page source --csv --print-source sass | gzip > $OUT/source_sass.csv.gz
grep -E "Duration|Grid Size|Block Size|Registers|Shared Memory|Waves|Achieved|Stall|Warp Cycles" $OUT/details.txt | head -30
echo "total: $(( $(date +%s) - t0 )) s"
