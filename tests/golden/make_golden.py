#!/usr/bin/python3
"""Writes the PyTorch reference fixtures that tests/test_golden.c compares libgan against.

How to run (from the repository root, with Debian's python3-torch 1.13 and python3-numpy):

    /usr/bin/python3 tests/golden/make_golden.py

It rewrites two text files, which are committed; CI never runs PyTorch:

  tests/golden/layers.txt  one case per layer configuration: a one-layer nn.Sequential (so
                           the state_dict keys are "0.weight", "0.running_mean", ...) with
                           its parameters and buffers (PyTorch's own initialisation under a
                           fixed seed; BatchNorm and LayerNorm get random affine parameters
                           and BatchNorm non-trivial running statistics, so that they test
                           something), an input x, an upstream gradient r, and then the
                           output y, the input gradient dL/dx (not for Embedding), the
                           parameter gradients of L = sum(r * y), and the buffers after the
                           pass (BatchNorm's running statistics after a training step).
  tests/golden/dcgan.txt   the DCGAN of the TensorFlow tutorial (generator and
                           discriminator). Its weights are too big to commit, so every
                           weight, buffer, input and upstream gradient is generated from an
                           integer hash of its element index (formula below, repeated in
                           tests/test_golden.c), exact in float32 on both sides. The file
                           holds each layer's output shape and parameter count, the full
                           outputs and input gradients, and the parameter gradients and
                           updated buffers: small ones in full, big ones as summaries (sum,
                           sum of |v|, sum of squares, dot product with a hash pattern,
                           max |v|, and 64 sampled values: the first 16 and 48 spread out).
                           Its BatchNorm layers keep PyTorch's defaults (momentum 0.1, eps
                           1e-5) rather than Keras's (0.01 in PyTorch terms, 1e-3).

Everything is deterministic: fixed seeds, one thread, deterministic algorithms. Inputs and
parameters are float32 values; the forward and backward passes are computed in float64
(the modules are converted with .double(), which is exact) and the results rounded to
float32 once, so the fixtures are the exact answers, correctly rounded, and libgan's own
float32 rounding is all the test has to tolerate. The script also runs each case in
float32 PyTorch and prints how far that lands from the float64 answer (relative to the
test's error measure), which is the yardstick for the tolerances in test_golden.c.

File format (text, whitespace-separated tokens; '#' starts a comment line):
  golden 1                         first line; the format version
  case NAME MODE KIND              MODE is train or eval; KIND is PyTorch's class name
                                   (for the DCGAN files, NAME is G or D and KIND is Sequential)
  batch N                          (dcgan) batch size
  tensor ROLE NAME RANK D1..Dr     then D1*..*Dr float32 values, "%.9g" (exact round trip)
  summary ROLE NAME RANK D1..Dr    then sum, sum|v|, sum v^2, dot(v, pattern), max|v|
                                   ("%.17g"), a count M and M pairs "index value"; the
                                   pattern is unit(999, i)
  fill ROLE NAME SEED LOG2 OFFSET RANK D1..Dr
                                   (dcgan) value[i] = OFFSET + unit(SEED, i) * 2^LOG2
  layer INDEX KIND PARAMS RANK D1..Dr
                                   (dcgan) output shape per sample and parameter count
  parameters N                     (dcgan) total trainable parameters (PyTorch's count)
  end                              closes a case
  eof                              last line, so a truncated file is detected
ROLE is one of param, buffer, input, grad_output, output, grad_input, param_grad,
buffer_after; NAME is the state_dict key, or "-" for unnamed tensors.

The hash (all arithmetic modulo 2^32):
  mix(x)        = x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16
  hash(seed, i) = mix(i * 0x9e3779b9 + mix(seed))
  unit(seed, i) = (2 * (hash(seed, i) >> 16) - 65535) / 65536      (odd multiples of 2^-16
                                                                  in (-1, 1): exact in float32)
"""

