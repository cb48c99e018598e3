#!/bin/bash
# session 18 run 7 (H100): per-warp clocks of the decode warp kernel (diagnostic build with dec_args.trace).
# Tree: 41d978a plus dclocks.diff (dec_args.trace, wd_mark, the launcher's TURBOATTN_DECODE_TRACE dump).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD python3 benchmarks/results/decode-v15/dtrace.py $OUT 2>&1 | grep -v -i warn | tee $OUT/dtrace.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
