#!/bin/bash
# Session 31 run 3: A = be10aae (_baseline), B = the tree (the look-back's words a group at a time), S1 and S2 = B with
# the last 1 or 2 warps of each CTA taking their first item only once the CTA's other warps are past phase 1
# (_diag/S/s1.o, s2.o: attn_decode_warp.o from _diag/S/src with -DWD_STAGGER=1 or 2, sm_90a), in one process (abn.py),
# 6 rounds. A's two decode objects are sm_90a builds of its sources (_diag/A), to fit the carry. Then the KV and parity files on S2.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry31.tgz
for b in attn_prefill kv_compress quant; do
    cp build/temp.linux-x86_64-cpython-312/cuda/$b.o _baseline/build/temp.linux-x86_64-cpython-312/cuda/
done
cp _diag/A/attn_decode.o _diag/A/attn_decode_warp.o _baseline/build/temp.linux-x86_64-cpython-312/cuda/ # sm_90a builds
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_base.log 2>&1) || echo base build failed
for v in s1 s2; do
    mkdir -p /tmp/v_$v/build && cp -r setup.py pyproject.toml README.md csrc turboattn tests /tmp/v_$v/ &&
        cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_$v/build/ && cp _diag/S/$v.o /tmp/v_$v/build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o
    (cd /tmp/v_$v && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_$v.log 2>&1) || echo $v build failed
done
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
ABN_FORMS=4s,2s python3 benchmarks/results/decode-session31/abn.py 6 _baseline . /tmp/v_s1 /tmp/v_s2 2>&1 | grep -v -i warn | tee $OUT/abn.txt
(cd /tmp/v_s2 && python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_parity.py 2>&1 | tail -2) | tee $OUT/check_s2.txt