import copy
import math
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
MASK = 0xFFFFFFFF
PATTERN_SEED = 999  # the dot-product pattern of the summaries
SAMPLES = 64        # values kept in a summary: the first 16 and 48 evenly spaced
FULL_LIMIT = 4096   # gradients with at most this many elements are stored in full


# ---- the hash --------------------------------------------------------------------------

def mix(x):
    """lowbias32 on uint64 arrays (or Python ints) holding 32-bit values."""
    x = x ^ (x >> 16)
    x = (x * 0x7FEB352D) & MASK
    x = x ^ (x >> 15)
    x = (x * 0x846CA68B) & MASK
    x = x ^ (x >> 16)
    return x


def unit(seed, count):
    i = np.arange(count, dtype=np.uint64)
    h = mix((i * 0x9E3779B9 + mix(seed & MASK)) & MASK)
    return (2.0 * (h >> 16).astype(np.float64) - 65535.0) / 65536.0


def hashed(seed, log2, offset, shape):
    values = offset + unit(seed, int(np.prod(shape))) * 2.0 ** log2
    as_float = values.astype(np.float32)
    assert np.array_equal(as_float.astype(np.float64), values), "a hashed value is not exact in float32"
    return torch.from_numpy(as_float.reshape(shape))


# ---- writing ---------------------------------------------------------------------------

