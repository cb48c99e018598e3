#!/bin/bash
# session 27 run 1 (nvidia-h100-x1): what limits the per-warp decode kernel? Nsight Compute's throughput sections
# (speed of light, pipe utilization, memory tables, scheduler, occupancy) for decode_warp_kernel at 4 bits, the
# one-row form (1,32,32,32k) and the four-row form (16,32,8,8k). Objects carried from a local build.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
sed -n '/^cat > \/tmp\/profile_decode_case.py/,/^PY$/p' benchmarks/gpu_profile_decode.sh | sed '1d;$d' > /tmp/case.py
for shape in "1 32 32 32768" "16 32 8 8192"; do
  tag=$(echo $shape | tr ' ' x)
  timeout 240 ncu --section SpeedOfLight --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis \
      --section MemoryWorkloadAnalysis_Tables --section SchedulerStats --section Occupancy --section WarpStateStats \
      --print-details all -k regex:decode_warp_kernel -s 2 -c 1 python3 /tmp/case.py $shape 4 > $R/ncu_$tag.txt 2>&1
  echo "== $tag rc=$?"
  grep -E "Throughput|Pipe|Utilization|Issue|Warp Cycles|Active Warps|Eligible|Bank|Shared|L1|L2|DRAM|Duration|Registers|Theoretical|Achieved" $R/ncu_$tag.txt | head -70
done
tar czf $OUT/run.tgz -C $OUT r
