#!/bin/bash
# session 30 run 1 (H100): upper bounds of latency hiding in the warp kernel, and a second stage. HEAD 10d68b6 (A)
# against the same tree with attn_decode_warp.o replaced (B, sm_90a only), in one process (abinproc.py):
#   nowait: no cp.async waits (the stage is read while its copies land; outputs wrong by design);
#   nocopy: no stage copies at all, the stage zeroed once (outputs wrong by design): the kernels' time without code bytes;
#   s2: two stages per warp, block j + 1's copies in flight while block j is computed (worktree branch double-stage);
#   s2one: the same for the one-row form only (-DWD_STAGES_FEW=1 -DWD_STAGES_GENERAL=1).
# _diag/src + diag-session30.diff made nowait and nocopy.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry30.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
VARS="s2 s2one nowait nocopy" FORMS=4s,2s ROUNDS=4 LOGS=$O bash benchmarks/ab_variants.sh | tee $O/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
