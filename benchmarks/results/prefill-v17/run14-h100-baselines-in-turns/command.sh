#!/bin/bash
# session 20 run 14 (H100): prefill.py with the SDPA baselines timed in turns with turboattn against the records' method
# (each SDPA backend in its own block before turboattn), in the order apart, turns, turns, apart. Tree d9add3a plus
# the benchmark change (objects carried). The run itself used an interim prefill.py whose default was "in turns" and
# whose --baselines-apart flag gave the records' method; after this run the default went back to the records' method
# and the other became --baselines-in-turns. The lines below are the same runs with today's flags.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "build rc=$?"
python3 benchmarks/prefill.py --out $OUT/apart1 --no-ceilings 2>&1 | grep -E "^N=" | tail -12
python3 benchmarks/prefill.py --out $OUT/turns1 --baselines-in-turns 2>&1 | grep -E "^N=" | tail -12
python3 benchmarks/prefill.py --out $OUT/turns2 --no-ceilings --baselines-in-turns 2>&1 | grep -E "^N=" | tail -12
python3 benchmarks/prefill.py --out $OUT/apart2 --no-ceilings 2>&1 | grep -E "^N=" | tail -12
