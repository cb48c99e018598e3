#!/bin/bash
# session 26 run 6 (nvidia-h100-x1): CuPy's current stream asked before its __dlpack__ (the CuPy probe, the capture
# tests), then the whole GPU suite on the final tree.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
timeout 60 python3 benchmarks/results/graph-capture/probe_cupy.py 2>&1 | tee $R/probe_cupy.txt
timeout 120 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_graphs.py > $R/pytest_graphs.log 2>&1
echo "graphs rc=$?: $(tail -1 $R/pytest_graphs.log)"; grep -E "^(FAILED|ERROR)|^E  " $R/pytest_graphs.log | head -20
timeout 300 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $R/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $R/pytest.log)"; grep -E "^(FAILED|ERROR)" $R/pytest.log | head -20
tar czf $OUT/run.tgz -C $OUT r
