#!/bin/bash
# session 19 run 3, a later call (a fresh machine; _treeP = f8a34d8's sources (git archive) plus combine_pdl.diff, so
# the build of command.sh, objects carried): command.sh's rounds
# timed each form's TURBOATTN_DECODE_PDL=0 twin right after it, on the same cache, which favours the twin (the call
# finds some of the cache in L2). Here each process times 4s, 2s, 4e in the same order, the whole process with the
# default launch (pdl) or with TURBOATTN_DECODE_PDL=0 (nopdl), alternating, three rounds each.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD/_treeP
(cd _treeP && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1); echo "build rc=$?"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//' | head
for i in 1 2 3; do
  ABDEC_FORMS=4s,2s,4e python3 benchmarks/results/decode-v15/abdec.py pdl$i 2>&1 | grep -v -i warn
  ABDEC_FORMS=4s/p0,2s/p0,4e/p0 python3 benchmarks/results/decode-v15/abdec.py nopdl$i 2>&1 | grep -v -i warn
done | tee $OUT/ab2.txt