class Writer:
    def __init__(self):
        self.lines = []

    def line(self, text):
        self.lines.append(text)

    def tensor(self, role, name, t):
        t = t.detach().to(torch.float32).contiguous()
        dims = list(t.shape)
        self.line("tensor %s %s %d %s" % (role, name, len(dims), " ".join(str(d) for d in dims)))
        values = t.reshape(-1).tolist()
        for start in range(0, len(values), 8):
            self.line(" ".join("%.9g" % v for v in values[start:start + 8]))

    def summary(self, role, name, t64):
        """t64: the float64 result; the sampled values are rounded to float32."""
        v = t64.detach().to(torch.float64).reshape(-1).numpy()
        n = v.size
        pattern = unit(PATTERN_SEED, n)
        dims = list(t64.shape)
        self.line("summary %s %s %d %s" % (role, name, len(dims), " ".join(str(d) for d in dims)))
        self.line("%.17g %.17g %.17g %.17g %.17g" % (v.sum(), np.abs(v).sum(), (v * v).sum(),
                                                     (v * pattern).sum(), np.abs(v).max()))
        spread = SAMPLES - 16
        index = sorted(set(list(range(min(16, n))) + [j * n // spread for j in range(spread)]))
        self.line("%d" % len(index))
        for i in index:
            self.line("%d %.9g" % (i, float(np.float32(v[i]))))

    def gradient(self, role, name, t64):
        if t64.numel() <= FULL_LIMIT:
            self.tensor(role, name, t64)
        else:
            self.summary(role, name, t64)

    def save(self, filename, header):
        path = os.path.join(HERE, filename)
        with open(path, "w") as f:
            for h in header:
                f.write("# " + h + "\n")
            f.write("golden 1\n")
            for text in self.lines:
                f.write(text + "\n")
            f.write("eof\n")
        print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


# ---- error yardstick --------------------------------------------------------------------

RTOL = 1e-5   # these two mirror test_golden.c's default tolerance
FLOOR = 1e-1  # the absolute floor, as a fraction of the tensor's largest magnitude


def needed_rtol(got, want):
    """The smallest rtol with |got - want| <= rtol * (|want| + FLOOR * max|want|)."""
    got = got.detach().to(torch.float64).reshape(-1)
    want = want.detach().to(torch.float64).reshape(-1)
    if want.numel() == 0:
        return 0.0
    floor = FLOOR * float(want.abs().max())
    denominator = want.abs() + floor
    error = (got - want).abs()
    ratio = torch.where(denominator > 0, error / denominator.clamp_min(1e-300), error * math.inf)
    ratio = torch.nan_to_num(ratio, nan=0.0)
    return float(ratio.max())


# ---- one pass -----------------------------------------------------------------------------

def run(model, x, r, training, input_grad=True):
    """Forward and backward of a copy of model on x; returns y, dx, grads, buffers after."""
    model.train(training)
    model.zero_grad(set_to_none=True)
    x = x.clone().requires_grad_(input_grad)
    y = model(x)
    (y * r).sum().backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    buffers = {name: b.clone() for name, b in model.named_buffers() if b.is_floating_point()}
    return y.detach(), (x.grad.clone() if input_grad else None), grads, buffers


def summary_error(got, want):
    """The worst of the summary checks' relative errors (as test_golden.c measures them)."""
    g = got.detach().to(torch.float64).reshape(-1).numpy()
    v = want.detach().to(torch.float64).reshape(-1).numpy()
    pattern = unit(PATTERN_SEED, v.size)
    scale = max(np.abs(v).sum(), 1e-300)
    return max(abs(g.sum() - v.sum()) / scale, abs(np.abs(g).sum() - np.abs(v).sum()) / scale,
               abs((g * g).sum() - (v * v).sum()) / max((v * v).sum(), 1e-300),
               abs((g * pattern).sum() - (v * pattern).sum()) / scale)


def reference_pass(model32, x32, r32, training, input_grad=True, verbose=False):
    """The float64 answer, and the float32 PyTorch run's worst rtol against it."""
    model64 = copy.deepcopy(model32).double()
    x64 = x32.double() if x32.is_floating_point() else x32
    y64, dx64, g64, b64 = run(model64, x64, r32.double(), training, input_grad)
    y32, dx32, g32, b32 = run(copy.deepcopy(model32), x32, r32, training, input_grad)
    pairs = [("output", y32, y64)]
    if input_grad:
        pairs.append(("grad_input", dx32, dx64))
    pairs += [("grad " + name, g32[name], g64[name]) for name in g64]
    pairs += [("after " + name, b32[name], b64[name]) for name in b64]
    worst = 0.0
    for what, got, want in pairs:
        need = needed_rtol(got, want)
        worst = max(worst, need)
        if verbose:
            print("    %-22s %9d values: elementwise rtol %.2e, summary error %.2e"
                  % (what, want.numel(), need, summary_error(got, want)))
    return y64, dx64, g64, b64, worst


# ---- the layer cases ------------------------------------------------------------------------

def randomise_norm(module, stats):
    """BatchNorm/LayerNorm: random affine parameters, and (BatchNorm) running statistics."""
    with torch.no_grad():
        if getattr(module, "weight", None) is not None:
            module.weight.copy_(1.0 + 0.5 * torch.randn_like(module.weight))
            module.bias.copy_(0.5 * torch.randn_like(module.bias))
        if stats:
            module.running_mean.copy_(0.5 * torch.randn_like(module.running_mean))
            module.running_var.copy_(0.5 + 1.5 * torch.rand_like(module.running_var))


# (name, module factory, input shape with batch, mode, setup of the module, transform of the
# input) -- the same cases as test_golden.c's table, which fails on a case it does not know.
def layer_cases():
    bn_stats = lambda m: randomise_norm(m, True)
    ln_affine = lambda m: randomise_norm(m, False)
    scaled = lambda s: (lambda x: x * s)
    return [
        ("linear_bias", lambda: nn.Linear(7, 5), (4, 7), "train", None, None),
        ("linear_nobias", lambda: nn.Linear(6, 3, bias=False), (3, 6), "train", None, None),
        ("conv2d_k3s1p1", lambda: nn.Conv2d(3, 4, 3, 1, 1), (2, 3, 6, 6), "train", None, None),
        ("conv2d_k5s2p2", lambda: nn.Conv2d(2, 3, 5, 2, 2), (2, 2, 10, 10), "train", None, None),
        ("conv2d_k3s2p1_nonsquare", lambda: nn.Conv2d(3, 2, 3, 2, 1), (2, 3, 5, 8), "train", None, None),
        ("conv2d_k3s1p0_nobias_nonsquare", lambda: nn.Conv2d(2, 3, 3, 1, 0, bias=False), (2, 2, 6, 4),
         "train", None, None),
        ("convt_k5s1p2", lambda: nn.ConvTranspose2d(3, 2, 5, 1, 2), (2, 3, 5, 5), "train", None, None),
        ("convt_k5s2p2op1", lambda: nn.ConvTranspose2d(3, 2, 5, 2, 2, output_padding=1), (2, 3, 4, 4),
         "train", None, None),
        ("convt_k5s2p2op1_nobias_nonsquare",
         lambda: nn.ConvTranspose2d(2, 3, 5, 2, 2, output_padding=1, bias=False), (2, 2, 3, 4),
         "train", None, None),
        ("convt_k4s2p1", lambda: nn.ConvTranspose2d(2, 2, 4, 2, 1), (2, 2, 3, 3), "train", None, None),
        ("batchnorm1d_train", lambda: nn.BatchNorm1d(5), (4, 5), "train", bn_stats, None),
        ("batchnorm1d_train_cl_options", lambda: nn.BatchNorm1d(4, eps=1e-3, momentum=0.2), (3, 4, 5),
         "train", bn_stats, None),
        ("batchnorm1d_eval", lambda: nn.BatchNorm1d(5), (4, 5), "eval", bn_stats, None),
        ("batchnorm2d_train", lambda: nn.BatchNorm2d(3), (2, 3, 4, 5), "train", bn_stats, None),
        ("batchnorm2d_train_options", lambda: nn.BatchNorm2d(3, eps=1e-3, momentum=0.01), (3, 3, 2, 3),
         "train", bn_stats, None),
        ("batchnorm2d_eval", lambda: nn.BatchNorm2d(3), (2, 3, 4, 5), "eval", bn_stats, None),
        ("layernorm_last", lambda: nn.LayerNorm(8), (3, 2, 8), "train", ln_affine, None),
        ("layernorm_2d", lambda: nn.LayerNorm([3, 4]), (2, 2, 3, 4), "train", ln_affine, None),
        ("relu", lambda: nn.ReLU(), (3, 10), "train", None, None),
        ("leaky_relu", lambda: nn.LeakyReLU(0.3), (3, 2, 5), "train", None, None),
        ("tanh", lambda: nn.Tanh(), (3, 10), "train", None, scaled(2.0)),
        ("sigmoid", lambda: nn.Sigmoid(), (3, 10), "train", None, scaled(3.0)),
        ("flatten", lambda: nn.Flatten(), (2, 3, 4, 5), "train", None, None),
        ("upsample2", lambda: nn.Upsample(scale_factor=2, mode="nearest"), (2, 3, 3, 4), "train", None, None),
        ("upsample3", lambda: nn.Upsample(scale_factor=3, mode="nearest"), (1, 2, 2, 3), "train", None, None),
        ("maxpool_k2s2", lambda: nn.MaxPool2d(2, 2), (2, 3, 6, 6), "train", None, None),
        ("maxpool_k2s2_odd", lambda: nn.MaxPool2d(2, 2), (2, 2, 7, 5), "train", None, None),
        ("maxpool_k3s2p1", lambda: nn.MaxPool2d(3, 2, 1), (2, 3, 7, 6), "train", None, None),
        ("avgpool_k2s2", lambda: nn.AvgPool2d(2, 2), (2, 3, 6, 6), "train", None, None),
        ("avgpool_k3s2p1", lambda: nn.AvgPool2d(3, 2, 1), (2, 3, 7, 6), "train", None, None),
        ("embedding", lambda: nn.Embedding(10, 4), (6,), "train", None, None),
        ("dropout_eval", lambda: nn.Dropout(0.3), (3, 8), "eval", None, None),
    ]


def write_layers():
    w = Writer()
    worst_all = 0.0
    for index, (name, factory, shape, mode, setup, transform) in enumerate(layer_cases()):
        torch.manual_seed(1000 + index)
        layer = factory()
        model = nn.Sequential(layer)
        if setup:
            setup(layer)
        is_embedding = isinstance(layer, nn.Embedding)
        if is_embedding:
            x = torch.tensor([3, 7, 3, 0, 9, 3], dtype=torch.int64)  # repeats accumulate
        else:
            x = torch.randn(shape)
            if transform:
                x = transform(x)
        with torch.no_grad():
            out_shape = model.eval()(x).shape
        r = torch.randn(out_shape)
        training = mode == "train"
        y64, dx64, g64, b64, worst = reference_pass(model, x, r, training, not is_embedding)
        worst_all = max(worst_all, worst)
        print("%-34s float32 PyTorch needs rtol %.2e" % (name, worst))

        w.line("case %s %s %s" % (name, mode, type(layer).__name__))
        w.line("# %s" % repr(layer))
        for pname, p in model.named_parameters():
            w.tensor("param", pname, p)
        for bname, b in model.named_buffers():
            if b.is_floating_point():
                w.tensor("buffer", bname, b)
        if is_embedding:
            w.tensor("input", "-", x.to(torch.float32).reshape(-1, 1))  # libgan: [batch, 1]
        else:
            w.tensor("input", "-", x)
        w.tensor("grad_output", "-", r)
        w.tensor("output", "-", y64)
        if dx64 is not None:
            w.tensor("grad_input", "-", dx64)
        for pname, g in g64.items():
            w.tensor("param_grad", pname, g)
        for bname, b in b64.items():
            w.tensor("buffer_after", bname, b)
        w.line("end")
    print("layers: float32 PyTorch needs rtol %.2e at most (FLOOR %.0e)" % (worst_all, FLOOR))
    w.save("layers.txt", [
        "libgan golden fixtures for single layers: written by tests/golden/make_golden.py",
        "with PyTorch %s; do not edit (the format is described in the script)." % torch.__version__,
    ])


# ---- the DCGAN --------------------------------------------------------------------------------

BATCH = 4


def generator():
    return nn.Sequential(
        nn.Linear(100, 7 * 7 * 256, bias=False), nn.BatchNorm1d(7 * 7 * 256), nn.LeakyReLU(0.3),
        nn.Unflatten(1, (256, 7, 7)),
        nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.3),
        nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False), nn.BatchNorm2d(64),
        nn.LeakyReLU(0.3),
        nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1, bias=False), nn.Tanh())


