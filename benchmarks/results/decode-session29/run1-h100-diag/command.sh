#!/bin/bash
# session 29 run 1 (H100): diagnostic builds of the warp decode kernel, timed in turns against the tree (HEAD 7cc02aa).
# _diag/<v>/attn_decode_warp.o is csrc/attn_decode_warp.cu at HEAD plus diag.diff, compiled for sm_90a only with
# -DTA_DIAG_META (the value steps, zeros and block scale of every block read from the split's first block: L1 hits
# instead of 64 scattered sectors a block), -DTA_DIAG_NOTRANS (code_lines without its byte transposes: what a
# cache layout in mma fragment order would save) or both; _diag/free/attn_decode.o is csrc/attn_decode.cu with
# -DTA_DIAG_FREE (SAS calls take the free splits of the exact softmax: no look-back, what the look-back costs). Outputs of the variants are wrong by design; only time counts.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry29.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
for v in meta notrans both free; do
  ls _diag/$v/*.o > /dev/null 2>&1 || continue
  mkdir -p /tmp/v_$v/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_$v/ && cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_$v/build/
  cp _diag/$v/*.o /tmp/v_$v/build/temp.linux-x86_64-cpython-312/cuda/
  (cd /tmp/v_$v && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_$v.log 2>&1); echo "$v build rc=$? ($(( $(date +%s) - t0 )) s)"
  [ -f _diag/$v/attn_decode_warp.o ] && cuobjdump --dump-resource-usage _diag/$v/attn_decode_warp.o | grep -A1 "decode_warp_kernel" | grep -o "decode_warp_kernelIL[^:]*\|REG:[0-9]*\|STACK:[0-9]*\|LOCAL:[0-9]*" | paste - - - - | sed 's/decode_warp_kernelIL//' > $O/resources_$v.txt
done
export ABDEC_FORMS=4s,2s
for i in 1 2 3; do
  PYTHONPATH=$PWD python3 benchmarks/results/decode-session28/abdec.py base$i 2>&1 | grep -v -i warn
  for v in meta notrans both free; do
    [ -f /tmp/v_$v/turboattn/_C.cpython-312-x86_64-linux-gnu.so ] || continue
    PYTHONPATH=/tmp/v_$v python3 benchmarks/results/decode-session28/abdec.py $v$i 2>&1 | grep -v -i warn
  done
done | tee $O/ab.txt
python3 benchmarks/results/decode-session29/abstat.py $O/ab.txt | tee $O/ab_means.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
