"""Session 31: several builds timed in one process. argv: rounds dir0 dir1 ...; each dir holds a turboattn package
built in place, imported as ta_0, ta_1, ... (as session 29's abinproc.py does for two). Every build makes its own
caches from the same k and v; their decode calls take turns call by call, in rounds whose order alternates. Prints per
shape and form each build's median (us) and its mean change against dir0 over the rounds, and "differ" where its
output is not bit-equal to dir0's (from session 37 on with the largest difference over dir0's largest output).
ABN_FORMS: forms as "4s,2s,4e" (bits, SAS or exact). ABN_DIST=sink:c (session 37): a sparse distribution, token 0
and 15 random tokens of every head pushed c along one direction that q leans towards too (c = 12 leaves 59-91 % of the
blocks with no score within SAS's threshold of the running maximum). Session 38: ABN_SHAPES="B,Hq,Hkv,N;..." replaces
the shapes; ABN_BPS="0,12" forces each build's blocks per split (0: the plan's), e.g. for one tree given twice.
Session 39: ABN_ENV="NAME=v0,v1,..." sets the environment variable NAME to v_i before each call of build i (an
empty v_i sets it empty), for knobs the library reads per call, e.g. one tree given twice.
Session 40: ABN_D=64 sets the head dimension (default 128), ABN_NQ=4 the query tokens a call (default 1).
benchmarks/ab_variants.sh drives it for diagnostic objects (from session 31 on)."""
import importlib, math, os, shutil, statistics, sys, tempfile
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from timing import interleaved_ms

root = tempfile.mkdtemp()
sys.path.insert(0, root)
rounds, dirs = int(sys.argv[1]), sys.argv[2:]
mods = []
for i, d in enumerate(dirs):
    shutil.copytree(os.path.join(d, "turboattn"), os.path.join(root, f"ta_{i}"))
    mods.append((importlib.import_module(f"ta_{i}._C"), importlib.import_module(f"ta_{i}.cuda_kv")))
if os.environ.get("ABN_BPS"):  # "0,12": blocks per split forced per build (0: the plan's), e.g. one tree twice
    for (C, _), n in zip(mods, os.environ["ABN_BPS"].split(",")):
        C.decode_blocks_per_split(int(n))
forms = os.environ.get("ABN_FORMS", "4s,2s").split(",")
env_name, env_vals = None, None
if os.environ.get("ABN_ENV"):  # "NAME=v0,v1": NAME set to v_i before each call of build i (session 39)
    env_name, vals = os.environ["ABN_ENV"].split("=", 1)
    env_vals = vals.split(",")
shapes = [(1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072), (2, 32, 4, 32768),
          (1, 32, 32, 32768 + 37), (16, 32, 8, 8192 + 37)]
if os.environ.get("ABN_SHAPES"):  # "B,Hq,Hkv,N;..." instead of the list above (session 38)
    shapes = [tuple(int(x) for x in s.split(",")) for s in os.environ["ABN_SHAPES"].split(";")]
D, NQ = int(os.environ.get("ABN_D", "128")), int(os.environ.get("ABN_NQ", "1"))
for B, Hq, Hkv, N in shapes:
    g = torch.Generator(device="cuda").manual_seed(N + B)
    k = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, NQ, D, device="cuda", dtype=torch.float16, generator=g)
    dist = os.environ.get("ABN_DIST", "")
    if dist.startswith("sink:"):
        c = float(dist[5:])
        u = torch.randn(D, device="cuda", generator=g)
        u /= u.norm()
        hot = torch.cat([torch.zeros(1, dtype=torch.long, device="cuda"),
                         torch.randint(0, N, (15,), device="cuda", generator=g)])
        k[:, :, hot] += (c * u).half()
        q += (c * u).half()
    line = f"({B},{Hq},{Hkv},{N})"
    for code in forms:
        bits, ex = int(code[0]), code[1] == "e"
        outs, calls = [], []
        for i, (C, KV) in enumerate(mods):
            cache, out = KV.quantize_kv_cuda(k, v, bits=bits), torch.empty_like(q)
            outs.append(out)
            def call(C=C, cache=cache, out=out, ev=env_vals[i] if env_vals else None):
                if ev is not None:
                    os.environ[env_name] = ev
                return C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(D), False, ex, 8, False)
            calls.append(call)
        for c in calls:
            c()
        torch.cuda.synchronize()
        med, dlt = [[] for _ in calls], [[] for _ in calls]
        for r in range(rounds):
            idx = list(range(len(calls))) if r % 2 == 0 else list(range(len(calls)))[::-1]
            res = interleaved_ms([calls[i] for i in idx], 60)
            t = [0.0] * len(calls)
            for i, (ms, _) in zip(idx, res):
                t[i] = ms * 1000
            for i in range(len(calls)):
                med[i].append(t[i]), dlt[i].append(100 * (t[i] / t[0] - 1))
        line += f" | {bits}b {'exact' if ex else 'sas'} {statistics.median(med[0]):.1f}"
        for i in range(1, len(calls)):
            same = torch.equal(outs[i], outs[0])
            line += f" / {statistics.median(med[i]):.1f} {statistics.mean(dlt[i]):+.1f}%"
            if not same:  # by how much, against the tree's largest output
                d = (outs[i].float() - outs[0].float()).abs().max().item() / outs[0].float().abs().max().item()
                line += f" differ ({d:.1e})"
        del calls, outs
    print(line, flush=True)
    del k, v, q
    torch.cuda.empty_cache()