def discriminator():
    return nn.Sequential(
        nn.Conv2d(1, 64, 5, 2, 2), nn.LeakyReLU(0.3), nn.Dropout(0.3),
        nn.Conv2d(64, 128, 5, 2, 2), nn.LeakyReLU(0.3), nn.Dropout(0.3),
        nn.Flatten(), nn.Linear(7 * 7 * 128, 1))


# name -> (seed, log2 scale, offset). Scales are about 1/sqrt(fan_in), rounded to a power of 2.
G_FILLS = {
    "0.weight": (101, -3, 0.0),
    "1.weight": (102, -2, 1.0), "1.bias": (103, -3, 0.0),
    "1.running_mean": (104, -3, 0.0), "1.running_var": (105, -2, 1.0),
    "4.weight": (106, -6, 0.0),
    "5.weight": (107, -2, 1.0), "5.bias": (108, -3, 0.0),
    "5.running_mean": (109, -3, 0.0), "5.running_var": (110, -2, 1.0),
    "7.weight": (111, -5, 0.0),
    "8.weight": (112, -2, 1.0), "8.bias": (113, -3, 0.0),
    "8.running_mean": (114, -3, 0.0), "8.running_var": (115, -2, 1.0),
    "10.weight": (116, -4, 0.0),
}
D_FILLS = {
    "0.weight": (201, -2, 0.0), "0.bias": (202, -4, 0.0),
    "3.weight": (203, -5, 0.0), "3.bias": (204, -4, 0.0),
    "7.weight": (205, -6, 0.0), "7.bias": (206, -4, 0.0),
}
INPUT_FILLS = {"G": (1, 0, 0.0), "D": (2, 0, 0.0)}
GRAD_FILLS = {"G": (3, 0, 0.0), "D": (4, 0, 0.0)}


