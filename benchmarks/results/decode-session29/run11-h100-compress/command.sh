#!/bin/bash
# session 29 run 11 (H100): the compression kernel's value bytes placed incrementally (one division a thread's
# part, not one a byte): the KV and decode-step test files, then building a cache in one process against 7cc02aa
# (_s0) as in run 10.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry29.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
(cd _s0 && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_s0.log 2>&1); echo "s0 build rc=$? ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_decode_step.py > $O/pytest_kv.log 2>&1
echo "kv tests rc=$?: $(tail -1 $O/pytest_kv.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)" $O/pytest_kv.log | head
ABDEC_COMPRESS=1 python3 benchmarks/results/decode-session29/abinproc.py $PWD/_s0 $PWD 4 2>&1 | grep -v -i warn | tee $O/ab_compress.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
