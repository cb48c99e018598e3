"""What the capture refusal adds to a call: the runtime queries it makes (cudaGetDevice, cudaStreamIsCapturing),
timed through CuPy's thin runtime bindings, and the DLPack import of a torch tensor (`_C.view_info`, the exchange
table path, which now asks once per import)."""
import time

import cupy as cp
import torch
from turboattn import _C

def per_call_ns(fn, n=200000):
    for _ in range(1000):
        fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e9

rt = cp.cuda.runtime
print(f"python loop of a no-op: {per_call_ns(lambda: None):.0f} ns")
print(f"cupy runtime.getDevice: {per_call_ns(rt.getDevice):.0f} ns")
print(f"cupy runtime.streamIsCapturing(0): {per_call_ns(lambda: rt.streamIsCapturing(0)):.0f} ns")
q = torch.zeros((1, 32, 1, 128), dtype=torch.float16, device="cuda")
print(f"_C.view_info(torch q): {per_call_ns(lambda: _C.view_info(q, 'q'), 100000):.0f} ns")

# Which handle reports a capturing blocking stream: NULL (0) or cudaStreamLegacy (1)? Asked inside a torch capture.
for handle in (0, 1):
    g = torch.cuda.CUDAGraph()
    answer = None
    try:
        with torch.cuda.graph(g):
            try:
                answer = f"status {rt.streamIsCapturing(handle)}"
            except Exception as e:  # noqa: BLE001
                answer = f"{type(e).__name__}: {e}"
        print(f"streamIsCapturing({handle}) inside a torch capture: {answer}; capture ended cleanly")
    except Exception as e:  # noqa: BLE001
        print(f"streamIsCapturing({handle}) inside a torch capture: {answer}; capture end raised {type(e).__name__}: {str(e)[:120]}")
