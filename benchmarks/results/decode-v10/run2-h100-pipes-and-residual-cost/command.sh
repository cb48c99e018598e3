#!/bin/bash
# session 11 run 2 (tree c35c578): where the one-row decode kernel's limit is (ncu: pipe utilisation, shared-memory
# wavefronts, L2/DRAM), and what a residual window costs a decode step (time and timeline).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv
rm -rf build turboattn/_C*.so
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
PYTHONPATH=$ROOT timeout 120 python3 benchmarks/_s11_res.py 2>&1 | tee $OUT/residual.txt
for n in 32768 32805; do PYTHONPATH=$ROOT timeout 100 python3 benchmarks/timeline.py decode 1 32 32 $n 2>&1 | tail -8; done | tee $OUT/timeline.txt
sed -n '/^cat > \/tmp\/profile_decode_case.py/,/^PY$/p' benchmarks/gpu_profile_decode.sh | sed '1d;$d' > /tmp/case.py
M="regex:sm__inst_executed_pipe_[a-z_]*\.avg\.pct_of_peak_sustained_active,regex:sm__pipe_[a-z_]*_cycles_active\.avg\.pct_of_peak_sustained_active"
M="$M,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum,l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum,smsp__inst_executed.sum"
M="$M,dram__throughput.avg.pct_of_peak_sustained_elapsed,dram__bytes_read.sum,lts__t_sector_hit_rate.pct,gpu__time_duration.sum"
M="$M,smsp__issue_active.avg.per_cycle_active,sm__warps_active.avg.pct_of_peak_sustained_active,smsp__cycles_active.avg"
M="$M,l1tex__throughput.avg.pct_of_peak_sustained_active,lts__throughput.avg.pct_of_peak_sustained_elapsed"
for bits in 4 2; do
  PYTHONPATH=$ROOT timeout 150 ncu --metrics "$M" -k regex:decode_warp_kernel -s 2 -c 1 python3 /tmp/case.py 1 32 32 32768 $bits > $OUT/ncu_pipes_$bits.txt 2>&1
  echo "== one row, $bits bits, rc=$?"; grep -E "^ +[a-z]" $OUT/ncu_pipes_$bits.txt | awk '{print $1, $NF}' | grep -v " 0$"
done
echo "total: $(( $(date +%s) - t0 )) s"
