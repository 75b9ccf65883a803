#!/usr/bin/python3
"""Writes tests/golden/lr_schedules.txt: PyTorch's learning-rate schedulers, step by step,
for test_schedule.c.

How to run (from the repository root, with Debian's python3-torch 1.13):

    /usr/bin/python3 tests/golden/make_schedule_golden.py

CI never runs PyTorch: it reads the committed file.

Each case builds an SGD optimizer over one parameter with a float32 base learning rate and
one of torch.optim.lr_scheduler's schedulers (a warm-up is SequentialLR of LinearLR and the
schedule, with the milestone at the end of the warm-up), then records the learning rate of
every step before stepping the optimizer and the scheduler, as a training loop does. The
options are float32 values (libgan's options are floats) handed to PyTorch as Python floats.

File format (text, whitespace-separated tokens; '#' starts a comment line):
  lr-schedules 1                  first line; the format version
  case NAME SCHEDULE N            SCHEDULE: libgan's gan_lr_schedule value; N steps
  option NAME VALUE               lr, schedule_steps, gamma, start_factor, end_factor,
                                  eta_min, warmup_steps, warmup_start_factor
  milestones K M1..MK             (multi-step cases)
  lambda inverse A                (lambda cases) factor(t) = 1 / (1 + A t)
  lr V1..VN                       the learning rate of steps 0..N-1 ("%.17g")
  end                             closes a case
  eof                             last line, so a truncated file is detected
"""

import os
import sys

import torch
from torch.optim import lr_scheduler as sched

CONSTANT, STEP, MULTI_STEP, EXPONENTIAL, LINEAR, COSINE, LAMBDA = range(7)


def f32(x):
    """x rounded to float32, as a Python float."""
    return float(torch.tensor(x, dtype=torch.float32).item())


def inverse(a):
    return lambda t: 1.0 / (1.0 + a * t)


# name, schedule, steps, options (float32-rounded where libgan holds floats), extras
CASES = [
    ("constant", CONSTANT, 6, {"lr": 0.1}, {}),
    ("step", STEP, 14, {"lr": 0.5, "schedule_steps": 3, "gamma": 0.5}, {}),
    ("step_gamma_0.1", STEP, 9, {"lr": 2e-4, "schedule_steps": 2, "gamma": 0.1}, {}),
    ("multi_step", MULTI_STEP, 12, {"lr": 0.25, "gamma": 0.1}, {"milestones": [2, 5, 9]}),
    ("exponential", EXPONENTIAL, 40, {"lr": 0.5, "gamma": 0.9}, {}),
    ("linear_decay", LINEAR, 12,
     {"lr": 0.5, "schedule_steps": 8, "start_factor": 1.0, "end_factor": 0.0}, {}),
    ("linear_defaults", LINEAR, 8,
     {"lr": 1e-3, "schedule_steps": 5, "start_factor": 1.0 / 3.0, "end_factor": 1.0}, {}),
    ("cosine", COSINE, 25, {"lr": 0.5, "schedule_steps": 10, "eta_min": 0.01}, {}),
    ("lambda", LAMBDA, 10, {"lr": 0.5}, {"lambda": 0.25}),
    ("warmup_cosine", COSINE, 16,
     {"lr": 0.5, "schedule_steps": 8, "warmup_steps": 4, "warmup_start_factor": 0.1}, {}),
    ("warmup_step", STEP, 12,
     {"lr": 0.125, "schedule_steps": 2, "gamma": 0.5, "warmup_steps": 3,
      "warmup_start_factor": 1.0 / 3.0}, {}),
    ("warmup_constant", CONSTANT, 8,
     {"lr": 0.5, "warmup_steps": 5, "warmup_start_factor": 0.2}, {}),
]

INTEGER_OPTIONS = ("schedule_steps", "warmup_steps")


def make_scheduler(optimizer, schedule, opt, extra):
    steps = opt.get("schedule_steps", 1)
    gamma = opt.get("gamma", f32(0.1))
    if schedule == CONSTANT:
        return sched.LambdaLR(optimizer, lambda t: 1.0)
    if schedule == STEP:
        return sched.StepLR(optimizer, step_size=steps, gamma=gamma)
    if schedule == MULTI_STEP:
        return sched.MultiStepLR(optimizer, milestones=extra["milestones"], gamma=gamma)
    if schedule == EXPONENTIAL:
        return sched.ExponentialLR(optimizer, gamma=gamma)
    if schedule == LINEAR:
        return sched.LinearLR(optimizer, start_factor=opt["start_factor"],
                              end_factor=opt["end_factor"], total_iters=steps)
    if schedule == COSINE:
        return sched.CosineAnnealingLR(optimizer, T_max=steps, eta_min=opt.get("eta_min", 0.0))
    return sched.LambdaLR(optimizer, inverse(extra["lambda"]))


def run(schedule, steps, opt, extra):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=opt["lr"])
    warmup = opt.get("warmup_steps", 0)
    if warmup:
        first = sched.LinearLR(optimizer, start_factor=opt["warmup_start_factor"],
                               end_factor=1.0, total_iters=warmup)
        second = make_scheduler(optimizer, schedule, opt, extra)
        scheduler = sched.SequentialLR(optimizer, [first, second], milestones=[warmup])
    else:
        scheduler = make_scheduler(optimizer, schedule, opt, extra)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        param.grad = torch.zeros(1)
        optimizer.step()
        scheduler.step()
    return rates


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lr_schedules.txt")
    lines = ["lr-schedules 1",
             "# written by tests/golden/make_schedule_golden.py with torch " + torch.__version__]
    for name, schedule, steps, raw, extra in CASES:
        opt = {k: (v if k in INTEGER_OPTIONS else f32(v)) for k, v in raw.items()}
        lines.append("case %s %d %d" % (name, schedule, steps))
        for key, value in opt.items():
            lines.append("option %s %s" % (key, value if key in INTEGER_OPTIONS else "%.9g" % value))
        if "milestones" in extra:
            lines.append("milestones %d %s" % (len(extra["milestones"]),
                                               " ".join(str(m) for m in extra["milestones"])))
        if "lambda" in extra:
            lines.append("lambda inverse %.17g" % extra["lambda"])
        lines.append("lr " + " ".join("%.17g" % r for r in run(schedule, steps, opt, extra)))
        lines.append("end")
    lines.append("eof")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", out, file=sys.stderr)


if __name__ == "__main__":
    main()
