#!/bin/bash
# session 6 run 5: L2 prefetch of the next key block (and of a split's first value block) in the decode warp
# kernel, A/B on one build with TURBOATTN_DECODE_PREFETCH=1/0, alternating; decode tests; timelines.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > $OUT/gpu.txt 2>&1; cat $OUT/gpu.txt
rm -rf build turboattn/_C*.so
t0=$(date +%s)
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py > $OUT/test_cuda_kv.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/test_cuda_kv.log; grep -E "^(FAILED|ERROR)" $OUT/test_cuda_kv.log | head
TURBOATTN_DECODE_PREFETCH=0 timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py -k decode > $OUT/test_nopf.log 2>&1
echo "tests (prefetch off) rc=$?"; tail -1 $OUT/test_nopf.log
mkdir -p $OUT/runs
for r in pf1 nopf1 pf2 nopf2 pf3 nopf3; do
  pf=1; [[ $r == nopf* ]] && pf=0
  mkdir -p $OUT/runs/$r
  TURBOATTN_DECODE_PREFETCH=$pf timeout 200 python3 benchmarks/decode.py --out $OUT/runs/$r > $OUT/runs/$r/bench.log 2>&1
  echo "$r (prefetch=$pf) rc=$?"
  grep -E "^\| [0-9]" $OUT/runs/$r/decode.md | cut -d'|' -f2-5,9-11
done
for pf in 1 0; do
  for a in "decode 1 32 32 32768" "decode 8 32 8 32768"; do
    echo "== prefetch=$pf" >> $OUT/timeline.txt
    TURBOATTN_DECODE_PREFETCH=$pf timeout 120 python3 benchmarks/timeline.py $a >> $OUT/timeline.txt 2>&1
  done
done
grep -E "==|event times|decode_warp" $OUT/timeline.txt | cut -c1-120
tar czf $OUT/runs.tgz -C $OUT runs && rm -rf $OUT/runs
