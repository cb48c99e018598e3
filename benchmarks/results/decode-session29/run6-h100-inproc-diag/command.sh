#!/bin/bash
# session 29 run 6 (H100): run 4's diagnostics again, in one process each (abinproc.py): HEAD 7cc02aa (_baseline, with
# its objects) against the same tree with run 4's objects: code_lines without its byte transposes on the key side
# (ntk) or on the value side (ntv). The diagnostic outputs are wrong by design ("differ"); only time counts.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry29.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
for v in ntk ntv; do
  rm -rf /tmp/v_$v && mkdir -p /tmp/v_$v/build && cp -r _baseline/{setup.py,pyproject.toml,README.md,csrc,turboattn} /tmp/v_$v/
  cp -r _baseline/build/temp.linux-x86_64-cpython-312 /tmp/v_$v/build/ && cp _diag/$v/*.o /tmp/v_$v/build/temp.linux-x86_64-cpython-312/cuda/
  (cd /tmp/v_$v && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_$v.log 2>&1); echo "$v build rc=$? ($(( $(date +%s) - t0 )) s)"
done
A=benchmarks/results/decode-session29/abinproc.py
for v in ntk ntv; do
  echo "== HEAD (A) against $v (B)"
  ABDEC_FORMS=4s,2s python3 $A $PWD/_baseline /tmp/v_$v 4 2>&1 | grep -v -i warn
  echo "($(( $(date +%s) - t0 )) s)"
done | tee $O/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
