#!/bin/bash
# session 26 run 3 (2 x H100, nvidia-h100-x2): the capture refusal (legacy stream asked as cudaStreamLegacy), the
# cleared leftover errors, and the new two-device tests (tests/test_cuda_multi_device.py). The torch probe (every call, three
# capture modes, each in its own process), the CuPy probe (blocking and non-blocking capture streams), the cost
# of the new runtime queries, the new test file, then the whole GPU suite.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
nvidia-smi --query-gpu=index,name,driver_version --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
timeout 200 python3 benchmarks/results/graph-capture/probe.py > $R/probe.txt 2>&1; echo "probe rc=$?"
grep -c "^AFTER: prefill equal True decode equal True" $R/probe.txt; grep "^RAISED" $R/probe.txt | cut -c1-160 | sort | uniq -c
timeout 60 python3 benchmarks/results/graph-capture/probe_cupy.py 2>&1 | tee $R/probe_cupy.txt
timeout 60 python3 benchmarks/results/graph-capture/query_cost.py 2>&1 | tee $R/query_cost.txt
timeout 120 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_graphs.py > $R/pytest_graphs.log 2>&1
echo "graphs rc=$?: $(tail -1 $R/pytest_graphs.log)"; grep -E "^(FAILED|ERROR)|^E  " $R/pytest_graphs.log | head -20
timeout 120 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_multi_device.py > $R/pytest_multi.log 2>&1
echo "multi rc=$?: $(tail -1 $R/pytest_multi.log)"; grep -E "^(FAILED|ERROR)|^E  " $R/pytest_multi.log | head -30
timeout 300 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $R/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $R/pytest.log)"; grep -E "^(FAILED|ERROR)" $R/pytest.log | head -20
tar czf $OUT/run.tgz -C $OUT r
