#!/bin/bash
# session 19 run 3 (H100): the combine as a programmatic dependent launch behind the decode kernels. Build (objects
# carried), the CUDA KV and parity files, the sanitizer cases, then three rounds of one process each timing, in
# turns, every form with the default launch and with TURBOATTN_DECODE_PDL=0 (the combine after the kernel; for
# these shapes, without residual rows, nothing else changes).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//' | head
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_parity.py -x > $OUT/pytest.log 2>&1
rc=$?; echo "tests rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 170 bash benchmarks/gpu_check.sh 2>&1 | tail -4
for i in 1 2 3; do
  ABDEC_FORMS=4s,4s/p0,2s,2s/p0,4e,4e/p0 python3 benchmarks/results/decode-v15/abdec.py r$i 2>&1 | grep -v -i warn
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
