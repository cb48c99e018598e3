"""CPU benchmark: time and peak memory of flashq_attention vs a NumPy float32 attention, B=1, H=8, D=128,
non-causal, float16 inputs (NumPy computes in float32), on 2 threads for both (TURBOATTN_NUM_THREADS
and the BLAS thread variables are set before NumPy loads).

Each (implementation, N) runs in a fresh subprocess so that its peak RSS is its own: we report the
peak resident memory added by the call over the process's RSS just before it (inputs already built).

    python benchmarks/cpu_attention.py [--seqs 1024 2048 4096 8192] [--out benchmarks/results/cpu_attention]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

THREADS = "2"
CHILD = r"""
import os, sys, time, json
import numpy as np
import turboattn as ta

impl, N, D, H, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rng = np.random.default_rng(N)
q, k, v = (rng.standard_normal((1, H, N, D)).astype(np.float16) for _ in range(3))

def numpy_attention(q, k, v):
    qf, kf, vf = (x.astype(np.float32) for x in (q, k, v))
    s = (qf @ kf.transpose(0, 1, 3, 2)) * np.float32(1.0 / np.sqrt(D))
    s -= s.max(axis=-1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=-1, keepdims=True)
    return (s @ vf).astype(np.float16)

fn = numpy_attention if impl == "numpy" else (lambda q, k, v: ta.flashq_attention(q, k, v))
def status_kb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))
# Building the inputs peaked higher than what is resident now; reset the high-water mark (Linux:
# writing 5 to clear_refs) so VmHWM afterwards is the call's own peak.
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status_kb("VmRSS")
times = []
for _ in range(reps):
    t0 = time.perf_counter(); out = fn(q, k, v); times.append(time.perf_counter() - t0); del out
peak = status_kb("VmHWM")
print(json.dumps({"impl": impl, "N": N, "seconds": sorted(times)[len(times) // 2], "peak_extra_mib": max(0, peak - before) / 1024}))
"""


def run_case(impl, N, D, H, reps):
    env = dict(os.environ, TURBOATTN_NUM_THREADS=THREADS, OMP_NUM_THREADS=THREADS, OPENBLAS_NUM_THREADS=THREADS,
               MKL_NUM_THREADS=THREADS,
               # A fixed mmap threshold: large blocks go straight back to the OS when freed, so memory
               # freed while building inputs is not silently reused by the call and hidden from its peak.
               MALLOC_MMAP_THRESHOLD_="131072")
    res = subprocess.run([sys.executable, "-c", CHILD, impl, str(N), str(D), str(H), str(reps)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seqs", type=int, nargs="+", default=[1024, 2048, 4096, 8192])
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", default=None, help="write OUT.json and OUT.md")
    args = ap.parse_args()
    rows = []
    for N in args.seqs:
        t = run_case("turboattn", N, args.dim, args.heads, args.reps)
        n = run_case("numpy", N, args.dim, args.heads, args.reps)
        rows.append({"N": N, "turboattn_s": t["seconds"], "numpy_s": n["seconds"],
                     "speedup": n["seconds"] / t["seconds"], "turboattn_peak_mib": t["peak_extra_mib"],
                     "numpy_peak_mib": n["peak_extra_mib"],
                     "memory_ratio": t["peak_extra_mib"] / max(n["peak_extra_mib"], 1e-9)})
        r = rows[-1]
        print(f"N={N:5d}  turboattn {r['turboattn_s']*1e3:9.1f} ms {r['turboattn_peak_mib']:8.1f} MiB | "
              f"numpy {r['numpy_s']*1e3:9.1f} ms {r['numpy_peak_mib']:8.1f} MiB | speedup {r['speedup']:.2f}x, "
              f"memory {100*r['memory_ratio']:.1f}% of numpy", flush=True)
    meta = {"command": "python " + " ".join(sys.argv), "machine": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "threads": int(THREADS), "B": 1, "H": args.heads, "D": args.dim,
            "dtype": "float16 inputs", "date": time.strftime("%Y-%m-%d")}
    if args.out:
        with open(args.out + ".json", "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=1)
        with open(args.out + ".md", "w") as f:
            f.write(f"# CPU attention: turboattn vs NumPy float32\n\n`{meta['command']}` on {meta['cpus']} CPUs "
                    f"({meta['machine']}), {THREADS} threads, B=1 H={args.heads} D={args.dim}, {meta['date']}.\n\n")
            f.write("| N | turboattn ms | NumPy ms | speedup | turboattn peak MiB | NumPy peak MiB | memory % |\n")
            f.write("|---|---|---|---|---|---|---|\n")
            for r in rows:
                f.write(f"| {r['N']} | {r['turboattn_s']*1e3:.1f} | {r['numpy_s']*1e3:.1f} | {r['speedup']:.2f}x | "
                        f"{r['turboattn_peak_mib']:.1f} | {r['numpy_peak_mib']:.1f} | {100*r['memory_ratio']:.1f}% |\n")


if __name__ == "__main__":
    main()
