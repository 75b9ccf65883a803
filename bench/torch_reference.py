#!/usr/bin/python3
"""The benchmark's workloads in PyTorch, for `make bench-compare` (docs/performance.md).

Needs Debian's python3-torch 1.13 (run it with /usr/bin/python3: the python3 of a pyenv may
lack torch) and python3-numpy. CI never runs it.

    /usr/bin/python3 bench/torch_reference.py [--seconds S] [--repeats R] [--warmup N]
        [--threads "1 2"] [--workloads "W1 W2 ..."] [--data DIR] [--out FILE]

Same models, initialisation, optimizer, loss, data and timing rules as gan_bench; the same
CSV records (the columns of `gan_bench --csv-header`), to FILE or else to stdout. Every
workload runs in a process of its own (peak RSS is per process) with OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS set to the thread count before torch is imported
(torch.set_num_threads does not resize OpenBLAS's pool); with more than one thread it also
runs with OMP_WAIT_POLICY=PASSIVE (OpenMP's spinning workers otherwise compete with
OpenBLAS's), and the report keeps the faster of the two. Anything else in the environment
(OPENBLAS_CORETYPE) is passed on, as it is to gan_bench.

A training step, as libgan's trainer does it: G(z) once; D on the real batch, backward; D on
the detached fake batch, backward; D's Adam step; D on the fake batch again with D's
parameters frozen (no weight gradients, as libgan's GAN_BACKWARD_SKIP_PARAMETERS), backward
into G; G's Adam step. Gradients are zeroed with set_to_none=True.
"""

import argparse
import gzip
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = {  # name: (kind, model, batch), as bench/workload.c
    "W1": ("train", "W1", 64),
    "W2": ("train", "W2", 128),
    "W3-b64": ("train", "W3", 64),
    "W3-b256": ("train", "W3", 256),
    "W3-gen-b1": ("generate", "W3", 1),
    "W3-gen-b256": ("generate", "W3", 256),
}
LATENT = 100
# The columns of `gan_bench --csv-header` (bench/report.awk finds them by name).
COLUMNS = ("engine", "version", "variant", "workload", "kind", "threads", "batch", "steps", "ms",
           "samples_per_s", "gflop", "gflops", "rss_mib", "blas_core")


def now():
    return time.clock_gettime(time.CLOCK_MONOTONIC)


# ---- one workload, in this process ------------------------------------------------------


def build(model):
    """The generator and discriminator of a workload, initialised as in libgan."""
    import torch
    from torch import nn

    def dense_stack(widths, slope):
        layers = []
        for i in range(len(widths) - 1):
            if i:
                layers.append(nn.LeakyReLU(slope))
            layers.append(nn.Linear(widths[i], widths[i + 1]))
        return layers

    def mlp_gan(g_widths, d_widths, slope):  # PyTorch's default initialisation
        g = nn.Sequential(*dense_stack(g_widths, slope), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))
        return g, nn.Sequential(nn.Flatten(), *dense_stack(d_widths, slope))

    if model == "W1":
        return mlp_gan([LATENT, 128, 784], [784, 128, 1], 0.01)
    if model == "W2":
        return mlp_gan([LATENT, 256, 512, 784], [784, 256, 256, 1], 0.2)
    # The TensorFlow-tutorial DCGAN of the golden tests (tests/test_golden.c checks libgan's
    # against it), with GAN_INIT_DCGAN's weights.
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "golden"))
    from make_golden import discriminator, generator

    def dcgan_init(module):
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(module.weight, 0.0, 0.02)
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(module.weight, 1.0, 0.02)
        else:
            return
        if module.bias is not None:
            nn.init.zeros_(module.bias)

    with torch.no_grad():
        g, d = generator(), discriminator()
        g.apply(dcgan_init)
        d.apply(dcgan_init)
    return g, d


def pass_flops(model, x):
    """(forward, lowest, output): FLOPs of one sample's forward pass, counted as
    bench/flops.c does (2 x multiply-adds of Linear, Conv2d, ConvTranspose2d), those of the
    lowest such layer, and the output of x."""
    import torch
    from torch import nn

    counted = []

    def hook(module, inputs, output):
        weights = module.weight.numel()
        if isinstance(module, nn.Conv2d):
            weights *= output.shape[-2] * output.shape[-1]
        elif isinstance(module, nn.ConvTranspose2d):
            weights *= inputs[0].shape[-2] * inputs[0].shape[-1]
        counted.append(2.0 * weights)

    kinds = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)
    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, kinds)]
    training = model.training
    model.eval()
    with torch.no_grad():
        output = model(x)
    model.train(training)
    for handle in handles:
        handle.remove()
    return sum(counted), counted[0], output


def load_images(folder):
    """MNIST's training images as their bytes, uint8 [N, 1, 28, 28], as libgan's data set
    holds them; training_step scales each batch to [-1, 1] (GAN_PIXELS_SYMMETRIC)."""
    import numpy as np
    import torch

    for name in ("train-images-idx3-ubyte", "train-images.idx3-ubyte"):
        for suffix, opener in (("", open), (".gz", gzip.open)):
            path = os.path.join(folder, name + suffix)
            if os.path.exists(path):
                with opener(path, "rb") as f:
                    raw = f.read()
                count, rows, columns = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
                pixels = np.frombuffer(raw, np.uint8, count * rows * columns, 16).copy()
                del raw
                return torch.from_numpy(pixels.reshape(count, 1, rows, columns))
    sys.exit("torch_reference.py: no train-images-idx3-ubyte in %s" % folder)


