"""Session 29: an A/B of two builds in one process. argv: dirA dirB [rounds]; each dir holds a turboattn package built
in place. The packages are imported under the names ta_a and ta_b (copied to a temporary directory; their imports are
relative, and each .so carries its own static CUDA runtime and state), each builds its own caches from the same k and
v, and their raw decode calls take turns call by call (timing.interleaved_ms), in rounds whose order alternates
(A first, then B first). Between separate processes (abdec.py) the machine drifted by 5-10 % from round to round,
more than the effects measured (runs 2-4). Prints per shape and form the medians of A and B (us), B/A - 1 per round,
and whether B's output is bit-equal to A's (the diagnostic builds' outputs are wrong by design). ABDEC_COMPRESS=1 times
building a cache (quantize_kv_cuda) instead (runs 10-11)."""
import importlib, math, os, shutil, statistics, sys, tempfile
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from timing import interleaved_ms

root = tempfile.mkdtemp()
sys.path.insert(0, root)


def load(src, name):
    shutil.copytree(os.path.join(src, "turboattn"), os.path.join(root, name))
    return importlib.import_module(name + "._C"), importlib.import_module(name + ".cuda_kv")


def rounds_ab(calls, reps):
    """A's and B's calls in turns, `rounds` times, the order alternating: "A <median us> B <median us> <mean B/A - 1>
    (each round's B/A - 1)"."""
    a, b, d = [], [], []
    for r in range(rounds):
        order = calls if r % 2 == 0 else calls[::-1]
        t = [ms * 1000 for ms, _ in interleaved_ms(order, reps)]
        ta, tb = (t[0], t[1]) if r % 2 == 0 else (t[1], t[0])
        a.append(ta), b.append(tb), d.append(100 * (tb / ta - 1))
    return (f"A {statistics.median(a):.1f} B {statistics.median(b):.1f} {statistics.mean(d):+.1f}% "
            f"({', '.join(f'{x:+.1f}' for x in d)})")


(ca, kva), (cb, kvb) = load(sys.argv[1], "ta_a"), load(sys.argv[2], "ta_b")
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 4
if os.environ.get("ABDEC_COMPRESS"):  # run 10: building a cache (quantize_kv_cuda) instead of decode
    for B, H, N in [(1, 8, 32768), (8, 8, 32768)]:
        g = torch.Generator(device="cuda").manual_seed(N + B)
        k = torch.randn(B, H, N, 128, device="cuda", dtype=torch.float16, generator=g)
        v = torch.randn(B, H, N, 128, device="cuda", dtype=torch.float16, generator=g)
        line = f"compress ({B},{H},{N})"
        for bits in (4, 2):
            calls = [lambda KV=KV: KV.quantize_kv_cuda(k, v, bits=bits) for KV in (kva, kvb)]
            line += f" | {bits}b " + rounds_ab(calls, 30)
        print(line, flush=True)
    sys.exit(0)
forms = os.environ.get("ABDEC_FORMS", "4s,2s").split(",")
for B, Hq, Hkv, N in [(1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072), (2, 32, 4, 32768)]:
    g = torch.Generator(device="cuda").manual_seed(N + B)
    k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    line = f"({B},{Hq},{Hkv},{N})"
    for code in forms:
        bits, ex = int(code[0]), code[1] == "e"
        outs, calls = [], []
        for C, KV in ((ca, kva), (cb, kvb)):
            cache, out = KV.quantize_kv_cuda(k, v, bits=bits), torch.empty_like(q)
            outs.append(out)
            calls.append(lambda C=C, cache=cache, out=out: C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128),
                                                                               False, ex, 8, False))
        calls[0](); calls[1](); torch.cuda.synchronize()
        same = torch.equal(outs[0], outs[1])
        line += f" | {bits}b {'exact' if ex else 'sas'} " + rounds_ab(calls, 60) + ("" if same else " differ")
        del calls, outs
    print(line, flush=True)
    del k, v, q
    torch.cuda.empty_cache()
