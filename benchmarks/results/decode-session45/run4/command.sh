#!/bin/bash
# Session 45 run 4 (H200): the committed tree b53e85d (carry45b.tgz: its objects). The whole GPU suite and the
# sanitizers; then decode_loop.py, the one-call step against SDPA flash on an FP16 cache: GQA 4:1 and MHA (32
# layers, B = 1, 32k tokens, 4 bits) and a 70B-class shape (80 layers, 64 query heads over 8).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry45b.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 330 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -n 7 $OUT/check.txt
M=turboattn,turboattn_step,sdpa_flash
{
timeout 100 python3 benchmarks/decode_loop.py --out $OUT/gqa --methods $M
timeout 100 python3 benchmarks/decode_loop.py --out $OUT/mha --hkv 32 --methods $M
timeout 150 python3 benchmarks/decode_loop.py --out $OUT/l70b --layers 80 --hq 64 --hkv 8 --methods $M
} 2>&1 | grep -v -i warn > $OUT/loop.txt
cat $OUT/loop.txt
