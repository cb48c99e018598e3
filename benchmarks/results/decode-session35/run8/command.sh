#!/bin/bash
# Session 35 run 8: Nsight Compute source counters of the one-row form at (1,32,32,32k), 4 and 2 bits, exported per
# CUDA source line (the build has -lineinfo; inlined lines are attributed where they are written), so that a warp-block's
# instructions can be put on the functions of csrc/ (read with benchmarks/ncu_decode_lines.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
sed -n '/^cat > \/tmp\/profile_decode_case.py/,/^PY$/p' benchmarks/gpu_profile_decode.sh | sed '1d;$d' > /tmp/case.py
for bits in 4 2; do
    PYTHONPATH=$PWD timeout 200 ncu --section SourceCounters --section WarpStateStats -k regex:decode_warp_kernel \
        --import-source yes -s 2 -c 1 -o /tmp/src$bits -f python3 /tmp/case.py 1 32 32 32768 $bits > $OUT/ncu_$bits.log 2>&1
    echo "== $bits ncu rc=$?"
    ncu -i /tmp/src$bits.ncu-rep --page source --csv --print-source cuda | gzip > $OUT/source_cuda_$bits.csv.gz
    echo "cuda export rc=$? $(zcat $OUT/source_cuda_$bits.csv.gz | wc -l) lines"
    ncu -i /tmp/src$bits.ncu-rep --page source --csv --print-source cuda,sass 2> $OUT/cuda_sass_$bits.err | gzip > $OUT/source_cuda_sass_$bits.csv.gz
    echo "cuda,sass export rc=$? $(zcat $OUT/source_cuda_sass_$bits.csv.gz | wc -l) lines"
done
zcat $OUT/source_cuda_4.csv.gz | head -5 | cut -c1-300
