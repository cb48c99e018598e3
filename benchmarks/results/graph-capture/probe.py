"""What each turboattn CUDA call does under torch.cuda.graph capture (one scenario per process, so a hang is
seen as a timeout): the exception the user sees, and whether the next ordinary call still works."""
import subprocess, sys, textwrap

SETUP = textwrap.dedent("""
    import numpy as np, torch, turboattn as ta, traceback, sys
    rng = np.random.default_rng(1)
    def t(*s): return torch.from_numpy(rng.standard_normal(s).astype(np.float16)).cuda()
    q, k, v = t(1, 8, 256, 128), t(1, 2, 256, 128), t(1, 2, 256, 128)
    cache = ta.quantize_kv(k, v, bits=4)
    qd = q[:, :, -1:].contiguous()
    ref_p = torch.from_dlpack(ta.flashq_attention(q, k, v, causal=True)).clone()
    ref_d = torch.from_dlpack(ta.flashq_attention(qd, kv=cache)).clone()
    torch.cuda.synchronize()
    MODE = sys.argv[2] if len(sys.argv) > 2 else "global"
""")
CALLS = {
    "prefill": "ta.flashq_attention(q, k, v, causal=True)",
    "prefill_out": "ta.flashq_attention(q, k, v, causal=True, out=torch.empty_like(q))",
    "decode": "ta.flashq_attention(qd, kv=cache)",
    "append": "cache.append(k[:, :, :1], v[:, :, :1])",
    "step": "ta.flashq_attention(qd, kv=cache, k_new=k[:, :, :1], v_new=v[:, :, :1])",
    "quantize_kv": "ta.quantize_kv(k, v, bits=4)",
}
BODY = textwrap.dedent("""
    g = torch.cuda.CUDAGraph()
    try:
        with torch.cuda.graph(g, capture_error_mode=MODE):
            CALL
        print("CAPTURED without error")
    except BaseException as e:
        print("RAISED", type(e).__name__, ":", str(e)[:400].replace(chr(10), " | "))
        c = e.__context__
        while c is not None:
            print("  context", type(c).__name__, ":", str(c)[:300].replace(chr(10), " | "))
            c = c.__context__
    try:
        torch.cuda.synchronize()
        p = torch.from_dlpack(ta.flashq_attention(q, k, v, causal=True))
        d = torch.from_dlpack(ta.flashq_attention(qd, kv=ta.quantize_kv(k, v, bits=4)))
        torch.cuda.synchronize()
        print("AFTER: prefill equal", bool(torch.equal(p, ref_p)), "decode equal", bool(torch.equal(d, ref_d)))
    except BaseException as e:
        print("AFTER RAISED", type(e).__name__, ":", str(e)[:300])
""")
if len(sys.argv) > 1:
    exec(SETUP + BODY.replace("CALL", CALLS[sys.argv[1]]))
else:
    for mode in ("global", "thread_local", "relaxed"):
        for name in CALLS:
            print(f"== {name} ({mode})", flush=True)
            try:
                r = subprocess.run([sys.executable, __file__, name, mode], capture_output=True, text=True, timeout=60)
                print(r.stdout.strip())
                if r.returncode:
                    print("rc", r.returncode, r.stderr.strip()[-600:])
            except subprocess.TimeoutExpired:
                print("TIMEOUT (hang) after 60 s")
