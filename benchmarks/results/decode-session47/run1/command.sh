#!/bin/bash
# Session 47 run 1 (H200): 8-bit caches with 2 or more rows a KV head at D = 80, 96, 112 and 256 on the warp kernel's
# 8-bit few-row kernels (carry47a.tgz: the objects of this tree). The KV tests, the whole GPU suite and the
# sanitizers; bits8_few.py (against the CTA kernel, D = 256's 2-CTA row and SDPA).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry47a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 150 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_kv.py -k "padded or residual_rows_in or few_row_tiles or knobs or eight or 256" > $OUT/kv_focus.txt 2>&1
rc=$?
tail -n 3 $OUT/kv_focus.txt
if [ $rc = 0 ]; then # the whole suite only when those passed
    TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 330 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
    tail -n 7 $OUT/check.txt
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY|rc=" /tmp/check/sanitizer.txt | tee $OUT/sanitizer_summary.txt
fi
timeout 100 python3 benchmarks/results/decode-session47/run1/bits8_few.py --out $OUT 2>&1 | grep -v -i warn
