#!/bin/bash
# Session 31 run 8: the tree against G = the value phase loading block j + 1's scale, steps and zeros while block j
# is computed (_diag/G/g.o: attn_decode_warp.o from _diag/G/src, sm_90a), in one process (abn.py, 6 rounds); then
# the KV and parity files on G.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry31.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
mkdir -p /tmp/v_g/build && cp -r setup.py pyproject.toml README.md csrc turboattn tests /tmp/v_g/ &&
    cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_g/build/ && cp _diag/G/g.o /tmp/v_g/build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o
(cd /tmp/v_g && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_g.log 2>&1) || echo g build failed
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
ABN_FORMS=4s,2s,4e python3 benchmarks/results/decode-session31/abn.py 6 . /tmp/v_g 2>&1 | grep -v -i warn | tee $OUT/abn.txt
(cd /tmp/v_g && python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_parity.py 2>&1 | tail -2) | tee $OUT/check_g.txt
