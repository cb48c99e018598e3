#!/bin/bash
# session 19 run 1 (H100): softmax="exact" decode without the look-back. A: every split starts from its own
# maximum and the combine rescales the splits by their maxima (free splits). AB: A, and the exact codes taken
# against each block's own maximum (no division, off the m_new chain). Builds AB and A (objects carried),
# runs the CUDA parity and KV files and the sanitizer cases on AB; the baseline's build and the A/B rounds ran as
# a second call on the same machine (ab.sh: the three trees' objects were more than one call may carry).
# Trees: . = AB (this session's decode change), _treeA = A, _baseline = git archive 21a0314.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
for t in _treeA; do
  mkdir -p $t/build/temp.linux-x86_64-cpython-312/cuda; cp build/temp.linux-x86_64-cpython-312/cuda/{attn_prefill,kv_compress,quant}.* $t/build/temp.linux-x86_64-cpython-312/cuda/
  (cd $t && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build$t.log 2>&1); echo "$t build rc=$? ($(( $(date +%s) - t0 )) s)"
done
grep -h "nvcc -c" $OUT/build*.log | sed 's/ -o .*//' | head
timeout 330 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_parity.py -x > $OUT/pytest.log 2>&1
rc=$?; echo "tests rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 170 bash benchmarks/gpu_check.sh 2>&1 | tail -4
echo "all done ($(( $(date +%s) - t0 )) s)"
