#!/usr/bin/python3
"""Writes tests/golden/optim.txt: PyTorch's optimizers, step by step, for test_optim_golden.c.

How to run (from the repository root, with Debian's python3-torch 1.13):

    /usr/bin/python3 tests/golden/make_optim_golden.py

CI never runs PyTorch: it reads the committed file.

Each case runs torch.optim.SGD, Adam, AdamW or RMSprop (foreach=False, the single-tensor
path libgan follows) in float32 on two parameter tensors, a [3, 3] weight and a [3] bias,
i.e. the parameters of libgan's Dense(3, 3) in the same order (weight, then bias). Every
step sets the gradients from a formula, optionally clips them with
torch.nn.utils.clip_grad_norm_, and steps; the learning rate is halved before step 4
(through param_groups, as a scheduler would). The options are float32 values (libgan's
options are floats): each one is rounded to float32 before PyTorch sees it, so both sides
use the same numbers and only the order of float operations can differ.

Values (i is the index in the flattened parameter vector, 0..11, k the step, 1..6):
  p0[i]        = 0.8 sin(0.37 i + 0.2)
  grad_k[i]    = a_k s_i sin(0.91 i + 1.7 k + 0.3),  a = (1.5, 0.2, 1.0, 0.3, 2.0, 0.1),
                 s_i = 1e-3 when i % 4 == 0 (gradients near Adam's and RMSprop's eps), else 1
all rounded to float32.

File format (text, whitespace-separated tokens; '#' starts a comment line):
  optim-golden 1                 first line; the format version
  case NAME KIND N STEPS         KIND: SGD, Adam, AdamW, RMSprop; N parameters
  option NAME VALUE              libgan's option names in PyTorch spelling: lr, momentum,
                                 dampening, nesterov, weight_decay, beta1, beta2, eps, alpha,
                                 centered, max_grad_norm (floats "%.9g", flags 0/1)
  init V1..VN                    the parameters before the first step
  step K LR                      step K (1-based) runs with learning rate LR
  grad V1..VN                    the gradient given (before clipping)
  norm X                         the gradients' global L2 norm, in float64 ("%.17g")
  clipped V1..VN                 (clipping cases) the gradient after clip_grad_norm_
  param V1..VN                   the parameters after the step
  state NAME V1..VN              after the last step: each state array libgan lists
                                 (exp_avg, exp_avg_sq, momentum_buffer, square_avg, grad_avg)
  end                            closes a case
  eof                            last line, so a truncated file is detected
Float32 values are written "%.9g" (an exact round trip).
"""

import math
import os
import sys

import torch

N_WEIGHT = 9
N = 12
STEPS = 6
AMPLITUDE = (1.5, 0.2, 1.0, 0.3, 2.0, 0.1)
LR_HALVED_AT = 4


def f32(x):
    """x rounded to float32, as a Python float."""
    return float(torch.tensor(x, dtype=torch.float32).item())


def initial():
    return [f32(0.8 * math.sin(0.37 * i + 0.2)) for i in range(N)]


def gradient(k):
    return [f32(AMPLITUDE[k - 1] * (1e-3 if i % 4 == 0 else 1.0) * math.sin(0.91 * i + 1.7 * k + 0.3))
            for i in range(N)]


# name, PyTorch class, options (libgan names; the float ones become float32)
CASES = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_weight_decay", "SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}),
    ("sgd_momentum_dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": 1, "weight_decay": 0.02}),
    ("sgd_clip", "SGD", {"lr": 0.1, "momentum": 0.5, "max_grad_norm": 1.0}),
    ("adam", "Adam", {"lr": 0.01}),
    ("adam_weight_decay", "Adam", {"lr": 0.02, "beta1": 0.8, "beta2": 0.95, "weight_decay": 0.1}),
    ("adam_clip", "Adam", {"lr": 0.01, "eps": 1e-6, "max_grad_norm": 0.8}),
    ("adamw", "AdamW", {"lr": 0.01}),
    ("adamw_weight_decay", "AdamW", {"lr": 0.05, "weight_decay": 0.2, "eps": 1e-6, "beta1": 0.5}),
    ("rmsprop", "RMSprop", {"lr": 0.01}),
    ("rmsprop_momentum_weight_decay", "RMSprop", {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.1}),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": 1, "alpha": 0.9}),
    ("rmsprop_centered_momentum_clip", "RMSprop",
     {"lr": 0.005, "centered": 1, "momentum": 0.9, "alpha": 0.95, "eps": 1e-4, "max_grad_norm": 1.5}),
]

