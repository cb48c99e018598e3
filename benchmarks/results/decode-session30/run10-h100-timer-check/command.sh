#!/bin/bash
# session 30 run 10 (H100): benchmarks/decode.py after its cuda_time became timing.median_ms (the same warm-up, settle
# and timed loop, written once): --quick, to see it run and give the record's figures (run 5) again.
cd "$(dirname "$0")/../../../.."
tar xzf build/carry30.tgz && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/b.log 2>&1; echo build rc=$?
python3 benchmarks/decode.py --out $OUT/q --quick > /tmp/d.log 2>&1; echo decode rc=$?
