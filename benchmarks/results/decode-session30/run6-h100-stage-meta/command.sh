#!/bin/bash
# session 30 run 6 (H100): with the values block-major (9e83a19, A), does any of run 1's waits matter now, and does
# staging the value steps and zeros pay? B: the same tree with attn_decode_warp.o replaced (sm_90a only):
#   vmeta: the block's value steps and zeros copied into the stage with its codes (now one 64 G-byte run each),
#          read from there after the wait instead of by four global loads a lane (_diag/src6; outputs must be equal);
#   s2b, s2oneb: run 1's s2 and s2one (branch double-stage) on the new layout (_diag/src4);
#   nowait2: run 1's nowait on the new layout (_diag/src5; outputs wrong by design).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry30.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > $O/log.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)" | tee -a $O/log.txt
VARS="vmeta s2oneb s2b nowait2" FORMS=4s,2s,4e ROUNDS=4 bash benchmarks/ab_variants.sh | tee $O/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)" | tee -a $O/log.txt
