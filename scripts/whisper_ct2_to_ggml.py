#!/usr/bin/env python3
"""Converts a Whisper model in CTranslate2 format (model.bin + vocabulary.txt) to the ggml file
whisper.cpp loads. Runs once, at install time (scripts/install-whisper.sh); needs only numpy.

    whisper_ct2_to_ggml.py CT2_DIR OUT.bin [--type f16|q8_0]

CTranslate2's model.bin (binary version 6): a spec name and revision, then named variables
(rank, dims, dtype, bytes) and aliases. Its layer layout differs from OpenAI's: self-attention
`linear_0` holds q, k and v stacked (k has a zero bias, which whisper.cpp does not take);
cross-attention `linear_0` is q, `linear_1` k and v stacked, `linear_2` the output projection.

The mel filter bank is computed here the way librosa (and so OpenAI's mel_filters.npz) does it:
Slaney mel scale and area normalisation, 80 bins, n_fft 400, 16 kHz. Checked against
mel_filters.npz from the openai-whisper 20250625 sdist: largest difference 1.9e-9.

The ggml file is what whisper.cpp's own converters write: magic, hyper-parameters, the 80-bin
mel filter bank, the byte-level vocabulary up to <|endoftext|>, then each tensor (dims innermost
first). Matrices are f16 (or q8_0 blocks); vectors, conv biases and positional embeddings f32.
"""

import argparse
import re
import struct
import sys
from pathlib import Path

import numpy as np

GGML_MAGIC = 0x67676D6C
# Per-tensor types (ggml_type) and the file's ftype (ggml_ftype); quantized files add the
# quantization version times 1000 to the ftype, as whisper.cpp's quantizer does.
T_F32, T_F16, T_Q8_0 = 0, 1, 8
FTYPE_F16, FTYPE_Q8_0 = 1, 7
QNT_VERSION = 2
QK8_0 = 32

CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


class ConvertError(Exception):
    pass


