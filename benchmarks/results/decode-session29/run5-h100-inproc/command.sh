#!/bin/bash
# session 29 run 5 (H100): A/Bs in one process (abinproc.py: both builds imported side by side, calls in turns, rounds
# in alternating order) against HEAD 7cc02aa: an A/A control (HEAD against a copy of itself) and the key quads of run 2
# (_quad: HEAD plus run 2's key_quads.diff, with its objects; quant.o is HEAD's, the same key).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry29.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
cp -n build/temp.linux-x86_64-cpython-312/cuda/quant.* _quad/build/temp.linux-x86_64-cpython-312/cuda/
(cd _quad && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_quad.log 2>&1); echo "quad build rc=$? ($(( $(date +%s) - t0 )) s)"
mkdir -p /tmp/v_same && cp -r turboattn /tmp/v_same/
A=benchmarks/results/decode-session29/abinproc.py
for pair in "same /tmp/v_same" "quad $PWD/_quad"; do
  set -- $pair
  echo "== HEAD (A) against $1 (B)"
  ABDEC_FORMS=4s,2s,4e python3 $A $PWD $2 6 2>&1 | grep -v -i warn
  echo "($(( $(date +%s) - t0 )) s)"
done | tee $O/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
