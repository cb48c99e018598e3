#!/bin/bash
# session 28 run 8 (H100): the whole GPU suite and compute-sanitizer memcheck/racecheck on the final decode kernels
# (tree 86dcf59: runs 3-4's changes).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
TURBOATTN_CUDA=1 OUT=$O STAGES="test sanitize" timeout 580 bash benchmarks/gpu_check.sh
