#!/bin/bash
# Session 44 run 5 (H200): the final tree (carry44d: the knob bindings share one helper). The KV test file, then where
# 37 residual rows go at GQA 8:1 and 7:1 now that a KV head's rows are two items (session 42's resplan.py: the plan's
# placement, the warp kernel, the CTA kernel; run 3 had +13 and +17 us at (8,64,8,32k) and (16,64,8,8k)).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 240 python3 -m pytest -q -x tests/test_cuda_kv.py > $OUT/kv_tests.txt 2>&1
tail -2 $OUT/kv_tests.txt
timeout 200 python3 benchmarks/results/decode-session42/run4/resplan.py \
    "1,64,8,32768;8,64,8,32768;16,64,8,8192;1,64,8,131072;4,56,8,32768;16,32,8,8192" "" 2>&1 | grep -v -i warn > $OUT/resplan.txt
cat $OUT/resplan.txt | cut -c1-250
