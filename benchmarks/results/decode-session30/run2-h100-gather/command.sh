#!/bin/bash
# session 30 run 2 (H100): the value layout's read bandwidth against contiguous blocks (gather_bw.py).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
O=$OUT/out; mkdir -p $O
python3 benchmarks/results/decode-session30/gather_bw.py 2>&1 | tee $O/gather.txt
