#!/bin/bash
# Session 47 run 4 (H200): head dims 32 and 48 on the warp kernel's D = 64 one-row and few-row forms (carry47d.tgz:
# the objects of this tree). The KV tests of the padded paths, the whole GPU suite and the sanitizers (a D = 48 case);
# small_dims.py (against the CTA kernel and SDPA).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry47d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 1: attn_prefill.cu (left out of the carry, which the working tree limit reached)
timeout 150 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_kv.py -k "padded or residual_rows_in or few_row_tiles or knobs or clamped or exact_softmax or eight" > $OUT/kv_focus.txt 2>&1
rc=$?
tail -n 3 $OUT/kv_focus.txt
if [ $rc = 0 ]; then # the whole suite only when those passed
    TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 330 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
    tail -n 7 $OUT/check.txt
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY|rc=" /tmp/check/sanitizer.txt | tee $OUT/sanitizer_summary.txt
fi
timeout 100 python3 benchmarks/results/decode-session47/run4/small_dims.py --out $OUT 2>&1 | grep -v -i warn
