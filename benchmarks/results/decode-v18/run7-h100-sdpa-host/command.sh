#!/bin/bash
# session 21 decode-v18 run 7 (H100): the host time of one SDPA decode call in six forms (sdpa_host.py), to find what
# made run 6's SDPA steps host-bound.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
python3 benchmarks/results/decode-v18/run7-h100-sdpa-host/sdpa_host.py 2>/dev/null | tee $OUT/sdpa_host.txt
