#!/bin/bash
# session 18 run 1 (H100): per-CTA clocks of the attention kernel (diagnostic build with prefill_args.trace) at
# N = 4k and 16k, D = 128: where a 4k CTA's extra time per unit of work goes.
# Tree: 122e5a9 with the clock parts of ../run2-h100-clocks-after/clocks.diff (prefill_args.trace, trace_mark, the
# launcher's TURBOATTN_PREFILL_TRACE dump); the kernels otherwise as committed.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.sm --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD python3 benchmarks/results/prefill-v16/trace.py $OUT 2>&1 | grep -v warn | tee $OUT/trace.txt

echo "all done ($(( $(date +%s) - t0 )) s)"
