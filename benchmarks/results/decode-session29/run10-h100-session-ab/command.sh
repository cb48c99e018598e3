#!/bin/bash
# session 29 run 10 (H100): the session's kernels against its start, in one process (abinproc.py): 7cc02aa (_s0, built
# from `git archive 7cc02aa`) against the final tree (4357762: key and value quads): decode (6 rounds), then building a
# cache (quantize_kv_cuda; ABDEC_COMPRESS=1, 4 rounds), whose kernel now scatters the packed bytes.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry29.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
(cd _s0 && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_s0.log 2>&1); echo "s0 build rc=$? ($(( $(date +%s) - t0 )) s)"
A=benchmarks/results/decode-session29/abinproc.py
ABDEC_FORMS=4s,2s,4e,2e python3 $A $PWD/_s0 $PWD 6 2>&1 | grep -v -i warn | tee $O/ab.txt
ABDEC_COMPRESS=1 python3 $A $PWD/_s0 $PWD 4 2>&1 | grep -v -i warn | tee $O/ab_compress.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
