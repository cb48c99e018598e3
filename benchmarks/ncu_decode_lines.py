"""Where the warp decode kernel's instructions go, by csrc function and source line: Nsight Compute's per-instruction
counts (`MODE=source bash benchmarks/gpu_stalls_decode.sh` writes source_sass_<bits>.csv.gz) joined by offset with
the kernel's SASS as `nvdisasm -c -gi` prints it (one `//## File ..., line ...` frame per inlined level), because
ncu's own per-line export holds one source file only (NOTES-decode, session 35).

    python benchmarks/ncu_decode_lines.py LINES.sass.gz KERNEL SOURCE_SASS.csv.gz WARP_BLOCKS [--top N] [--csrc DIR]

KERNEL is the mangled name, e.g. _Z18decode_warp_kernelILi128ELb0ELi3ELb0ELi1EEv8dec_argsi (the one-row form).
Prints instructions per warp-block (B * Hkv * N / 64 for one row per KV head) by function, where a function is the
innermost frame in csrc/ and named by the nearest `__device__`/`__global__` definition above its line, then by
source line (--samples: lines by their share of the stall samples, with the two largest stall reasons, to find
where the warps wait rather than what they issue). The lines are read from --csrc (default: this tree's csrc), which must be the sources the profiled
build was compiled from (e.g. `git show REV:csrc/FILE` into a folder), or the functions and texts shift.
"""
import argparse
import collections
import csv
import gzip
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = os.path.join(os.path.dirname(HERE), "csrc")
FRAME = re.compile(r'//## File "([^"]+)", line (\d+)')
INSTR = re.compile(r"/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;")
DEF = re.compile(r"^(?:template\s*<.*>\s*)?(?:static\s+)?(?:__host__\s+)?(?:__device__|__global__)[^(]*?(\w+)\s*\(")


def sass_frames(path, kernel):
    """{offset: (instruction text, [(file, line), ...] innermost first)} for the kernel's section."""
    out, frames, inside = {}, [], False
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith("//---") and ".text." in line:
                inside = line.split(".text.")[1].split()[0] == kernel
                continue
            if not inside:
                continue
            m = FRAME.search(line)
            if m:
                if frames and frames[-1][2]:
                    frames = []  # a new chain starts after the outermost frame of the last one
                frames.append((os.path.basename(m.group(1)), int(m.group(2)), "inlined at" not in line))
                continue
            m = INSTR.search(line)
            if m:
                chain = [(f, n) for f, n, _ in frames]
                out[int(m.group(1), 16)] = (m.group(2), chain)  # the chain holds until the next one
    return out


def function_index(csrc):
    """{(file, line): function name} for every line of the .cu/.cuh files in csrc."""
    idx = {}
    for name in os.listdir(csrc):
        if not name.endswith((".cu", ".cuh")):
            continue
        current = "?"
        with open(os.path.join(csrc, name)) as f:
            for i, text in enumerate(f, 1):
                m = DEF.match(text)
                if m:
                    current = m.group(1)
                idx[(name, i)] = current
    return idx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lines")
    ap.add_argument("kernel")
    ap.add_argument("source_sass")
    ap.add_argument("warp_blocks", type=float)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--csrc", default=CSRC, help="the sources of the profiled build (default: this tree's csrc)")
    ap.add_argument("--samples", action="store_true", help="source lines by stall samples instead of instructions")
    args = ap.parse_args()
    sass = sass_frames(args.lines, args.kernel)
    rows = list(csv.reader(gzip.open(args.source_sass, "rt")))
    hi = next(i for i, r in enumerate(rows) if "Source" in r)
    hdr, data = rows[hi], [r for r in rows[hi + 1:] if r and r[0].startswith("0x")]
    i_src, i_ex = hdr.index("Source"), hdr.index("Instructions Executed")
    i_smp = hdr.index("Warp Stall Sampling (All Samples)")
    reasons = [(i, h[6:]) for i, h in enumerate(hdr) if h.startswith("stall_") and "Not Issued" not in h]
    base = int(data[0][0], 16)
    funcs = function_index(args.csrc)
    by_func, by_line, samples_func = collections.Counter(), collections.Counter(), collections.Counter()
    samples_line, why_line = collections.Counter(), collections.defaultdict(collections.Counter)
    mismatches, total, total_smp = 0, 0, 0
    for r in data:
        off, n = int(r[0], 16) - base, int(r[i_ex].replace(",", "") or 0)
        smp = int(r[i_smp].replace(",", "") or 0)
        text, chain = sass.get(off, ("?", []))
        if text.split()[:1] != r[i_src].split()[:1]:
            mismatches += 1
        inner = next(((f, l) for f, l in chain if (f, l) in funcs), None)
        fn = funcs.get(inner, "?") if inner else "?"
        by_func[fn] += n
        samples_func[fn] += smp
        by_line[inner] += n
        samples_line[inner] += smp
        for i, name in reasons:
            why_line[inner][name] += int(r[i].replace(",", "") or 0)
        total += n
        total_smp += smp
    wb = args.warp_blocks
    print(f"{total / wb:.0f} instructions per warp-block; {len(data)} SASS rows, {mismatches} whose opcode differs "
          f"from the disassembly at that offset")
    print("\nby function (innermost csrc frame): instructions per warp-block, share of stall samples")
    for fn, n in by_func.most_common(args.top):
        print(f"  {n / wb:7.1f}  {100 * samples_func[fn] / max(total_smp, 1):5.1f} %  {fn}")
    src_cache = {}

    def text(key):
        f, l = key
        if f not in src_cache:
            src_cache[f] = open(os.path.join(args.csrc, f)).read().split("\n")
        return f"{f}:{l} [{funcs.get(key, '?')}] {src_cache[f][l - 1].strip()[:80]}"

    if args.samples:
        print("\nby source line: share of stall samples (two largest reasons), instructions per warp-block")
        for key, smp in samples_line.most_common(args.top):
            why = ", ".join(f"{w} {100 * c / max(smp, 1):.0f} %" for w, c in why_line[key].most_common(2))
            where = "(no csrc frame)" if key is None else text(key)
            print(f"  {100 * smp / max(total_smp, 1):5.1f} % ({why}) {by_line[key] / wb:6.1f}  {where}")
        return
    print("\nby source line:")
    for key, n in by_line.most_common(args.top):
        print(f"  {n / wb:7.1f}  " + ("(no csrc frame)" if key is None else text(key)))


if __name__ == "__main__":
    main()
