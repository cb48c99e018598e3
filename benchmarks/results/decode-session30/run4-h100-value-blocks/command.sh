#!/bin/bash
# session 30 run 4 (H100): values block-major (ta_kv_value_row; docs/DESIGN.md "Value rows"), the tree here, against
# HEAD 10d68b6 (_baseline: git archive of 10d68b6 with its objects). The whole GPU suite and the sanitizers on the new
# tree, then abinproc.py (one process, outputs compared bit for bit: the layout moved, no number may), building a
# cache in turns (ABDEC_COMPRESS=1), and decode.py's record.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry30.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
grep -c "up to date" $O/build.log $O/build_base.log
TURBOATTN_CUDA=1 OUT=$O/check NO_BUILD=1 STAGES="test sanitize" bash benchmarks/gpu_check.sh > $O/check.log 2>&1; echo "check rc=$? ($(( $(date +%s) - t0 )) s)"
tail -5 $O/check.log
A=benchmarks/results/decode-session29/abinproc.py
ABDEC_FORMS=4s,2s,4e,2e python3 $A $PWD/_baseline $PWD 6 2>&1 | grep -v -i warn | tee $O/ab.txt
echo "($(( $(date +%s) - t0 )) s)"
ABDEC_COMPRESS=1 python3 $A $PWD/_baseline $PWD 4 2>&1 | grep -v -i warn | tee $O/ab_compress.txt
echo "($(( $(date +%s) - t0 )) s)"
python3 benchmarks/decode.py --out $O/decode > $O/decode.log 2>&1; echo "decode.py rc=$? ($(( $(date +%s) - t0 )) s)"
cat $O/decode/*.md 2>/dev/null | head -12
echo "all done ($(( $(date +%s) - t0 )) s)"
