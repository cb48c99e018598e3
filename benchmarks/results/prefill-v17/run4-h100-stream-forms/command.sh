#!/bin/bash
# session 20 run 4 (H100): the pre-pass's form without its arithmetic (stream_forms.py): streaming hints, one CTA per
# 64-row block, two blocks per CTA. No turboattn code is used.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 benchmarks/results/prefill-v17/run4-h100-stream-forms/stream_forms.py 2>&1 | grep -v -i warn | tee $OUT/stream_forms.txt
