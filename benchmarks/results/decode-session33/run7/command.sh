#!/bin/bash
# Session 33 run 7: the tree with early_combine.diff (the combine's early form: each row merged once its group's splits are written) against
# p88, the parent's attn_decode.o and attn_decode_warp.o (88334a4), in one process (ab_variants.sh: abn.py, 6 rounds);
# then the whole GPU suite and the sanitizers, and decode.py.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry33e.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 90 python3 -m pytest -q -x tests/test_cuda_kv.py -k "early or knobs or non_finite" 2>&1 | tail -3 | tee $OUT/smoke.txt
grep -q " passed" $OUT/smoke.txt && ! grep -q "failed\|error" $OUT/smoke.txt || { echo "smoke failed: stop"; exit 1; }
VARS="p88" FORMS=4s,2s,4e ROUNDS=6 timeout 200 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 280 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -12 $OUT/check.txt
timeout 100 python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -8
