#!/usr/bin/python3
"""PyTorch interop fixtures for libgan's model files (tests/test_model_file.c).

Needs Debian's python3-torch (1.13) and python3-numpy: run it with /usr/bin/python3 (the
`python3` of a pyenv may lack torch). Debian has no python3-safetensors, so this script
reads and writes the format by hand: an 8-byte little-endian header length N, N bytes of
JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}
padded with spaces to a multiple of 8, then the data.

The model is the TensorFlow-tutorial DCGAN generator, as an nn.Sequential in libgan's
layer order, with the widths reduced so that its weights can be committed (about 40 KB):

    Linear(16, 7*7*8, bias=False), BatchNorm1d(392), LeakyReLU(0.3), Unflatten(1, (8, 7, 7)),
    ConvTranspose2d(8, 4, 5, 1, 2, bias=False), BatchNorm2d(4), LeakyReLU(0.3),
    ConvTranspose2d(4, 2, 5, 2, 2, output_padding=1, bias=False), BatchNorm2d(2), LeakyReLU(0.3),
    ConvTranspose2d(2, 1, 5, 2, 2, output_padding=1, bias=False), Tanh
    (the full-size one is Linear(100, 12544), ConvTranspose2d 256 -> 128 -> 64 -> 1: ~9 MB)

Two directions:

(a) PyTorch -> libgan. `make_io_golden.py` (no arguments) writes, from a fixed seed:
      tests/golden/io_generator.safetensors   its state_dict as PyTorch's safetensors
          would write it: F32 tensors, num_batches_tracked as I64 scalars, metadata
          {"format": "pt"}. The BatchNorm layers get random affine parameters, running
          statistics and counters, like a generator after some training.
      tests/golden/io_generator_samples.safetensors   "latent" [4, 16] and "images"
          [4, 1, 28, 28]: the eval-mode output for those latents, computed in float64 and
          rounded to float32 once.
    test_model_file builds the same generator with libgan's API, loads the first file
    with gan_model_load_weights, generates in evaluation mode and compares (1e-5).

(b) libgan -> PyTorch. test_model_file changes the weights (a fixed formula), saves the
    model with gan_model_save to BUILD/tests/libgan_written.safetensors and writes the
    images libgan then generates, with the latents, to
    BUILD/tests/libgan_written_images.safetensors. Check them with

        /usr/bin/python3 tests/golden/make_io_golden.py --check build/tests

    (any folder holding the two files; after `make BUILD=build/io ...` it is
    build/io/tests). The check verifies libgan's checksum (see libgan/io/safetensors.h)
    and its architecture metadata, loads the weights into the PyTorch generator with
    load_state_dict(strict=True), generates from the same latents in evaluation mode and
    compares with libgan's images (1e-5). Copies of both files are committed as
    tests/golden/libgan_written*.safetensors (written by libgan 0.3.0); `--check` with no
    folder checks those, and test_model_file loads them too, so files from an older
    libgan stay readable. To refresh the copies: run test_model_file, copy the two files
    from BUILD/tests into tests/golden/, and run `--check`.
"""

import json
import os
import re
import struct
import sys
import zlib

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
LATENT = 16
BATCH = 4
TOLERANCE = 1e-5

DTYPES = {torch.float32: ("F32", np.float32), torch.int64: ("I64", np.int64),
          torch.float64: ("F64", np.float64)}
NUMPY_OF = {"F32": np.float32, "I64": np.int64, "F64": np.float64}


def generator():
    return nn.Sequential(
        nn.Linear(LATENT, 7 * 7 * 8, bias=False), nn.BatchNorm1d(7 * 7 * 8), nn.LeakyReLU(0.3),
        nn.Unflatten(1, (8, 7, 7)),
        nn.ConvTranspose2d(8, 4, 5, 1, 2, bias=False), nn.BatchNorm2d(4), nn.LeakyReLU(0.3),
        nn.ConvTranspose2d(4, 2, 5, 2, 2, output_padding=1, bias=False), nn.BatchNorm2d(2),
        nn.LeakyReLU(0.3),
        nn.ConvTranspose2d(2, 1, 5, 2, 2, output_padding=1, bias=False), nn.Tanh())


