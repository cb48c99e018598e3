"""Data on a second GPU: every CUDA call runs on its inputs' device whatever device the program has current,
gives the same bits there as on the first device, and gives the current device back; inputs on two devices
are refused naming the argument. Session 26 found the cache's growth copy (cuda_copy_prefix) queued on the
current device's stream instead of the cache's. Skipped unless two CUDA devices are present."""
import numpy as np
import pytest

import turboattn as ta
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda

pytestmark = pytest.mark.skipif(_C.cuda_device_count() < 2, reason="needs two CUDA devices")

CHUNKS = (1, 37, 1, 64, 130, 1)  # appends that fill, wrap and outgrow a cache made with capacity=1


def host(torch, x):
    return torch.from_dlpack(x).cpu().numpy()


def every_call(torch, dev):
    """Prefill (SAS, exact, out=), a mixed 2/4-bit cache's decode, a cache grown from capacity 1 by appends and
    fused steps, on device `dev`: host copies of every output and of the grown cache."""
    rng = np.random.default_rng(126)
    k = rng.standard_normal((1, 2, 300 + sum(CHUNKS), 64)).astype(np.float32)
    k[..., [5, 33]] *= 20.0  # outlier key channels
    v = rng.standard_normal(k.shape)
    q = rng.standard_normal((1, 8, 300, 64))
    q, k, v = (torch.from_numpy(x.astype(np.float16)).to(f"cuda:{dev}") for x in (q, k, v))
    out = {"prefill": host(torch, ta.flashq_attention(q, k[:, :, :300], v[:, :, :300], causal=True)),
           "exact": host(torch, ta.flashq_attention(q, k[:, :, :300], v[:, :, :300], softmax="exact"))}
    given = torch.full_like(q, float("nan"))
    ta.flashq_attention(q, k[:, :, :300], v[:, :, :300], causal=True, out=given)
    out["out="] = given.cpu().numpy()
    mixed = ta.quantize_kv(k[:, :, :300], v[:, :, :300], bits=[4, 2])
    out["decode"] = host(torch, ta.flashq_attention(q[:, :, -1:], kv=mixed))
    grown = quantize_kv_cuda(k[:, :, :100], v[:, :, :100], bits=4, capacity=1)
    at = 100
    for i, n in enumerate(CHUNKS):
        kn, vn = k[:, :, at:at + n], v[:, :, at:at + n]
        if i % 2:
            grown.append(kn, vn)
        else:
            out[f"step{i}"] = host(torch, ta.flashq_attention(q[:, :, -1:], kv=grown, k_new=kn, v_new=vn))
        at += n
    out["grown decode"] = host(torch, ta.flashq_attention(q[:, :, -3:], kv=grown, causal=True))
    cpu = grown.to_cpu()
    for name in ("k_codes", "k_group_step", "k_group_zero", "k_block_scale", "v_codes", "v_group_step",
                 "v_group_zero", "v_block_scale"):
        out[name] = np.asarray(getattr(cpu, name)).copy()
    return out


@pytest.mark.parametrize("current", [0, 1])
def test_second_device_gives_the_first_devices_bits(current):
    torch = pytest.importorskip("torch")
    torch.cuda.set_device(0)
    first = every_call(torch, 0)
    torch.cuda.set_device(current)
    try:
        second = every_call(torch, 1)
        assert torch.cuda.current_device() == current  # turboattn gave the current device back
    finally:
        torch.cuda.set_device(0)
    for name, a in first.items():
        if a.dtype.kind == "f":
            assert np.isfinite(a).all() and np.abs(a).max() > 0, name
        np.testing.assert_array_equal(a, second[name], err_msg=name)


@pytest.mark.parametrize("arg", ["k", "v", "out", "kv", "k_new"])
def test_inputs_on_two_devices_are_refused_naming_the_argument(arg):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    q, k, v = (torch.from_numpy(rng.standard_normal(s).astype(np.float16)).cuda(0)
               for s in ((1, 4, 70, 64), (1, 2, 70, 64), (1, 2, 70, 64)))
    other = {"k": k.cuda(1), "v": v.cuda(1), "out": torch.empty_like(q).cuda(1)}
    if arg in ("k", "v", "out"):
        kw = {"k": k, "v": v, "out": None, **{arg: other[arg]}}
        with pytest.raises(ValueError, match=arg):
            ta.flashq_attention(q, kw["k"], kw["v"], out=kw["out"])
        return
    cache = ta.quantize_kv(k.cuda(1) if arg == "kv" else k, v.cuda(1) if arg == "kv" else v, bits=4)
    before = cache.to_cpu().n_residual, cache.n_tokens
    with pytest.raises(ValueError, match="k_new" if arg == "k_new" else "q|kv|device"):
        if arg == "kv":
            ta.flashq_attention(q[:, :, -1:], kv=cache)
        else:
            ta.flashq_attention(q[:, :, -1:], kv=cache, k_new=k[:, :, :1].cuda(1), v_new=v[:, :, :1])
    assert (cache.to_cpu().n_residual, cache.n_tokens) == before
