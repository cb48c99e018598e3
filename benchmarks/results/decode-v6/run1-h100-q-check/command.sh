#!/bin/bash
# session 6 run 1: q's NaN/Inf check in CUDA decode (new) against e5db47d (_baseline), same machine:
# build both, decode tests on new, decode.py new/base/new/base, host parts, timelines (prefill and decode).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > $OUT/gpu.txt 2>&1; cat $OUT/gpu.txt
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
t0=$(date +%s)
(python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "new build rc=$?") &
(cd _baseline && python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "base build rc=$?") &
wait
echo "builds: $(( $(date +%s) - t0 )) s"
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py > $OUT/test_cuda_kv.log 2>&1
echo "tests rc=$?"; tail -3 $OUT/test_cuda_kv.log; grep -E "^(FAILED|ERROR)" $OUT/test_cuda_kv.log | head
for r in new1 base1 new2 base2; do
  d=$PWD; [[ $r == base* ]] && d=$PWD/_baseline
  mkdir -p $OUT/$r
  (cd $d && timeout 200 python3 benchmarks/decode.py --out $OUT/$r > $OUT/$r/bench.log 2>&1); echo "$r rc=$?"
  grep -E "^\| [0-9]" $OUT/$r/decode.md | cut -d'|' -f2-5,9-13
done
timeout 60 python3 benchmarks/decode_host_parts.py > $OUT/host_parts.txt 2>&1; cat $OUT/host_parts.txt
for a in "prefill 4096 128" "prefill 16384 128" "decode 1 32 32 32768" "decode 8 32 8 32768"; do
  timeout 120 python3 benchmarks/timeline.py $a >> $OUT/timeline.txt 2>&1
done
cat $OUT/timeline.txt | cut -c1-150
