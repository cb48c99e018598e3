"""Moving tensors between NumPy, turboattn's ``DeviceArray`` and other DLPack libraries.

Thin wrappers over ``turboattn._C``; the copies and the DLPack bookkeeping are in ``csrc/dlpack.c`` and
``csrc/device_array.c``.
"""
import numpy as np

from . import _C

DeviceArray = _C.DeviceArray

_KDL_CPU, _KDL_CUDA = 1, 2


def _dtype_name(dtype):
    if isinstance(dtype, str):
        return dtype
    return np.dtype(dtype).name  # ml_dtypes' bfloat16 is named "bfloat16"


def device_empty(shape, dtype="float32", device=0):
    """Uninitialised C-contiguous CUDA memory.

    Args:
        shape: int or tuple of ints (at most 8 dimensions).
        dtype: "float32", "float16", "bfloat16", "int8", "uint8", "int32" or "int64" (a NumPy dtype works too).
        device: CUDA device id.

    Returns:
        DeviceArray, exportable with ``__dlpack__`` (``torch.from_dlpack(x)``, ``cupy.from_dlpack(x)``).

    Raises:
        RuntimeError: turboattn was built without CUDA, or the CUDA runtime failed (its message included).

    Example:
        >>> x = device_empty((1, 8, 128, 64), "float16")  # doctest: +SKIP
    """
    return _C.device_empty(shape, _dtype_name(dtype), int(device))


def from_numpy(array, device=0):
    """A CUDA copy of a NumPy array (host to device), as a DeviceArray of the same shape and dtype.

    Example:
        >>> x = from_numpy(np.ones((1, 2, 64, 64), np.float32))  # doctest: +SKIP
    """
    return _C.device_from_numpy(np.asarray(array), int(device))


def to_numpy(x):
    """A NumPy array holding the values of ``x``.

    Args:
        x: a NumPy array (returned as is), a DeviceArray, or any object with ``__dlpack__`` on the CPU
            or a CUDA device (copied; CUDA memory device-to-host), any strides, any DLPack dtype NumPy holds.

    Returns:
        numpy.ndarray; bfloat16 data comes back as ``ml_dtypes.bfloat16``.

    Example:
        >>> to_numpy(np.arange(3.0))
        array([0., 1., 2.])
    """
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, DeviceArray):
        return _C.device_to_numpy(x)
    if not hasattr(x, "__dlpack__"):
        return np.asarray(x)
    return _C.dlpack_to_numpy(x)


def device_of(x):
    """Where ``x`` lives: ``("cpu", 0)`` or ``("cuda", device_id)``.

    Reads ``__dlpack_device__`` (DeviceArray, PyTorch, CuPy, JAX, ...); NumPy arrays are on the CPU.

    Example:
        >>> device_of(np.zeros(3))
        ('cpu', 0)
    """
    if isinstance(x, np.ndarray):
        return ("cpu", 0)
    if not hasattr(x, "__dlpack_device__"):
        raise TypeError(f"x must be a NumPy array or have __dlpack_device__ (got {type(x).__name__})")
    device_type, device_id = x.__dlpack_device__()
    if int(device_type) == _KDL_CPU:
        return ("cpu", int(device_id))
    if int(device_type) == _KDL_CUDA:
        return ("cuda", int(device_id))
    raise ValueError(f"x is on DLPack device ({int(device_type)}, {int(device_id)}); turboattn knows CPU (1) "
                     "and CUDA (2)")
