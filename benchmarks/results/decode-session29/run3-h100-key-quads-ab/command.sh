#!/bin/bash
# session 29 run 3 (H100): run 2's A/B again with 5 rounds (run 2's third round had every shape of the new tree
# +9 to +31 % slower). Keys at 4 and 2 bits in channel quads (ta_kv_key_row) against HEAD 7cc02aa (_baseline:
# `git archive 7cc02aa` with its own five CUDA objects); abdec.py in alternating processes.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry29.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
for i in 1 2 3 4 5; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/decode-session28/abdec.py base$i 2>&1 | grep -v -i warn
  PYTHONPATH=$PWD python3 benchmarks/results/decode-session28/abdec.py new$i 2>&1 | grep -v -i warn
done | tee $O/ab.txt
python3 benchmarks/results/decode-session29/abstat.py $O/ab.txt | tee $O/ab_means.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
