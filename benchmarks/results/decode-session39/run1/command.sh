#!/bin/bash
# Session 39 run 1: the device is now an H200 (nvidia-h200). The tree (bd0b64d; objects of 9e7225b in carry38c.tgz):
# the whole GPU suite, the record (decode.py) on this chip, and session 38's prepared run 12 (the self-built image
# with __threadfence_block(), r38self4, objects in var38i.tgz) against the tree in one process.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry38c.tgz && tar xzf build/var38i.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,memory.total --format=csv,noheader
python3 -c "import torch; p=torch.cuda.get_device_properties(0); print(p.name, p.multi_processor_count, 'SMs', p.L2_cache_size>>20, 'MiB L2')"
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test" timeout 150 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -3 $OUT/check.txt
timeout 200 python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -8
export ABN_SHAPES="1,32,32,32805;8,32,8,32805;16,32,8,8250;1,32,32,32768;16,32,8,8192"
VARS="r38self4" FORMS=4s,2s ROUNDS=4 LOGS=$OUT timeout 200 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt | tail -30
