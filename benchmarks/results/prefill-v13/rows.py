"""Session 15: prefill kernel rows (TURBOATTN_PREFILL_VARIANT) timed in turns with SDPA flash on the same inputs.
argv: [--modes exact,quot,sas] [--sizes 4096:0,16384:0,4096:1] D:row,row,...   (B * N = 32k, H = 32)
modes: exact (softmax="exact"), quot (the same with TURBOATTN_EXACT_QUOT=1: the previous exact form), sas."""
import os, sys
import torch
from torch.nn.attention import SDPBackend
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # benchmarks/
from prefill import interleaved_ms, sdpa_call
from turboattn import flashq_attention

args = sys.argv[1:]
modes, sizes = ["exact", "sas"], [(4096, False), (16384, False), (4096, True)]
while args and args[0].startswith("--"):
    if args[0] == "--modes":
        modes = args[1].split(",")
    elif args[0] == "--sizes":
        sizes = [(int(x.split(":")[0]), x.split(":")[1] == "1") for x in args[1].split(",")]
    args = args[2:]
plan = {int(a.split(":")[0]): [int(x) for x in a.split(":")[1].split(",")] for a in args}


def call(row, mode, q, k, v, out, causal):
    def run():
        os.environ["TURBOATTN_PREFILL_VARIANT"] = str(row)
        if mode == "quot":
            os.environ["TURBOATTN_EXACT_QUOT"] = "1"
        else:
            os.environ.pop("TURBOATTN_EXACT_QUOT", None)
        return flashq_attention(q, k, v, causal=causal, out=out, softmax="sas" if mode == "sas" else "exact")
    return run


for D, rows in plan.items():
    for N, causal in sizes:
        B = 32768 // N
        g = torch.Generator(device="cuda").manual_seed(N + D)
        q, k, v = (torch.randn(B, 32, N, D, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
        out = torch.empty_like(q)
        calls, names = [sdpa_call(q, k, v, causal, SDPBackend.FLASH_ATTENTION)], ["flash"]
        for mode in modes:
            for w in rows:
                calls.append(call(w, mode, q, k, v, out, causal))
                names.append(f"{mode}[{w}]")
        res = interleaved_ms(calls, 8)
        fl = res[0][0]
        print(f"D={D} N={N} causal={causal}: " + "  ".join(f"{n} {ms:.3f} ({fl / ms:.2f}x)" for n, (ms, _) in zip(names, res)), flush=True)
        del q, k, v, out
        torch.cuda.empty_cache()