def write_dcgan_model(w, tag, model, fills, in_shape, training):
    named = dict(model.named_parameters())
    named.update({k: v for k, v in model.named_buffers() if v.is_floating_point()})
    assert set(named) == set(fills), (set(named) ^ set(fills))
    with torch.no_grad():
        for name, t in named.items():
            seed, log2, offset = fills[name]
            t.copy_(hashed(seed, log2, offset, tuple(t.shape)))

    shapes = []
    hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:]))) for m in model]
    seed_x, log2_x, offset_x = INPUT_FILLS[tag]
    x = hashed(seed_x, log2_x, offset_x, (BATCH,) + in_shape)
    with torch.no_grad():
        out_shape = model.eval()(x).shape  # evaluation mode: the running statistics stay
    for h in hooks:
        h.remove()
    seed_r, log2_r, offset_r = GRAD_FILLS[tag]
    r = hashed(seed_r, log2_r, offset_r, tuple(out_shape))
    y64, dx64, g64, b64, worst = reference_pass(model, x, r, training, verbose=True)
    print("dcgan %s: float32 PyTorch needs rtol %.2e (FLOOR %.0e)" % (tag, worst, FLOOR))

    w.line("case %s %s Sequential" % (tag, "train" if training else "eval"))
    w.line("batch %d" % BATCH)
    for index, m in enumerate(model):
        count = sum(p.numel() for p in m.parameters())
        dims = shapes[index]
        w.line("layer %d %s %d %d %s" % (index, type(m).__name__, count, len(dims),
                                          " ".join(str(d) for d in dims)))
    w.line("parameters %d" % sum(p.numel() for p in model.parameters()))
    for name, p in model.named_parameters():
        seed, log2, offset = fills[name]
        w.line("fill param %s %d %d %.17g %d %s" % (name, seed, log2, offset, p.dim(),
                                                  " ".join(str(d) for d in p.shape)))
    for name, b in model.named_buffers():
        if b.is_floating_point():
            seed, log2, offset = fills[name]
            w.line("fill buffer %s %d %d %.17g %d %s" % (name, seed, log2, offset, b.dim(),
                                                       " ".join(str(d) for d in b.shape)))
    w.line("fill input - %d %d %.17g %d %s" % (seed_x, log2_x, offset_x, x.dim(),
                                             " ".join(str(d) for d in x.shape)))
    w.line("fill grad_output - %d %d %.17g %d %s" % (seed_r, log2_r, offset_r, r.dim(),
                                                   " ".join(str(d) for d in r.shape)))
    w.tensor("output", "-", y64)
    w.tensor("grad_input", "-", dx64)
    for name, g in g64.items():
        w.gradient("param_grad", name, g)
    for name, b in b64.items():
        w.gradient("buffer_after", name, b)
    w.line("end")


def write_dcgan():
    w = Writer()
    torch.manual_seed(0)  # nothing random is drawn; the weights come from the hash
    write_dcgan_model(w, "G", generator(), G_FILLS, (100,), True)
    write_dcgan_model(w, "D", discriminator(), D_FILLS, (1, 28, 28), False)
    w.save("dcgan.txt", [
        "libgan golden fixtures for the TensorFlow tutorial's DCGAN: written by",
        "tests/golden/make_golden.py with PyTorch %s; do not edit." % torch.__version__,
    ])


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    write_layers()
    write_dcgan()
    return 0


if __name__ == "__main__":
    sys.exit(main())
