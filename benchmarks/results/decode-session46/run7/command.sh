#!/bin/bash
# Session 46 run 7 (H200): the residual rows quantized and scored in the combine, beside the decode kernels
# (carry46c.tgz: the objects of this tree). The KV and step tests of the residual paths; resplace.py (single calls,
# 37 residual rows: comb / the plan before / warp / cta); stepres.py (a 32-layer loop of fused steps, comb against the
# plan before, token by token); a step's timeline.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46c.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 240 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_kv.py tests/test_decode_step.py -k "residual or knobs or last_plan or exact_softmax or non_finite or padded or step" > $OUT/focus.txt 2>&1
rc=$?
tail -n 15 $OUT/focus.txt | grep -v "^\.\+\s*\[" | tail -n 12
[ $rc = 0 ] || exit 1
R=benchmarks/results/decode-session46/run6
timeout 200 python3 $R/resplace.py "1,32,8,32768;1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072;1,64,8,32768;1,8,1,32768;4,32,8,32768;1,32,32,32768,96;1,16,8,32768,256;1,14,2,32768,64" 2>&1 | grep -v -i warn | tee $OUT/resplace.txt
timeout 150 python3 $R/stepres.py "1,32,8,32768,128;1,32,32,32768,128;1,64,8,32768,128;8,32,8,32768,128" 2>&1 | grep -v -i warn | tee $OUT/stepres.txt
timeout 60 python3 benchmarks/timeline.py step 1 32 8 32788 > $OUT/timeline_step_1_32_8.txt 2>&1
grep -v " host " $OUT/timeline_step_1_32_8.txt | sed -n 1,12p