def training_step(g, d, images, batch):
    """Returns (step function, FLOPs per step)."""
    import torch
    from torch import nn

    g_optim = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_optim = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    order, position = torch.randperm(len(images)), 0

    def step():
        nonlocal order, position
        if position + batch > len(images):  # every batch full, reshuffled every epoch
            order, position = torch.randperm(len(images)), 0
        real = images.index_select(0, order[position:position + batch]).float() / 127.5 - 1.0
        position += batch
        fake = g(torch.randn(batch, LATENT))
        d_optim.zero_grad(set_to_none=True)
        bce(d(real), ones).backward()
        bce(d(fake.detach()), zeros).backward()
        d_optim.step()
        g_optim.zero_grad(set_to_none=True)
        d.requires_grad_(False)
        bce(d(fake), ones).backward()
        d.requires_grad_(True)
        g_optim.step()

    z = torch.randn(2, LATENT)
    g_forward, g_lowest, sample = pass_flops(g, z)
    d_forward, d_lowest, _ = pass_flops(d, sample)
    per_sample = (g_forward + 2 * (3 * d_forward - d_lowest) + 2 * d_forward
                  + (2 * g_forward - g_lowest))  # as train_step_flops() in bench/flops.c
    return step, batch * per_sample


def generation_step(g, batch):
    import torch

    g.eval()
    z = torch.randn(batch, LATENT)

    def step():
        with torch.inference_mode():
            g(z)

    return step, batch * pass_flops(g, z[:1])[0]


def run_steps(step, seconds, min_steps):
    """Runs at least min_steps steps and for at least `seconds`: (steps, seconds per step)."""
    start, done, elapsed = now(), 0, 0.0
    while done < min_steps or elapsed < seconds:
        step()
        done += 1
        elapsed = now() - start
    return done, elapsed / done


def blas_core():
    """The kernel set of the OpenBLAS torch loaded, if it loaded one."""
    import ctypes

    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line and "/" in line}
    for path in sorted(paths):
        try:
            name = ctypes.CDLL(path).openblas_get_corename
        except (OSError, AttributeError):
            continue
        name.restype = ctypes.c_char_p
        return name().decode()
    return "-"


def run_one(args):
    import torch

    threads = int(args.threads)  # one count here
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    kind, model, batch = WORKLOADS[args.one]
    g, d = build(model)
    if kind == "train":
        step, flop = training_step(g, d, load_images(args.data), batch)
    else:
        del d  # not part of it
        step, flop = generation_step(g, batch)
    run_steps(step, args.seconds / 10, args.warmup)
    runs = sorted((run_steps(step, args.seconds, 1) for _ in range(args.repeats)),
                  key=lambda run: run[1])
    steps, per_step = runs[len(runs) // 2]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    record = {"engine": "pytorch", "version": torch.__version__, "variant": args.variant,
              "workload": args.one, "kind": kind, "threads": threads, "batch": batch,
              "steps": steps, "ms": "%.6g" % (1e3 * per_step),
              "samples_per_s": "%.6g" % (batch / per_step), "gflop": "%.6g" % (flop / 1e9),
              "gflops": "%.6g" % (flop / 1e9 / per_step), "rss_mib": "%.1f" % rss,
              "blas_core": blas_core()}
    print(",".join(str(record[column]) for column in COLUMNS))


# ---- the driver ---------------------------------------------------------------------------


def variants(threads):
    """(name, environment changes) of the thread settings tried at a thread count."""
    count = str(threads)
    base = {"OMP_NUM_THREADS": count, "OPENBLAS_NUM_THREADS": count, "MKL_NUM_THREADS": count}
    yield "default", dict(base, OMP_WAIT_POLICY=None)
    if threads > 1:
        yield "passive", dict(base, OMP_WAIT_POLICY="PASSIVE")


def run_all(args):
    records, failed = [",".join(COLUMNS)], False
    for threads in (int(t) for t in args.threads.split()):
        for workload in args.workloads.split():
            if workload == "sgemm":
                continue
            for name, changes in variants(threads):
                print("  PyTorch %s, %d thread(s), %s" % (workload, threads, name), file=sys.stderr)
                env = dict(os.environ)
                for key, value in changes.items():
                    if value is None:
                        env.pop(key, None)
                    else:
                        env[key] = value
                command = [sys.executable, os.path.abspath(__file__), "--one", workload,
                           "--variant", name, "--threads", str(threads),
                           "--seconds", str(args.seconds), "--repeats", str(args.repeats),
                           "--warmup", str(args.warmup), "--data", args.data]
                done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
                sys.stderr.write(done.stderr)
                if done.returncode != 0:
                    failed = True
                    continue
                records.append(done.stdout.strip())
    text = "\n".join(records) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="each repetition runs steps for at least this long (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions; the median is kept")
    parser.add_argument("--warmup", type=int, default=3,
                        help="untimed steps first: at least N, and at least seconds/10")
    parser.add_argument("--threads", default="1 2", help='thread counts (default "1 2")')
    parser.add_argument("--workloads", default=" ".join(WORKLOADS), help="workload names")
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR") or "build/data/mnist")
    parser.add_argument("--out", help="write the records to this file (default: stdout)")
    parser.add_argument("--one", choices=sorted(WORKLOADS), help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="default", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args)
        return 0
    unknown = [w for w in args.workloads.split() if w != "sgemm" and w not in WORKLOADS]
    if unknown:
        parser.error("unknown workload(s): %s" % " ".join(unknown))
    return run_all(args)


if __name__ == "__main__":
    sys.exit(main())
