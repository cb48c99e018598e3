#!/bin/bash
# session 30 run 9 (H100): more key blocks in flight in the one-row form only, the values kept at one stage
# (key-stages.diff = run 6's s2.diff with wd_values and its first copies at one stage; _diag/src8, sm_90a only):
# k2one two key stages, k3one three. 9e83a19 (A) against each (B) in one process; outputs must be bit-equal.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
tar xzf build/carry30.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "build rc=$?" | tee $O/log.txt
VARS="k2one k3one" FORMS=4s,2s,4e ROUNDS=4 bash benchmarks/ab_variants.sh | tee $O/ab.txt
