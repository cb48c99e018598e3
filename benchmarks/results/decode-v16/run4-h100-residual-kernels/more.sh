#!/bin/bash
# session 19 run 4, second call (same warm machine and build): three more rounds of resid.py, the settings' order
# rotated each round (the machine drifted by 5-10 % between command.sh's two rounds).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
S=benchmarks/results/decode-v16/run4-h100-residual-kernels/resid.py
one() { if [ $1 = plan ]; then python3 $S plan$2; else TURBOATTN_DECODE_RESIDUAL=$1 python3 $S $1$2; fi 2>&1 | grep -v -i warn; }
for order in "warp cta plan" "cta plan warp" "plan warp cta"; do
  i=$((${i:-2} + 1))
  for m in $order; do one $m $i; done
done | tee $OUT/resid_more.txt
