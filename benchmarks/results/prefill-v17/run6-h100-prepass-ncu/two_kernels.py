"""Session 20 (prefill-v17 run 6): the public quantizer's kernel on q (8 x 32 x 4096 x 128 fp16, plain rows) and
run 4's block_form on the same bytes, once each, for ncu (command.sh)."""
import pathlib
import runpy
import sys

import cupy as cp
import torch

from turboattn import _C

q = torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16)
codes, scales = _C.device_empty((8, 32, 4096, 128), "int8", 0), _C.device_empty((8, 32, 64), "float32", 0)
_C.cuda_quantize_int8(q, codes, scales)
torch.cuda.synchronize()
# block_form from run 4's script, on one tensor's worth of blocks
src = pathlib.Path(__file__).parents[1] / "run4-h100-stream-forms" / "stream_forms.py"
SRC = src.read_text().split('SRC = r"""')[1].split('"""')[0]
mod = cp.RawModule(code=SRC, options=("-std=c++17",))
x = cp.asarray(q.view(torch.int16))
dst = cp.empty(q.numel() // 4, dtype=cp.int32)
mod.get_function("block_form")((q.numel() // 8192,), (256,), (x, dst))
cp.cuda.Device().synchronize()
print("done", file=sys.stderr)
