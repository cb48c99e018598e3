#!/bin/bash
# Session 31 run 2: three builds in one process (abn.py): A = be10aae (_baseline), B = the tree (the look-back's
# words loaded a group at a time), C = B with balanced splits (_diag/C: attn_decode.o and attn_decode_warp.o from
# _diag/C/src, sm_90a). Then the GPU suite on B, and the KV and decode files on C.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry31.tgz
for b in attn_prefill kv_compress quant; do
    cp build/temp.linux-x86_64-cpython-312/cuda/$b.o _baseline/build/temp.linux-x86_64-cpython-312/cuda/
done
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_base.log 2>&1) || echo base build failed
mkdir -p /tmp/v_C/build && cp -r setup.py pyproject.toml README.md csrc turboattn tests /tmp/v_C/ &&
    cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_C/build/ && cp _diag/C/*.o /tmp/v_C/build/temp.linux-x86_64-cpython-312/cuda/
(cd /tmp/v_C && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_C.log 2>&1) || echo C build failed
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
ABN_FORMS=4s,2s python3 benchmarks/results/decode-session31/abn.py 4 _baseline . /tmp/v_C 2>&1 | grep -v -i warn | tee $OUT/abn.txt
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test" bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -3 $OUT/check.txt
(cd /tmp/v_C && python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py 2>&1 | tail -3) | tee $OUT/check_C.txt
