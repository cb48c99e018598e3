#!/bin/bash
# One device call, machine already built (repository root): Nsight Compute on the per-warp decode kernel.
#   MODE=stalls (default): stall cycles per issued instruction, instructions, duration, for SHAPE at BITS.
#   MODE=source: per-SASS instruction counts and stall samples as source_sass_<BITS>.csv.gz (read it with
#                benchmarks/ncu_decode_regions.py).
# Usage: OUT=/dir [SHAPE="1 32 32 32768"] [BITS="4 2"] [MODE=stalls|source] bash benchmarks/gpu_stalls_decode.sh
set -o pipefail
OUT=${OUT:-/tmp/gpu_stalls_decode}
SHAPE=${SHAPE:-"1 32 32 32768"}
BITS=${BITS:-"4 2"}
MODE=${MODE:-stalls}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
# the case script of gpu_profile_decode.sh
sed -n '/^cat > \/tmp\/profile_decode_case.py/,/^PY$/p' benchmarks/gpu_profile_decode.sh | sed '1d;$d' > /tmp/case.py
M="regex:smsp__average_warps_issue_stalled_.*_per_issue_active.ratio,smsp__inst_executed.sum,gpu__time_duration.sum"
M="$M,smsp__issue_active.avg.per_cycle_active,smsp__warps_active.avg.per_cycle_active"
M="$M,dram__throughput.avg.pct_of_peak_sustained_elapsed"
for bits in $BITS; do
    if [ "$MODE" = source ]; then
        PYTHONPATH=$PWD timeout 200 ncu --section SourceCounters --section WarpStateStats -k regex:decode_warp_kernel \
            -s 2 -c 1 -o /tmp/decode_src -f python3 /tmp/case.py $SHAPE $bits > "$OUT/ncu_source_$bits.log" 2>&1
        echo "== $bits ncu rc=$?"
        ncu -i /tmp/decode_src.ncu-rep --page source --csv --print-source sass | gzip > "$OUT/source_sass_$bits.csv.gz"
        echo "export rc=$?"
    else
        PYTHONPATH=$PWD timeout 150 ncu --metrics "$M" -k regex:decode_warp_kernel -s 2 -c 1 \
            python3 /tmp/case.py $SHAPE $bits > "$OUT/ncu_stalls_$bits.txt" 2>&1
        echo "== $SHAPE, $bits bits"
        grep -E "stalled|inst_executed|duration|issue_active|warps_active|dram__" "$OUT/ncu_stalls_$bits.txt" |
            awk '{print $1, $NF}' | grep -v " 0$" | sed 's/smsp__average_warps_issue_stalled_//; s/_per_issue_active.ratio//'
    fi
done
