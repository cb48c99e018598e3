#!/bin/bash
# session 26 run 1 (H100): what turboattn's CUDA calls do under torch.cuda.graph capture, tree 54f40db.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
python3 -c "import torch; print('torch', torch.__version__)" | tee $R/versions.txt
timeout 500 python3 benchmarks/results/graph-capture/probe.py 2>&1 | tee $R/probe.txt
tar czf $OUT/run.tgz -C $OUT r
