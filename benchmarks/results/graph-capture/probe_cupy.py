"""CuPy stream capture around turboattn calls (blocking and non-blocking capture streams): what the user sees, and
whether the next ordinary call gives the same bits."""
import cupy as cp
import numpy as np
import turboattn as ta

rng = np.random.default_rng(1)
q, k, v = (cp.asarray(rng.standard_normal(s).astype(np.float16)) for s in ((1, 8, 256, 64), (1, 2, 256, 64), (1, 2, 256, 64)))
ref = cp.asnumpy(cp.from_dlpack(ta.flashq_attention(q, k, v, causal=True)))
for non_blocking in (False, True):
    s = cp.cuda.Stream(non_blocking=non_blocking)
    try:
        with s:
            s.begin_capture()
            try:
                ta.flashq_attention(q, k, v, causal=True)
            finally:
                g = s.end_capture()
        print(f"non_blocking={non_blocking}: CAPTURED without error")
    except BaseException as e:
        print(f"non_blocking={non_blocking}: RAISED {type(e).__name__}: {str(e)[:400]}")
        c = e.__context__
        while c is not None:
            print("  context", type(c).__name__, ":", str(c)[:300])
            c = c.__context__
    try:
        out = cp.asnumpy(cp.from_dlpack(ta.flashq_attention(q, k, v, causal=True)))
        print("  AFTER equal:", bool((out == ref).all()))
    except BaseException as e:
        print("  AFTER RAISED", type(e).__name__, str(e)[:300])
