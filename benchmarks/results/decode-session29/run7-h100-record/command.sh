#!/bin/bash
# session 29 run 7 (H100): the final tree (key quads, 87b890b + records): the whole GPU suite and the sanitizers
# (gpu_check.sh), prefill.py's import of benchmarks/timing.py, then the decode record (benchmarks/decode.py, twice).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry29.tgz
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$?"
TURBOATTN_CUDA=1 OUT=$O/check NO_BUILD=1 STAGES="test sanitize" bash benchmarks/gpu_check.sh 2>&1 | tail -8
(cd benchmarks && python3 -c "import prefill; print('prefill imports timing:', prefill.interleaved_ms.__module__)")
for i in 1 2; do
  python3 benchmarks/decode.py --out $O/decode-$i > $O/decode-$i.log 2>&1; echo "decode-$i rc=$? ($(( $(date +%s) - t0 )) s)"
done
tail -8 $O/decode-1.log
