#!/bin/bash
# session 16 run 9 (H100): plain torch kernels on the pre-pass's streams (fp16 in, int8 or fp16 out) next to the
# pre-pass, for its floor; tree 39756ec.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /dev/null 2>&1; echo build $?
PYTHONPATH=$PWD python3 benchmarks/results/prefill-v14/run9-h100-stream-rates/stream_rates.py 2>&1 | grep -v warn
PYTHONPATH=$PWD python3 benchmarks/timeline.py prefill 4096 128 exact 2>&1 | grep quantize | tail -2
