#!/bin/bash
# Session 39 run 6 (H200): few (few.diff): the residual image kernel with fewer CTAs, each taking units in turn
# (TURBOATTN_DECODE_IMAGE_CTAS = n, a diagnostic knob), so that it may fit in the warp kernel's free CTA slots instead
# of delaying its CTAs. Tree a29278e (carry39a.tgz), variant objects in var39c.tgz; n = 12, 24, 40, each timed
# against the tree in one process.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry39a.tgz && tar xzf build/var39c.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="1,32,32,32805;8,32,8,32805;16,32,8,8229;2,32,4,32805"
for n in 12 24 40; do
    echo "== TURBOATTN_DECODE_IMAGE_CTAS=$n"
    if [ $n = 12 ]; then
        TURBOATTN_DECODE_IMAGE_CTAS=$n VARS="r39few" FORMS=4s,2s ROUNDS=4 LOGS=$OUT timeout 120 bash benchmarks/ab_variants.sh 2>&1
    else
        TURBOATTN_DECODE_IMAGE_CTAS=$n ABN_FORMS=4s,2s timeout 100 python3 benchmarks/results/decode-session31/abn.py 4 $PWD /tmp/v_r39few 2>&1 | grep -v -i warn
    fi
done | tee $OUT/ab.txt
