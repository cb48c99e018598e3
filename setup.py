"""Builds turboattn._C from plain C (Python C API + NumPy C API) and, when nvcc is found, CUDA C.

TURBOATTN_CUDA=1 requires nvcc, TURBOATTN_CUDA=0 forces a CPU-only build, unset means "if nvcc exists".
TURBOATTN_SANITIZE=1 builds the C core with -fsanitize=address,undefined (used by .ci/sanitize).
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
CSRC = HERE / "csrc"

# Hopper first (wgmma/setmaxnreg need sm_90a), then sm_80 SASS and compute_80 PTX as the portable fallback.
# TURBOATTN_CUDA_HOPPER_ONLY=1 keeps sm_90a alone: the CUDA objects build in about half the time and take 40 % of the
# space (a benchmark run's carried objects), and the extension then runs on Hopper GPUs only.
CUDA_ARCH_FLAGS = [
    "-gencode=arch=compute_90a,code=sm_90a",
    "-gencode=arch=compute_80,code=sm_80",
    "-gencode=arch=compute_80,code=compute_80",
]
if os.environ.get("TURBOATTN_CUDA_HOPPER_ONLY", "").strip() == "1":
    CUDA_ARCH_FLAGS = CUDA_ARCH_FLAGS[:1]


def find_nvcc():
    want = os.environ.get("TURBOATTN_CUDA", "").strip()
    if want == "0":
        return None
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        for home in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
            if home and (Path(home) / "bin" / "nvcc").exists():
                nvcc = str(Path(home) / "bin" / "nvcc")
                break
    if want == "1" and nvcc is None:
        sys.exit("TURBOATTN_CUDA=1 but nvcc was not found (set CUDA_HOME or put nvcc on PATH)")
    return nvcc


NVCC = find_nvcc()
SANITIZE = os.environ.get("TURBOATTN_SANITIZE", "") == "1"


def local_includes(src):
    """src and the csrc/ headers it includes, directly or not (`#include "name"`)."""
    seen, todo = [], [src]
    while todo:
        path = todo.pop()
        if path in seen or not path.exists():
            continue
        seen.append(path)
        todo += [CSRC / name for name in re.findall(r'^\s*#\s*include\s+"([^"]+)"', path.read_text(), re.M)]
    return sorted(seen)


def cuda_object_key(src, flags, nvcc):
    """What a CUDA object depends on: its source, the csrc/ headers it includes, the flags and nvcc's version.
    nvcc takes minutes a file; a build whose key matches the object's stamp reuses the object (a rebuild after
    a C-only change, or objects built once and carried to another Python version's build directory)."""
    h = hashlib.sha256()
    version = subprocess.run([nvcc, "--version"], capture_output=True, text=True).stdout
    for part in (src.name, version, " ".join(flags)):
        h.update(part.encode() + b"\0")
    for path in local_includes(src):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class BuildWithCuda(build_ext):
    """Compiles csrc/*.cu with nvcc into objects linked into the same extension."""

    def build_extension(self, ext):
        if NVCC and any(CSRC.glob("*.cu")):
            cuda_home = Path(NVCC).resolve().parent.parent
            build_tmp = Path(self.build_temp) / "cuda"
            build_tmp.mkdir(parents=True, exist_ok=True)
            sources = sorted(CSRC.glob("*.cu"))

            # --threads 0: the three targets of one file compile in parallel (the largest file was the whole
            # build's critical path, about 5 minutes on a 16-core machine)
            flags = ["-O3", "-std=c++17", "-Xcompiler", "-fPIC", "--expt-relaxed-constexpr", "-lineinfo",
                     "--threads", "0", *CUDA_ARCH_FLAGS]

            def compile_one(src):
                obj = build_tmp / (src.stem + ".o")
                stamp = obj.with_suffix(".key")
                key = cuda_object_key(src, flags, NVCC)
                if obj.exists() and stamp.exists() and stamp.read_text() == key:
                    print(f"{obj}: up to date", flush=True)
                    return str(obj)
                cmd = [NVCC, "-c", str(src), "-o", str(obj), "-I" + str(CSRC), *flags]
                print(" ".join(cmd), flush=True)
                stamp.unlink(missing_ok=True)  # an interrupted compile must not leave an object that looks current
                subprocess.run(cmd, check=True)
                stamp.write_text(key)
                return str(obj)

            with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
                objects = list(pool.map(compile_one, sources))
            ext.extra_objects += objects
            ext.depends += objects  # fresh objects: relink even when no C source is newer than the library
            ext.include_dirs += [str(cuda_home / "include")]  # C files include <cuda_runtime_api.h>
            ext.library_dirs += [str(cuda_home / "lib64"), str(cuda_home / "targets" / "x86_64-linux" / "lib")]
            ext.libraries += ["cudart_static", "dl", "rt", "stdc++"]  # nvcc host stubs need libstdc++
            ext.define_macros += [("TA_WITH_CUDA", "1")]
        super().build_extension(ext)


c_flags = ["-O3", "-std=c11", "-ffp-contract=off", "-fno-strict-aliasing", "-Wall", "-Wextra",
           "-Wno-unused-parameter", "-Wno-missing-field-initializers", "-Wno-cast-function-type"]
link_flags = ["-pthread"]
if SANITIZE:
    c_flags = [f for f in c_flags if f != "-O3"] + ["-O1", "-g", "-fsanitize=address,undefined",
                                                   "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]
    link_flags += ["-fsanitize=address,undefined"]

ext = Extension(
    "turboattn._C",
    sources=sorted(str(p.relative_to(HERE)) for p in CSRC.glob("*.c")),
    include_dirs=[str(CSRC), numpy.get_include()],
    extra_compile_args=c_flags,
    extra_link_args=link_flags,
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
)

setup(ext_modules=[ext], cmdclass={"build_ext": BuildWithCuda})
