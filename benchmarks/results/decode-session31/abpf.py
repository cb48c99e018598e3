"""Session 31: the keys' L2 prefetch (dec_args.pf_ahead) against the tree before it, in one process. argv: dirA dirB
[rounds]; each dir holds a turboattn package built in place (A: be10aae, B: with the prefetch). B is timed in several
configurations, set before each call outside the timed region: TURBOATTN_DECODE_PREFETCH (percent of a wave ahead,
0: off) and the blocks per split (decode_blocks_per_split, 0: the plan's). The calls of every configuration take turns
(A, B configs, ...), the order alternating by round. Prints per shape and form each configuration's median (us) and
its mean B/A - 1 over the rounds; "differ" when B's output is not bit-equal to A's (expected only where B's blocks per
split are not the plan's)."""
import importlib, math, os, shutil, statistics, sys, tempfile
import torch

root = tempfile.mkdtemp()
sys.path.insert(0, root)


def load(src, name):
    shutil.copytree(os.path.join(src, "turboattn"), os.path.join(root, name))
    return importlib.import_module(name + "._C"), importlib.import_module(name + ".cuda_kv")


(ca, kva), (cb, kvb) = load(sys.argv[1], "ta_a"), load(sys.argv[2], "ta_b")
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 4
reps = int(os.environ.get("ABPF_REPS", "60"))
forms = os.environ.get("ABPF_FORMS", "4s,2s").split(",")
# (prefetch percent, blocks per split) for B
configs = [tuple(int(x) for x in c.split(":")) for c in os.environ.get("ABPF_CONFIGS", "0:0,100:0,100:6,100:4,100:3").split(",")]
shapes = [(1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072)]


def timed(setup, fn):
    setup()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    stop.record()
    stop.synchronize()
    return start.elapsed_time(stop) * 1000


for B, Hq, Hkv, N in shapes:
    g = torch.Generator(device="cuda").manual_seed(N + B)
    k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    for code in forms:
        bits, ex = int(code[0]), code[1] == "e"
        cache_a, cache_b = kva.quantize_kv_cuda(k, v, bits=bits), kvb.quantize_kv_cuda(k, v, bits=bits)
        out_a = torch.empty_like(q)
        entries = [("A", lambda: None, lambda: ca.cuda_attention_kv(q, cache_a, out_a, None, 1 / math.sqrt(128), False, ex, 8, False), out_a)]
        for pct, bps in configs:
            out = torch.empty_like(q)
            def setup(pct=pct, bps=bps):
                os.environ["TURBOATTN_DECODE_PREFETCH"] = str(pct)
                cb.decode_blocks_per_split(bps)
            call = lambda out=out: cb.cuda_attention_kv(q, cache_b, out, None, 1 / math.sqrt(128), False, ex, 8, False)
            entries.append((f"pf{pct}/bps{bps or 'plan'}", setup, call, out))
        for _, setup, call, _ in entries:
            for _ in range(3):
                setup(), call()
        torch.cuda.synchronize()
        same = [torch.equal(e[3], out_a) for e in entries]
        med = {e[0]: [] for e in entries}
        for r in range(rounds):
            order = entries if r % 2 == 0 else entries[::-1]
            t = {e[0]: [] for e in entries}
            for _ in range(reps):
                for name, setup, call, _ in order:
                    t[name].append(timed(setup, call))
            for name in t:
                med[name].append(statistics.median(t[name]))
        base = med["A"]
        line = f"({B},{Hq},{Hkv},{N}) {bits}b {'exact' if ex else 'sas'}: A {statistics.median(base):.1f}"
        for (name, *_), eq in zip(entries[1:], same[1:]):
            d = statistics.mean(100 * (x / y - 1) for x, y in zip(med[name], base))
            line += f" | {name} {statistics.median(med[name]):.1f} {d:+.1f}%" + ("" if eq else " differ")
        print(line, flush=True)
        cb.decode_blocks_per_split(0)
        del cache_a, cache_b, entries
    del k, v, q
    torch.cuda.empty_cache()
