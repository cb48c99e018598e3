"""turboattn: TurboAttention (FlashQ + SAS) quantized attention, C core with a NumPy/DLPack API."""
from . import _C

__version__ = "0.1.0"
