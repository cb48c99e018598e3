#!/bin/bash
# session 28 run 10 (H100): the whole GPU suite and the sanitizers on the final tree (the q-rows dispatch and the
# few-row form's output store only reformatted since run 8).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
TURBOATTN_CUDA=1 OUT=$O STAGES="test sanitize" timeout 580 bash benchmarks/gpu_check.sh
