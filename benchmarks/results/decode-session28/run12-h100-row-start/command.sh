#!/bin/bash
# session 28 run 12 (H100): the whole GPU suite and the sanitizers after the rows' initial state was made one helper
# (dec_row_start, shared by the row-by-row and one-pass q quantization).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
TURBOATTN_CUDA=1 OUT=$O STAGES="test sanitize" timeout 580 bash benchmarks/gpu_check.sh
