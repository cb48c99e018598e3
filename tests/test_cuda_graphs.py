"""turboattn under CUDA graph capture: every CUDA call refuses to be captured with a RuntimeError that says why
(docs/DESIGN.md, "Streams"), before it does any CUDA work, so the capture stays valid and that error is the one
the user sees; a cache is left as it was, and the next ordinary call gives the same bits as before. Session 26
found that a capture made the following ordinary call fail with the capture's leftover CUDA error, and a failed
capture also leaves PyTorch's CUDA generator unusable for the rest of the process (later tests' torch.randn).
Skipped without a CUDA device and PyTorch."""
import numpy as np
import pytest

import turboattn as ta

pytestmark = pytest.mark.skipif(not ta.cuda_available()[1], reason="needs a CUDA device")

CALLS = {
    "prefill": lambda t: ta.flashq_attention(t["q"], t["k"], t["v"], causal=True),
    "prefill_out": lambda t: ta.flashq_attention(t["q"], t["k"], t["v"], causal=True, out=t["out"]),
    "decode": lambda t: ta.flashq_attention(t["qd"], kv=t["cache"]),
    "append": lambda t: t["cache"].append(t["k"][:, :, :1], t["v"][:, :, :1]),
    "step": lambda t: ta.flashq_attention(t["qd"], kv=t["cache"], k_new=t["k"][:, :, :1], v_new=t["v"][:, :, :1]),
    "quantize_kv": lambda t: ta.quantize_kv(t["k"], t["v"], bits=4),
}


def inputs(torch):
    rng = np.random.default_rng(26)
    k = rng.standard_normal((1, 2, 200, 64)).astype(np.float32)
    k[..., [3, 40]] *= 20.0  # outlier key channels
    t = {"q": rng.standard_normal((1, 8, 200, 64)), "k": k, "v": rng.standard_normal((1, 2, 200, 64))}
    t = {name: torch.from_numpy(x.astype(np.float16)).cuda() for name, x in t.items()}
    t["qd"] = t["q"][:, :, -1:].contiguous()
    t["out"] = torch.empty_like(t["q"])
    t["cache"] = ta.quantize_kv(t["k"], t["v"], bits=4)
    return t


def results(torch, t):
    """Prefill, decode on the cache and a new cache's decode, as host arrays (the cache itself is not changed)."""
    p = ta.flashq_attention(t["q"], t["k"], t["v"], causal=True)
    d = ta.flashq_attention(t["qd"], kv=t["cache"])
    n = ta.flashq_attention(t["qd"], kv=ta.quantize_kv(t["k"], t["v"], bits=4))
    return [torch.from_dlpack(x).cpu().numpy() for x in (p, d, n)]


@pytest.mark.filterwarnings("ignore:The CUDA Graph is empty")  # torch's word that nothing of ours was captured
@pytest.mark.parametrize("mode", ["global", "thread_local", "relaxed"])
@pytest.mark.parametrize("call", sorted(CALLS))
def test_capture_is_refused_and_leaves_no_trace(call, mode):
    torch = pytest.importorskip("torch")
    t = inputs(torch)
    before = results(torch, t)
    nbytes, n_tokens = t["cache"].nbytes, t["cache"].n_tokens
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with pytest.raises(RuntimeError, match="cannot run under CUDA graph capture") as info:
        with torch.cuda.graph(graph, capture_error_mode=mode):
            CALLS[call](t)
    # the capture stayed valid: torch ended it without an error of its own, which would have replaced ours
    assert "during capture" not in str(info.value)
    assert (t["cache"].nbytes, t["cache"].n_tokens) == (nbytes, n_tokens)
    after = results(torch, t)
    for a, b in zip(before, after):
        assert np.isfinite(a).all() and np.abs(a).max() > 0
        np.testing.assert_array_equal(a, b)


def test_ordinary_call_after_a_failed_cuda_call():
    """A CUDA failure that turboattn reports is also cleared: before session 26 it stayed the runtime's last error,
    and the next call's first launch check raised it again as its own."""
    torch = pytest.importorskip("torch")
    from turboattn import _C
    t = inputs(torch)
    before = results(torch, t)
    with pytest.raises((RuntimeError, MemoryError), match="cudaMalloc"):
        _C.device_empty((1 << 50,), "uint8", 0)  # a petabyte: the allocation fails (non-sticky)
    after = results(torch, t)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("non_blocking", [False, True])
def test_cupy_capture_is_refused_and_leaves_no_trace(non_blocking):
    """CuPy has no exchange table: its current stream is asked through cupy.cuda before CuPy's own __dlpack__ would
    fail inside the capture. The refusal comes first, CuPy ends the capture cleanly (an empty graph), and the next
    ordinary call gives the same bits."""
    cp = pytest.importorskip("cupy")
    rng = np.random.default_rng(27)
    q, k, v = (cp.asarray(rng.standard_normal(s).astype(np.float16)) for s in ((1, 4, 130, 64), (1, 2, 130, 64),
                                                                                (1, 2, 130, 64)))
    before = cp.asnumpy(cp.from_dlpack(ta.flashq_attention(q, k, v, causal=True)))
    cache = ta.quantize_kv(k, v, bits=4)
    stream = cp.cuda.Stream(non_blocking=non_blocking)
    for call in (lambda: ta.flashq_attention(q, k, v, causal=True), lambda: ta.flashq_attention(q[:, :, -1:], kv=cache),
                 lambda: cache.append(k[:, :, :1], v[:, :, :1])):
        with stream:
            stream.begin_capture()
            try:
                with pytest.raises(RuntimeError, match="cannot run under CUDA graph capture"):
                    call()
            finally:
                stream.end_capture()  # raises if the capture was invalidated
    assert cache.n_tokens == 130
    after = cp.asnumpy(cp.from_dlpack(ta.flashq_attention(q, k, v, causal=True)))
    assert np.isfinite(before).all() and np.abs(before).max() > 0
    np.testing.assert_array_equal(before, after)
