#!/bin/bash
# Session 46 run 1 (H200): D = 112 on the warp kernel (WD_PAD rows) and 8-bit caches at D = 80, 96, 112 in the
# one-row form (carry46a.tgz: the objects of this tree). The KV tests of those paths, the whole GPU suite and the
# sanitizers; bits8.py (8-bit caches at D = 80, 96, 112, 128 against the CTA kernel and SDPA).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_kv.py -k "padded or residual_rows_in or few_row_tiles or knobs or clamped or exact_softmax" > $OUT/kv_focus.txt 2>&1
rc=$?
tail -n 3 $OUT/kv_focus.txt
if [ $rc = 0 ]; then # the whole suite only when those passed
    TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 360 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
    tail -n 7 $OUT/check.txt
fi
timeout 150 python3 benchmarks/results/decode-session46/run1/bits8.py --out $OUT 2>&1 | grep -v -i warn
