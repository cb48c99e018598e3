#!/bin/bash
# session 6 run 2: decode warp kernel as two launches (scores, values) against the fused form, same build:
# tests, decode.py alternating TURBOATTN_DECODE_PHASES=split/fused, variant rows, timelines.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > $OUT/gpu.txt 2>&1; cat $OUT/gpu.txt
rm -rf build turboattn/_C*.so
t0=$(date +%s)
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py > $OUT/test_cuda_kv.log 2>&1
echo "tests rc=$?"; tail -3 $OUT/test_cuda_kv.log; grep -E "^(FAILED|ERROR)" $OUT/test_cuda_kv.log | head
mkdir -p $OUT/runs
for r in split1 fused1 split2 fused2 split_v1 split_v2; do
  case $r in
    split*) ph=split ;; fused*) ph=fused ;;
  esac
  var=0; [[ $r == split_v1 ]] && var=1; [[ $r == split_v2 ]] && var=2
  mkdir -p $OUT/runs/$r
  TURBOATTN_DECODE_PHASES=$ph TURBOATTN_DECODE_VARIANT=$var timeout 200 python3 benchmarks/decode.py --out $OUT/runs/$r > $OUT/runs/$r/bench.log 2>&1
  echo "$r (phases=$ph variant=$var) rc=$?"
  grep -E "^\| [0-9]" $OUT/runs/$r/decode.md | cut -d'|' -f2-5,9-13
done
for ph in split fused; do
  for a in "decode 1 32 32 32768" "decode 8 32 8 32768"; do
    echo "== phases=$ph" >> $OUT/timeline.txt
    TURBOATTN_DECODE_PHASES=$ph timeout 120 python3 benchmarks/timeline.py $a >> $OUT/timeline.txt 2>&1
  done
done
grep -v Warn $OUT/timeline.txt | grep -v _warn_once | cut -c1-150
tar czf $OUT/runs.tgz -C $OUT runs && rm -rf $OUT/runs