# ---- safetensors by hand -------------------------------------------------------------------

def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> torch tensor (F32, I64 or F64), written in the order given."""
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        dtype, np_type = DTYPES[t.dtype]
        data = t.detach().contiguous().numpy().astype(np_type).astype("<" + np.dtype(np_type).str[1:]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # as PyTorch's writer: 8 + N is a multiple of 8
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


def read_safetensors(path):
    """-> (tensors: name -> torch tensor, metadata, raw header bytes, data bytes)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    raw = blob[8:8 + n]
    data = blob[8 + n:]
    header = json.loads(raw.decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data[begin:end], dtype=np.dtype(NUMPY_OF[entry["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(values.astype(NUMPY_OF[entry["dtype"]]).reshape(entry["shape"]))
    return tensors, metadata, raw, data


def libgan_checksum_ok(raw, data):
    """libgan.checksum: CRC-32 of the header with its 8 digits as '0', then the data."""
    m = re.search(rb'"libgan\.checksum"\s*:\s*"crc32:([0-9a-f]{8})"', raw)
    if not m:
        return False
    patched = raw[:m.start(1)] + b"0" * 8 + raw[m.end(1):]
    return zlib.crc32(patched + data) == int(m.group(1), 16)


# ---- (a) PyTorch -> libgan -------------------------------------------------------------------

def make():
    torch.manual_seed(20240611)
    torch.use_deterministic_algorithms(True)
    model = generator()
    with torch.no_grad():
        for m in model:
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                # What some training leaves: affine parameters and statistics off their defaults.
                m.weight.copy_(1.0 + 0.2 * torch.randn_like(m.weight))
                m.bias.copy_(0.1 * torch.randn_like(m.bias))
                m.running_mean.copy_(0.3 * torch.randn_like(m.running_mean))
                m.running_var.copy_(0.5 + torch.rand_like(m.running_var))
                m.num_batches_tracked.fill_(137)
    latent = torch.randn(BATCH, LATENT)
    reference = generator().double()
    reference.load_state_dict({k: (v.double() if v.is_floating_point() else v)
                               for k, v in model.state_dict().items()})
    reference.eval()
    with torch.no_grad():
        images = reference(latent.double()).float()
        images32 = model.eval()(latent)
    print("float32 PyTorch vs float64: max |difference| %.2e" % float((images32 - images).abs().max()))
    write_safetensors(os.path.join(HERE, "io_generator.safetensors"), model.state_dict(), {"format": "pt"})
    write_safetensors(os.path.join(HERE, "io_generator_samples.safetensors"),
                      {"latent": latent, "images": images})


# ---- (b) libgan -> PyTorch -------------------------------------------------------------------

def check(folder):
    weights = os.path.join(folder, "libgan_written.safetensors")
    samples = os.path.join(folder, "libgan_written_images.safetensors")
    state, metadata, raw, data = read_safetensors(weights)
    assert libgan_checksum_ok(raw, data), "%s: the libgan checksum does not match" % weights
    architecture = json.loads(metadata["libgan.architecture"])
    assert architecture["format"] == "libgan-model" and architecture["version"] == 1
    kinds = [layer["kind"] for layer in architecture["layers"]]
    torch_kinds = [type(m).__name__ for m in generator()]
    torch_kinds = ["Reshape" if k == "Unflatten" else k for k in torch_kinds]
    assert kinds == torch_kinds, (kinds, torch_kinds)
    model = generator()
    model.load_state_dict(state, strict=True)  # every key, no extra: num_batches_tracked too
    model = model.double().eval()
    sample, _, _, _ = read_safetensors(samples)
    with torch.no_grad():
        images = model(sample["latent"].double())
    difference = float((images - sample["images"].double()).abs().max())
    print("%s: PyTorch's images differ from libgan's by %.2e at most" % (folder, difference))
    assert difference <= TOLERANCE, "difference %.3g above %.0e" % (difference, TOLERANCE)
    print("ok: strict load_state_dict, same images")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--check":
        check(sys.argv[2] if len(sys.argv) > 2 else HERE)
    elif len(sys.argv) == 1:
        make()
    else:
        sys.exit("usage: make_io_golden.py [--check [FOLDER]]")
