"""Host (CPU) inputs as NumPy arrays, shared by the attention-stage modules."""
import numpy as np


def host_array(x, name, sequences=True):
    """x as a NumPy array without copying where possible: NumPy arrays as they are, CPU DLPack tensors through
    np.from_dlpack, and (if ``sequences``) anything else through np.asarray; TypeError naming ``name``."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "__dlpack__"):
        try:
            return np.from_dlpack(x)
        except (TypeError, ValueError, RuntimeError, BufferError) as exc:
            raise TypeError(f"{name} is a DLPack tensor NumPy cannot import on the CPU ({exc})") from None
    if x is None or not sequences:
        raise TypeError(f"{name} must be a NumPy array or a DLPack tensor (got {type(x).__name__})")
    return np.asarray(x)
