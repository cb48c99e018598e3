#!/bin/bash
# session 26 run 2 (nvidia-h100-x1): the whole GPU suite after quantize_kv_cuda's errors name k and v (run 1's two
# failures: they named append's k_new).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
OUT=$R STAGES="test" bash benchmarks/gpu_check.sh 2>&1 | tail -25
tar czf $OUT/run.tgz -C $OUT r