def read_ct2(path):
    """Variables of a CTranslate2 model.bin as numpy arrays, aliases resolved."""
    data = path.read_bytes()
    pos = 0

    def take(fmt):
        nonlocal pos
        size = struct.calcsize(fmt)
        if pos + size > len(data):
            raise ConvertError(f"{path}: truncated at byte {pos}")
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += size
        return values

    def string():
        nonlocal pos
        (n,) = take("H")
        raw = data[pos : pos + n]
        pos += n
        return raw.rstrip(b"\0").decode("utf-8")

    (version,) = take("I")
    if version != 6:
        raise ConvertError(f"{path}: CTranslate2 binary version {version}, expected 6")
    spec = string()
    take("I")  # spec revision
    if spec != "WhisperSpec":
        raise ConvertError(f"{path}: a {spec} model, not Whisper")
    (count,) = take("I")
    variables = {}
    for _ in range(count):
        name = string()
        (rank,) = take("B")
        dims = take("I" * rank)
        (dtype_id,) = take("B")
        (nbytes,) = take("I")
        dtype = CT2_DTYPES.get(dtype_id)
        if dtype is None:
            raise ConvertError(f"{path}: variable {name} has unsupported dtype {dtype_id}")
        array = np.frombuffer(data, dtype=dtype, count=nbytes // np.dtype(dtype).itemsize, offset=pos)
        pos += nbytes
        variables[name] = array.reshape(dims) if dims else array[0]
    (aliases,) = take("I")
    for _ in range(aliases):
        alias, target = string(), string()
        variables[alias] = variables[target]
    return variables


def bytes_to_unicode():
    """GPT-2's byte-to-printable mapping (the form vocabulary.txt stores tokens in)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def vocabulary(path):
    """Token byte strings in id order, up to (not including) <|endoftext|>."""
    tokens = path.read_text(encoding="utf-8").split("\n")
    if tokens and tokens[-1] == "":
        tokens.pop()
    try:
        eot = tokens.index("<|endoftext|>")
    except ValueError:
        raise ConvertError(f"{path}: no <|endoftext|> token") from None
    decoder = {c: b for b, c in bytes_to_unicode().items()}
    out = []
    for i, token in enumerate(tokens[:eot]):
        try:
            out.append(bytes(decoder[c] for c in token))
        except KeyError:
            raise ConvertError(f"{path} line {i + 1}: token {token!r} is not byte-level BPE") from None
    return out


SLANEY_F_SP = 200.0 / 3  # Hz per mel below 1 kHz
SLANEY_MIN_LOG_HZ = 1000.0
SLANEY_LOGSTEP = np.log(6.4) / 27.0


def hz_to_mel(f):
    f = np.asanyarray(f, dtype=np.float64)
    min_log_mel = SLANEY_MIN_LOG_HZ / SLANEY_F_SP
    log_part = min_log_mel + np.log(np.maximum(f, 1e-10) / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP
    return np.where(f >= SLANEY_MIN_LOG_HZ, log_part, f / SLANEY_F_SP)


def mel_to_hz(m):
    m = np.asanyarray(m, dtype=np.float64)
    min_log_mel = SLANEY_MIN_LOG_HZ / SLANEY_F_SP
    log_part = SLANEY_MIN_LOG_HZ * np.exp(SLANEY_LOGSTEP * (m - min_log_mel))
    return np.where(m >= min_log_mel, log_part, m * SLANEY_F_SP)


def mel_filters(sr=16000, n_fft=400, n_mels=80):
    """Triangular filters on the Slaney mel scale, each normalised to unit area (n_mels x bins)."""
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    lower = -ramps[:n_mels] / fdiff[:n_mels, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:] - mel_f[:n_mels]))[:, None]
    return weights.astype(np.float32)


def openai_tensors(v):
    """The tensors under OpenAI Whisper's names, as whisper.cpp expects them, in file order."""
    out = []

    def layers(prefix):
        found = {int(m.group(1)) for k in v for m in [re.match(prefix + r"/layer_(\d+)/", k)] if m}
        return sorted(found)

    def linear(name, weight, bias=None):
        out.append((name + ".weight", weight))
        if bias is not None:
            out.append((name + ".bias", bias))

    def norm(name, ct2):
        out.append((name + ".weight", v[ct2 + "/gamma"]))
        out.append((name + ".bias", v[ct2 + "/beta"]))

    def self_attention(dst, src):
        w, b = v[src + "/linear_0/weight"], v[src + "/linear_0/bias"]
        q, k, val = np.split(w, 3)
        qb, _kb, vb = np.split(b, 3)
        linear(dst + ".query", q, qb)
        linear(dst + ".key", k)
        linear(dst + ".value", val, vb)
        linear(dst + ".out", v[src + "/linear_1/weight"], v[src + "/linear_1/bias"])

    def mlp(dst, src):
        linear(dst + ".0", v[src + "/linear_0/weight"], v[src + "/linear_0/bias"])
        linear(dst + ".2", v[src + "/linear_1/weight"], v[src + "/linear_1/bias"])

    out.append(("encoder.positional_embedding", v["encoder/position_encodings/encodings"]))
    for i in (1, 2):
        linear(f"encoder.conv{i}", v[f"encoder/conv{i}/weight"], v[f"encoder/conv{i}/bias"])
    for i in layers("encoder"):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        self_attention(dst + ".attn", src + "/self_attention")
        norm(dst + ".attn_ln", src + "/self_attention/layer_norm")
        mlp(dst + ".mlp", src + "/ffn")
        norm(dst + ".mlp_ln", src + "/ffn/layer_norm")
    norm("encoder.ln_post", "encoder/layer_norm")

    out.append(("decoder.positional_embedding", v["decoder/position_encodings/encodings"]))
    out.append(("decoder.token_embedding.weight", v["decoder/embeddings/weight"]))
    for i in layers("decoder"):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        self_attention(dst + ".attn", src + "/self_attention")
        norm(dst + ".attn_ln", src + "/self_attention/layer_norm")
        cross = src + "/attention"
        linear(dst + ".cross_attn.query", v[cross + "/linear_0/weight"], v[cross + "/linear_0/bias"])
        k, val = np.split(v[cross + "/linear_1/weight"], 2)
        _kb, vb = np.split(v[cross + "/linear_1/bias"], 2)
        linear(dst + ".cross_attn.key", k)
        linear(dst + ".cross_attn.value", val, vb)
        linear(dst + ".cross_attn.out", v[cross + "/linear_2/weight"], v[cross + "/linear_2/bias"])
        norm(dst + ".cross_attn_ln", cross + "/layer_norm")
        mlp(dst + ".mlp", src + "/ffn")
        norm(dst + ".mlp_ln", src + "/ffn/layer_norm")
    norm("decoder.ln", "decoder/layer_norm")
    return out


def quantize_q8_0(data):
    """ggml's reference q8_0: blocks of 32 as an f16 scale and 32 int8 values."""
    rows = data.astype(np.float32).reshape(-1, QK8_0)
    amax = np.abs(rows).max(axis=1)
    d = amax / 127.0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    q = np.round(rows * inv[:, None]).astype(np.int8)
    blocks = np.empty(rows.shape[0], dtype=[("d", "<f2"), ("qs", "i1", (QK8_0,))])
    blocks["d"] = d.astype(np.float16)
    blocks["qs"] = q
    return blocks.tobytes()


F32_NAMES = {
    "encoder.conv1.bias",
    "encoder.conv2.bias",
    "encoder.positional_embedding",
    "decoder.positional_embedding",
}


def convert(ct2_dir, out_path, kind):
    v = read_ct2(ct2_dir / "model.bin")
    tokens = vocabulary(ct2_dir / "vocabulary.txt")
    filters = mel_filters()

    n_vocab, n_text_state = v["decoder/embeddings/weight"].shape
    n_audio_ctx, n_audio_state = v["encoder/position_encodings/encodings"].shape
    n_text_ctx = v["decoder/position_encodings/encodings"].shape[0]
    n_mels = v["encoder/conv1/weight"].shape[1]
    n_audio_layer = len({k.split("/")[1] for k in v if re.match(r"encoder/layer_\d+/", k)})
    n_text_layer = len({k.split("/")[1] for k in v if re.match(r"decoder/layer_\d+/", k)})
    n_audio_head = int(v["encoder/num_heads"])
    n_text_head = int(v["decoder/num_heads"])
    ftype = FTYPE_F16 if kind == "f16" else FTYPE_Q8_0 + 1000 * QNT_VERSION

    tmp = out_path.with_suffix(out_path.suffix + ".part")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<i", GGML_MAGIC))
        hparams = (n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
                   n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype)
        f.write(struct.pack("<" + "i" * len(hparams), *hparams))
        f.write(struct.pack("<ii", *filters.shape))
        f.write(filters.tobytes())
        f.write(struct.pack("<i", len(tokens)))
        for t in tokens:
            f.write(struct.pack("<i", len(t)))
            f.write(t)
        for name, array in openai_tensors(v):
            data = np.asarray(array)
            if name in ("encoder.conv1.bias", "encoder.conv2.bias"):
                data = data.reshape(data.shape[0], 1)
            if data.ndim < 2 or name in F32_NAMES:
                ttype, raw = T_F32, data.astype("<f4").tobytes()
            elif kind == "q8_0" and data.ndim == 2:
                ttype, raw = T_Q8_0, quantize_q8_0(data)
            else:
                ttype, raw = T_F16, data.astype("<f2").tobytes()
            encoded = name.encode("utf-8")
            f.write(struct.pack("<iii", data.ndim, len(encoded), ttype))
            f.write(struct.pack("<" + "i" * data.ndim, *reversed(data.shape)))
            f.write(encoded)
            f.write(raw)
    tmp.replace(out_path)
    print(f"wrote {out_path}: {n_audio_layer}+{n_text_layer} layers, width {n_audio_state}, "
          f"vocab {n_vocab} ({len(tokens)} text tokens), {kind}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("ct2_dir", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--type", choices=("f16", "q8_0"), default="f16")
    args = p.parse_args()
    try:
        convert(args.ct2_dir, args.out, args.type)
    except (ConvertError, KeyError, OSError) as e:
        print(f"whisper_ct2_to_ggml: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
