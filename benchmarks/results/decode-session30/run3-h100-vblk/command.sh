#!/bin/bash
# session 30 run 3 (H100): would values laid out block-major read faster (run 2: token-major 64-byte pieces read at
# about 2/3 of contiguous blocks' bandwidth)? HEAD 10d68b6 (A) against the same tree with attn_decode_warp.o
# replaced (B, sm_90a only; _diag/src2 = csrc + diag-vblk.diff), in one process (abinproc.py). The warp kernel reads
# the same number of value bytes from other places, as a block-major layout would put them (outputs wrong by design):
#   vblk: codes (one contiguous 64 vrow run per block, head and batch) and value steps/zeros (64 G contiguous bytes);
#   vblkc: the codes only; vblks: the steps and zeros only.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry30.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
VARS="vblk vblkc vblks" FORMS=4s,2s,4e ROUNDS=4 LOGS=$O bash benchmarks/ab_variants.sh | tee $O/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
