#!/bin/bash
# session 26 (nvidia-h100-x1): the input range (|x| <= 2^48, sm_scale <= 2^16) on every check, the whole GPU suite
# (with the capture, two-device and large-input tests) and compute-sanitizer memcheck + racecheck.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
OUT=$R STAGES="test sanitize" bash benchmarks/gpu_check.sh 2>&1 | tail -25
tar czf $OUT/run.tgz -C $OUT r
