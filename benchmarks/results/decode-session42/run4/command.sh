#!/bin/bash
# Session 42 run 4 (H200): the residual rows at D = 128 (carry42b.tgz: 7db67c0 with _C.decode_last_plan). resplan.py
# prints the plan's choice and times the plan, the residual rows in either kernel and forced blocks per split.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry42b.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
R=benchmarks/results/decode-session42/run4/resplan.py
timeout 250 python3 $R "1,32,8,32768;1,32,32,32768;16,32,8,8192;8,32,8,32768;1,32,8,131072;1,64,8,32768" "3,4,6,8,11" 2>&1 |
    grep -v -i warn | tee $OUT/resplan4.txt
timeout 100 python3 $R "1,32,8,32768;1,32,32,32768;16,32,8,8192" "3,4,6,8,11" 2 2>&1 | grep -v -i warn | tee $OUT/resplan2.txt
# Then, on the same build (calls of their own): the kernels of one call (torch.profiler), tl_plan.txt and tl_warp.txt:
#   RES_D=128 python3 benchmarks/results/decode-session41/run8/kernels.py "1,32,8,32768;16,32,8,8192"
#   TURBOATTN_DECODE_RESIDUAL=warp RES_D=128 python3 benchmarks/results/decode-session41/run8/kernels.py "1,32,8,32768"
# and a call's host time next to its event time (hosttime.txt):
#   python3 benchmarks/results/decode-session42/run4/hosttime.py "1,32,8,32768;1,32,32,32768;16,32,8,8192;1,64,8,32768"
