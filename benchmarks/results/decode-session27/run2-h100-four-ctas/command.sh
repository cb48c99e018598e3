#!/bin/bash
# session 27 run 2 (nvidia-h100-x1): the tree with one_row_four_ctas.diff applied (session 23's row: the one-row
# form at 4 CTAs per SM, 128 registers, as variant 0; the 3-CTA row is variant 1). Does the fourth CTA raise the
# eligible warps and the issue rate (ncu), and the speed (ab.py)? Objects carried from a local build of that tree.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
D=benchmarks/results/decode-session27/run2-h100-four-ctas
R=$OUT/r; mkdir -p $R
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
python3 $D/ab.py 2>&1 | tee $R/ab.txt
sed -n '/^cat > \/tmp\/profile_decode_case.py/,/^PY$/p' benchmarks/gpu_profile_decode.sh | sed '1d;$d' > /tmp/case.py
for var in 0 1; do for bits in 4 2; do
  TURBOATTN_DECODE_VARIANT=$var timeout 200 ncu --section SpeedOfLight --section Occupancy --section WarpStateStats \
      --section SchedulerStats --section ComputeWorkloadAnalysis -k regex:decode_warp_kernel -s 2 -c 1 \
      python3 /tmp/case.py 1 32 32 32768 $bits > $R/ncu_v${var}_b$bits.txt 2>&1
  echo "== variant $var, $bits bits: $(grep -m1 'decode_warp_kernel<' $R/ncu_v${var}_b$bits.txt | sed 's/(dec_args.*//')"
  grep -E "^ +(Duration|Registers Per Thread|Achieved Active Warps|Eligible Warps Per|Active Warps Per Sched|Issued Warp Per|Warp Cycles Per Issued|Stall (Wait|Short|Long)|Compute \(SM\) Throughput|DRAM Throughput|Waves Per SM) " $R/ncu_v${var}_b$bits.txt | sort -u | awk '{$1=$1; print "   " $0}'
done; done
tar czf $OUT/run.tgz -C $OUT r
