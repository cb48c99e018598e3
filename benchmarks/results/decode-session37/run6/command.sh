#!/bin/bash
# Session 37 run 6: what skipping sparse blocks gives where attention is sparse. skip2 (run 3) against the tree
# (93271d7) in one process on ABN_DIST=sink:12 (abn.py: token 0 and 15 random tokens of every head pushed 12 along a
# direction q leans towards; by a NumPy count 59-91 % of the blocks then have no score within the threshold of the
# running maximum), 4 and 2 bits with SAS.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz && tar xzf build/var37c.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
ABN_DIST=sink:12 VARS="skip2" FORMS=4s,2s ROUNDS=8 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