INT_OPTIONS = ("nesterov", "centered")


def make_optimizer(kind, params, options):
    o = {k: (v if k in INT_OPTIONS else f32(v)) for k, v in options.items()}
    common = {"lr": o["lr"], "foreach": False}
    if "weight_decay" in o:
        common["weight_decay"] = o["weight_decay"]
    if kind == "SGD":
        return torch.optim.SGD(params, momentum=o.get("momentum", 0.0), dampening=o.get("dampening", 0.0),
                               nesterov=bool(o.get("nesterov", 0)), **common)
    if kind in ("Adam", "AdamW"):
        cls = torch.optim.Adam if kind == "Adam" else torch.optim.AdamW
        betas = (o.get("beta1", f32(0.9)), o.get("beta2", f32(0.999)))
        return cls(params, betas=betas, eps=o.get("eps", f32(1e-8)), **common)
    if kind == "RMSprop":
        return torch.optim.RMSprop(params, alpha=o.get("alpha", f32(0.99)), eps=o.get("eps", f32(1e-8)),
                                   momentum=o.get("momentum", 0.0), centered=bool(o.get("centered", 0)),
                                   **common)
    raise ValueError(kind)


def state_names(kind, options):
    if kind == "SGD":
        return ["momentum_buffer"] if options.get("momentum", 0) != 0 else []
    if kind in ("Adam", "AdamW"):
        return ["exp_avg", "exp_avg_sq"]
    names = ["square_avg"]
    if options.get("centered", 0):
        names.append("grad_avg")
    if options.get("momentum", 0) > 0:
        names.append("momentum_buffer")
    return names


def values(xs):
    return " ".join("%.9g" % x for x in xs)


def flat(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors]).tolist()


def run_case(out, name, kind, options):
    p0 = torch.tensor(initial(), dtype=torch.float32)
    weight = p0[:N_WEIGHT].clone().reshape(3, 3).requires_grad_(True)
    bias = p0[N_WEIGHT:].clone().requires_grad_(True)
    params = [weight, bias]
    optimizer = make_optimizer(kind, params, options)
    out.write("case %s %s %d %d\n" % (name, kind, N, STEPS))
    for key, value in options.items():
        out.write("option %s %s\n" % (key, value if key in INT_OPTIONS else "%.9g" % f32(value)))
    out.write("init %s\n" % values(initial()))
    lr = f32(options["lr"])
    max_norm = f32(options.get("max_grad_norm", 0.0))
    for k in range(1, STEPS + 1):
        if k == LR_HALVED_AT:
            lr = f32(lr * 0.5)
            for group in optimizer.param_groups:
                group["lr"] = lr
        g = torch.tensor(gradient(k), dtype=torch.float32)
        weight.grad = g[:N_WEIGHT].clone().reshape(3, 3)
        bias.grad = g[N_WEIGHT:].clone()
        norm = torch.tensor(gradient(k), dtype=torch.float64).norm().item()
        out.write("step %d %.9g\n" % (k, lr))
        out.write("grad %s\n" % values(g.tolist()))
        out.write("norm %.17g\n" % norm)
        if max_norm > 0:
            torch.nn.utils.clip_grad_norm_(params, max_norm)
            out.write("clipped %s\n" % values(flat([weight.grad, bias.grad])))
        optimizer.step()
        out.write("param %s\n" % values(flat(params)))
    for state in state_names(kind, options):
        out.write("state %s %s\n" % (state, values(flat([optimizer.state[p][state] for p in params]))))
    out.write("end\n")


def main():
    torch.set_num_threads(1)
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "optim.txt")
    with open(path + ".tmp", "w") as out:
        out.write("optim-golden 1\n")
        out.write("# written by tests/golden/make_optim_golden.py with torch %s\n" % torch.__version__)
        for name, kind, options in CASES:
            run_case(out, name, kind, options)
        out.write("eof\n")
    os.replace(path + ".tmp", path)
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)), file=sys.stderr)


if __name__ == "__main__":
    main()
