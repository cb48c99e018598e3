#!/bin/bash
# session 20 run 8 (H100): block_form with a late start, with more instructions, and both (prepass_models.py).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
python3 benchmarks/results/prefill-v17/run8-h100-prepass-models/prepass_models.py 2>&1 | grep -v -i warn | tee $OUT/prepass_models.txt
