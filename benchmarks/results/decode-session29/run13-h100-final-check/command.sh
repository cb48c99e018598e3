#!/bin/bash
# session 29 run 13 (H100): the whole GPU suite and the sanitizers on the final kernels (b1612ab: the compression
# kernel's incremental value placement).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
tar xzf build/carry29.tgz
TURBOATTN_CUDA=1 OUT=$O/check STAGES="test sanitize" bash benchmarks/gpu_check.sh 2>&1 | tail -10
