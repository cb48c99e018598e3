"""turboattn: TurboAttention (FlashQ + SAS) quantized attention with a C core and a NumPy/DLPack API.

    >>> import numpy as np, turboattn as ta
    >>> q, k, v = (np.random.default_rng(0).standard_normal((1, 8, 256, 64), dtype=np.float32) for _ in range(3))
    >>> out = ta.flashq_attention(q, k, v, causal=True)          # INT8 FlashQ + SAS softmax
    >>> ta.rel_l2(out, ta.reference_attention(q, k, v, causal=True)) < 0.05
    True

Numerics: ../shared/SPEC.md in the project (v1); layouts and readings of the spec: docs/DESIGN.md.
"""
from . import _C
from .attention import flashq_attention
from .kv import QuantizedKV, quantize_int8, quantize_kv
from .metrics import cosine, max_abs, rel_l2
from .reference import reference_attention
from .sas import sas_softmax

__version__ = "0.1.0"

__all__ = [
    "flashq_attention", "quantize_kv", "QuantizedKV", "quantize_int8", "sas_softmax", "reference_attention",
    "cosine", "rel_l2", "max_abs", "cuda_available",
]


def cuda_available():
    """Return ``(built_with_cuda, device_present)``.

    ``built_with_cuda`` is True when the extension was compiled with nvcc (CUDA kernels linked in);
    ``device_present`` is True when, at run time, the CUDA runtime sees at least one GPU.

    >>> built, present = cuda_available()
    """
    built = bool(_C.BUILT_WITH_CUDA)
    count = _C.cuda_device_count() if built and hasattr(_C, "cuda_device_count") else 0
    return built, count > 0
