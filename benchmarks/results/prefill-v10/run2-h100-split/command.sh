#!/bin/bash
# session 7 run 2: which half of run 1's change slowed the D = 128 wgmma kernel? _treeA = the SAS codes only,
# _treeB = the descriptor words only, against _baseline (HEAD, built in run 1 on this machine); prefill.py
# --quick --dims 128, A/B/base x2, then the new tree (both) once more.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,clocks.sm --format=csv,noheader
ls _baseline/turboattn/_C*.so turboattn/_C*.so || exit 1
t0=$(date +%s)
for t in A B; do (cd _tree$t && rm -rf build && python3 setup.py -q build_ext --inplace > $OUT/build_$t.log 2>&1; echo "$t build rc=$?") & done
wait
echo "builds: $(( $(date +%s) - t0 )) s"
mkdir -p $OUT/runs
for r in A1 B1 base1 A2 B2 base2 both1; do
  case $r in A*) d=$PWD/_treeA;; B*) d=$PWD/_treeB;; base*) d=$PWD/_baseline;; both*) d=$PWD;; esac
  mkdir -p $OUT/runs/$r
  (cd $d && PYTHONPATH=$d timeout 60 python3 benchmarks/prefill.py --quick --dims 128 --no-ceilings --reps 10 --out $OUT/runs/$r > $OUT/runs/$r/bench.log 2>&1); echo "$r rc=$?"
  grep -E "^\| 4096" $OUT/runs/$r/prefill.md | cut -d'|' -f2-6,8,10
done
tar czf $OUT/runs.tgz -C $OUT runs && rm -rf $OUT/runs
