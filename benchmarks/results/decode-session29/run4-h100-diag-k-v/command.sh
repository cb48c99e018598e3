#!/bin/bash
# session 29 run 4 (H100): run 1's NOTRANS diagnostic split into its key side (-DTA_DIAG_NOTRANS_K: code_lines_nt in
# wd_key_digit_mma, the one- and few-row forms' keys) and its value side (-DTA_DIAG_NOTRANS_V: in wd_values' DIG/VD
# path). _diag/<v>/attn_decode_warp.o is csrc/attn_decode_warp.cu at HEAD 7cc02aa plus diag.diff, sm_90a only.
# Outputs of the variants are wrong by design; only time counts. abdec.py in turns, base (HEAD) first.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry29.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
for v in ntk ntv; do
  ls _diag/$v/*.o > /dev/null 2>&1 || continue
  mkdir -p /tmp/v_$v/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_$v/ && cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_$v/build/
  cp _diag/$v/*.o /tmp/v_$v/build/temp.linux-x86_64-cpython-312/cuda/
  (cd /tmp/v_$v && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_$v.log 2>&1); echo "$v build rc=$? ($(( $(date +%s) - t0 )) s)"
  [ -f _diag/$v/attn_decode_warp.o ] && cuobjdump --dump-resource-usage _diag/$v/attn_decode_warp.o | grep -A1 "decode_warp_kernel" | grep -o "decode_warp_kernelIL[^:]*\|REG:[0-9]*\|STACK:[0-9]*\|LOCAL:[0-9]*" | paste - - - - | sed 's/decode_warp_kernelIL//' > $O/resources_$v.txt
done
export ABDEC_FORMS=4s,2s
for i in 1 2 3; do
  PYTHONPATH=$PWD python3 benchmarks/results/decode-session28/abdec.py base$i 2>&1 | grep -v -i warn
  for v in ntk ntv; do
    [ -f /tmp/v_$v/turboattn/_C.cpython-312-x86_64-linux-gnu.so ] || continue
    PYTHONPATH=/tmp/v_$v python3 benchmarks/results/decode-session28/abdec.py $v$i 2>&1 | grep -v -i warn
  done
done | tee $O/ab.txt
python3 benchmarks/results/decode-session29/abstat.py $O/ab.txt | tee $O/ab_means.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
