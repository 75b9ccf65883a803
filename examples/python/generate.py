#!/usr/bin/python3
"""Loads a trained generator and writes a PNG grid of samples, through libgan.py (ctypes).

    /usr/bin/python3 examples/python/generate.py generator.safetensors samples.png \
        [--count 64] [--seed 1] [--lib build/libgan.so.0]
"""

import argparse
import sys

import libgan


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generator", help="a generator saved by the MNIST examples")
    parser.add_argument("out", help="the PNG file to write")
    parser.add_argument("--count", type=int, default=64, help="samples (default 64)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--lib", help="libgan.so.0 to load (default $LIBGAN or the system's)")
    args = parser.parse_args()

    lib = libgan.Library(args.lib)
    try:
        with lib.load_generator(args.generator) as generator:
            with generator.sample(args.count, seed=args.seed) as images:
                lib.write_png_grid(args.out, images)
                values = images.tolist()
    except libgan.LibganError as error:
        sys.exit(f"generate.py: {error}")
    print(f"generate.py: libgan {lib.version}: {args.count} samples of "
          f"{list(generator.sample_shape)} written to {args.out} "
          f"(pixel range {min(values):+.3f} .. {max(values):+.3f})")


if __name__ == "__main__":
    main()
