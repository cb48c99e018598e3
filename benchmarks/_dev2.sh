set -o pipefail
M="regex:smsp__average_warps_issue_stalled_.*_per_issue_active.ratio,smsp__inst_executed.sum,gpu__time_duration.sum,smsp__issue_active.avg.per_cycle_active,smsp__warps_active.avg.per_cycle_active,dram__throughput.avg.pct_of_peak_sustained_elapsed,sass__inst_executed_register_spilling"
sed -n '/^cat > \/tmp\/profile_decode_case.py/,/^PY$/p' benchmarks/gpu_profile_decode.sh | sed '1d;$d' > /tmp/case.py
for v in new base; do
  d=.; [ $v = base ] && d=_baseline
  for bits in 4 2; do
    (cd $d && PYTHONPATH=$PWD timeout 150 ncu --metrics $M -k regex:decode_warp_kernel -s 2 -c 1 python3 /tmp/case.py 1 32 32 32768 $bits > $OUT/ncu_${v}_$bits.txt 2>&1)
    echo "== $v $bits"; grep -E "stalled|inst_executed|duration|issue_active|warps_active|dram__|spilling" $OUT/ncu_${v}_$bits.txt | awk '{print $1, $NF}' | grep -v " 0$" | sed 's/smsp__average_warps_issue_stalled_//; s/_per_issue_active.ratio//'
  done
done
