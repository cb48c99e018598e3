#!/bin/bash
# session 27 run 3 (same machine as run 2, the tree with ../run2-h100-four-ctas/one_row_four_ctas.diff applied): the stall
# tables of both rows at 4 bits (--print-details all).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
sed -n '/^cat > \/tmp\/profile_decode_case.py/,/^PY$/p' benchmarks/gpu_profile_decode.sh | sed '1d;$d' > /tmp/case.py
for var in 0 1; do
  TURBOATTN_DECODE_VARIANT=$var timeout 200 ncu --section WarpStateStats --section ComputeWorkloadAnalysis \
      --section MemoryWorkloadAnalysis --print-details all -k regex:decode_warp_kernel -s 2 -c 1 \
      python3 /tmp/case.py 1 32 32 32768 4 > $R/ncu_stalls_v$var.txt 2>&1
  echo "== variant $var"
  sed -n '/Warp State (All Cycles)/,/Stall Tex/p' $R/ncu_stalls_v$var.txt | grep -E "Stall|Selected" | awk '$NF>0.05 {$1=$1; print "   " $0}'
  grep -E "SM: (Pipe Alu|Inst Executed Pipe Lsu|Pipe Fmaheavy|Mio Inst)|L1: (Data Pipe Lsu Wavefronts|Data Bank)|L2: T Tag|DRAM: Cycles" $R/ncu_stalls_v$var.txt | awk '{$1=$1; print "   " $0}'
done
tar czf $OUT/run.tgz -C $OUT r
