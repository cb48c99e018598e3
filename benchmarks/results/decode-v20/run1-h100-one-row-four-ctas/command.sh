#!/bin/bash
# session 23 run 1 (H100): the one-row form of the decode warp kernel (one query row per item: the MHA shape) at
# four CTAs per SM (128 registers, no spills in ptxas) as row 0 of D = 128, the three-CTA row (the default
# before) as row 1, in one build. Checks: the CUDA cache and decode-step files. Timings: decode-v15/abdec.py in
# alternating processes, three rounds, TURBOATTN_DECODE_VARIANT=1 then 0; only the (1, 32, 32, 32k) column compares
# the two rows (with variant 1 the GQA shapes run the general row instead of the few-row one).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//'
PYTHONPATH=$PWD timeout 240 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_kv.py tests/test_decode_step.py > $OUT/pytest_kv.log 2>&1
rc=$?; echo "kv rc=$rc: $(tail -1 $OUT/pytest_kv.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_kv.log | head -20
[ $rc -eq 0 ] || exit 1
export ABDEC_FORMS=4s,2s,4e
for i in 1 2 3; do
  for v in 1 0; do TURBOATTN_DECODE_VARIANT=$v PYTHONPATH=$PWD python3 benchmarks/results/decode-v15/abdec.py v$v.r$i 2>&1 | grep -v warn; done
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
