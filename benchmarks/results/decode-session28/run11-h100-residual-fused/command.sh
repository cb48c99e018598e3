#!/bin/bash
# session 28 run 11 (H100): the residual split fused into the warps of each head's last cache split, against
# 3f496b4 (_baseline: `git archive 3f496b4` with its own decode objects; the other objects are shared, same keys).
# The KV and decode-step tests, then abdec.py with 37 residual rows (decode.py's residual column) in alternating
# processes, 3 rounds.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
# the objects and _baseline came packed (the device tool's 64 MiB limit): build/carry28.tgz
[ -f build/carry28.tgz ] && tar xzf build/carry28.tgz
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
cp -n build/temp.linux-x86_64-cpython-312/cuda/{attn_prefill,quant,kv_compress}.* _baseline/build/temp.linux-x86_64-cpython-312/cuda/
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD timeout 300 python3 -m pytest -q -p no:cacheprovider -x tests/test_cuda_kv.py tests/test_decode_step.py > $O/pytest_kv.log 2>&1
rc=$?; echo "kv tests rc=$rc: $(tail -1 $O/pytest_kv.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $O/pytest_kv.log | head -20
[ $rc -eq 0 ] || exit 1
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline ABDEC_RES=37 python3 benchmarks/results/decode-session28/abdec.py base$i 2>&1 | grep -v -i warn
  PYTHONPATH=$PWD ABDEC_RES=37 python3 benchmarks/results/decode-session28/abdec.py new$i 2>&1 | grep -v -i warn
done | tee $O/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
