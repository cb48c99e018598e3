"""Session 20 (prefill-v17 run 15): the SM clock and power while prefill.py's calls run in blocks or in turns (run 14
found cuDNN 15 % faster and turboattn 11 % slower in turns at N = 16k, D = 128). Phases, each about 3 s: turboattn
exact repeated, cuDNN repeated, then flash, cuDNN, turboattn SAS and exact in turns. nvidia-smi samples clocks.sm and
power.draw every 20 ms in the background (command.sh); this script prints each phase's wall-clock bounds and the
median time of each call."""
import statistics
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from turboattn import flashq_attention

q, k, v = (torch.randn(2, 32, 16384, 128, device="cuda", dtype=torch.float16) for _ in range(3))
out = torch.empty_like(q)


def sdpa(backend):
    def run():
        with sdpa_kernel(backend):
            return F.scaled_dot_product_attention(q, k, v)
    return run


calls = {"flash": sdpa(SDPBackend.FLASH_ATTENTION), "cudnn": sdpa(SDPBackend.CUDNN_ATTENTION),
         "sas": lambda: flashq_attention(q, k, v, out=out), "exact": lambda: flashq_attention(q, k, v, out=out, softmax="exact")}
for f in calls.values():
    f()
torch.cuda.synchronize()


def phase(name, order, rounds):
    times = {n: [] for n in set(order)}
    time.sleep(1.0)  # a gap between phases in the clock log
    t0 = time.time()
    for _ in range(rounds):
        for n in order:
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record(); calls[n](); b.record(); b.synchronize()
            times[n].append(a.elapsed_time(b))
    t1 = time.time()
    print(f"phase {name} {t0:.3f} {t1:.3f} " + " ".join(f"{n} {statistics.median(t):.2f}" for n, t in sorted(times.items())),
          flush=True)


phase("exact_block", ["exact"], 200)
phase("cudnn_block", ["cudnn"], 230)
phase("turns", ["flash", "cudnn", "sas", "exact"], 40)
