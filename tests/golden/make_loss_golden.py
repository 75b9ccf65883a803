#!/usr/bin/python3
"""Writes tests/golden/loss.txt, PyTorch's answers that tests/test_loss_golden.c compares
libgan's losses against.

How to run (from the repository root, with Debian's python3-torch 1.13):

    /usr/bin/python3 tests/golden/make_loss_golden.py

The file is committed; CI never runs PyTorch. Each case is one loss written the way a
PyTorch training script writes it:

  adversarial  D and G losses of an objective on a real and a fake batch of logits [N, 1]:
     minimax          D = bce(real, 1 - s) + bce(fake, 0)          G = -bce(fake, 0)
     non-saturating   D as minimax                                 G = bce(fake, 1)
     wasserstein      D = fake.mean() - real.mean()                G = -fake.mean()
     least squares    D = ½ mse(real, b) + ½ mse(fake, a)          G = ½ mse(fake, c)
     hinge            D = relu(1 - real).mean() + relu(1 + fake).mean()   G = -fake.mean()
   with bce = F.binary_cross_entropy_with_logits and mse = F.mse_loss (reduction "mean"),
   the targets being float32 label tensors (torch.full(..., 1 - s) in float32).
  bce  F.binary_cross_entropy_with_logits(logits, targets) on a [2, 3, 4] tensor.
  ce   F.cross_entropy(logits, labels) on logits [N, C] and int64 labels.

Inputs are float32 values; the losses and their gradients (autograd) are computed in
float64 and rounded to float32 once, so the fixture holds the correctly rounded answers.

File format (text, whitespace-separated tokens; '#' starts a comment line):
  loss-golden 1                          first line; the format version
  case NAME KIND OBJECTIVE S A B C       KIND adversarial, bce or ce; OBJECTIVE the
                                         gan_objective value (-1 for bce and ce); S the
                                         label smoothing, A B C the LSGAN targets
  tensor ROLE RANK D1..Dr                then D1*..*Dr float32 values ("%.9g")
  scalar ROLE VALUE                      a float32 value
  end                                    closes a case
  eof                                    last line, so a truncated file is detected
ROLE: real, fake, d_value, d_grad_real, d_grad_fake, g_value, g_grad (adversarial);
logits, targets, labels (class indices as floats), value, grad (bce and ce).
"""
import os

import torch
import torch.nn.functional as F

OBJECTIVES = {"minimax": 0, "non_saturating": 1, "wasserstein": 2, "least_squares": 3, "hinge": 4}
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loss.txt")

lines = []


def emit_tensor(role, t):
    t = t.detach().to(torch.float32)
    lines.append("tensor %s %d %s" % (role, t.dim(), " ".join(str(d) for d in t.shape)))
    values = ["%.9g" % v for v in t.reshape(-1).tolist()]
    for i in range(0, len(values), 8):
        lines.append(" ".join(values[i:i + 8]))


def emit_scalar(role, v):
    lines.append("scalar %s %.9g" % (role, float(torch.tensor(float(v), dtype=torch.float32))))


def full(like, value):
    """A float32 label tensor, as a training script builds it, then exact in float64."""
    return torch.full(like.shape, value, dtype=torch.float32).double()


def d_and_g(objective, real, fake, s, a, b, c):
    bce = F.binary_cross_entropy_with_logits
    if objective in ("minimax", "non_saturating"):
        d = bce(real, full(real, 1.0 - s)) + bce(fake, full(fake, 0.0))
        g = -bce(fake, full(fake, 0.0)) if objective == "minimax" else bce(fake, full(fake, 1.0))
    elif objective == "wasserstein":
        d = fake.mean() - real.mean()
        g = -fake.mean()
    elif objective == "least_squares":
        d = 0.5 * F.mse_loss(real, full(real, b)) + 0.5 * F.mse_loss(fake, full(fake, a))
        g = 0.5 * F.mse_loss(fake, full(fake, c))
    else:
        d = F.relu(1 - real).mean() + F.relu(1 + fake).mean()
        g = -fake.mean()
    return d, g


def adversarial(name, objective, nr, nf, scale, s=0.0, a=0.0, b=1.0, c=1.0):
    real32 = (torch.randn(nr, 1) * scale).float()
    fake32 = (torch.randn(nf, 1) * scale).float()
    s, a, b, c = (float(torch.tensor(v, dtype=torch.float32)) for v in (s, a, b, c))
    lines.append("case %s adversarial %d %.9g %.9g %.9g %.9g" % (name, OBJECTIVES[objective], s, a, b, c))
    emit_tensor("real", real32)
    emit_tensor("fake", fake32)
    real = real32.double().requires_grad_()
    fake = fake32.double().requires_grad_()
    d, _ = d_and_g(objective, real, fake, s, a, b, c)
    d.backward()
    emit_scalar("d_value", d)
    emit_tensor("d_grad_real", real.grad)
    emit_tensor("d_grad_fake", fake.grad)
    fake = fake32.double().requires_grad_()
    _, g = d_and_g(objective, real.detach(), fake, s, a, b, c)
    g.backward()
    emit_scalar("g_value", g)
    emit_tensor("g_grad", fake.grad)
    lines.append("end")


def bce_case(name, shape, scale):
    logits32 = (torch.randn(*shape) * scale).float()
    targets32 = torch.rand(*shape).float()
    targets32.view(-1)[0] = 0.0
    targets32.view(-1)[1] = 1.0
    lines.append("case %s bce -1 0 0 0 0" % name)
    emit_tensor("logits", logits32)
    emit_tensor("targets", targets32)
    x = logits32.double().requires_grad_()
    loss = F.binary_cross_entropy_with_logits(x, targets32.double())
    loss.backward()
    emit_scalar("value", loss)
    emit_tensor("grad", x.grad)
    lines.append("end")


def ce_case(name, n, classes, scale):
    logits32 = (torch.randn(n, classes) * scale).float()
    labels = torch.randint(0, classes, (n,))
    lines.append("case %s ce -1 0 0 0 0" % name)
    emit_tensor("logits", logits32)
    emit_tensor("labels", labels.float())
    x = logits32.double().requires_grad_()
    loss = F.cross_entropy(x, labels)
    loss.backward()
    emit_scalar("value", loss)
    emit_tensor("grad", x.grad)
    lines.append("end")


def main():
    torch.manual_seed(20261122)
    torch.set_num_threads(1)
    lines.append("# libgan loss fixtures: written by tests/golden/make_loss_golden.py")
    lines.append("# with PyTorch %s; do not edit (the format is described in the script)." % torch.__version__)
    lines.append("loss-golden 1")
    for objective in OBJECTIVES:
        adversarial(objective, objective, 5, 3, 2.0)
        adversarial(objective + "_large", objective, 4, 6, 25.0)
    adversarial("minimax_smoothed", "minimax", 6, 4, 2.0, s=0.1)
    adversarial("non_saturating_smoothed", "non_saturating", 3, 7, 3.0, s=0.25)
    adversarial("least_squares_targets", "least_squares", 5, 5, 2.0, a=-1.0, b=1.0, c=0.0)
    bce_case("bce", (2, 3, 4), 3.0)
    bce_case("bce_large", (5,), 40.0)
    ce_case("ce", 6, 5, 2.0)
    ce_case("ce_peaked", 4, 10, 20.0)
    ce_case("ce_one_sample", 1, 3, 1.0)
    lines.append("eof")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s (%d lines)" % (OUT, len(lines)))


if __name__ == "__main__":
    main()
