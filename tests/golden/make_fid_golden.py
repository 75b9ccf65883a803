#!/usr/bin/python3
"""Writes tests/golden/fid.txt, scipy's Fréchet distances that tests/test_eval.c compares
gan_frechet_distance against.

How to run (from the repository root, with Debian's python3-numpy and python3-scipy):

    /usr/bin/python3 tests/golden/make_fid_golden.py

The file is committed; CI never runs scipy. Each case is two sets of float32 feature
vectors, drawn with a fixed numpy seed, and the distance between the Gaussians fitted to
them (mean, and covariance divided by count - 1 as numpy.cov), computed in float64 from
the float32 values:

    d = |mu_a - mu_b|^2 + Tr S_a + Tr S_b - 2 Tr sqrt(sqrt(S_a) S_b sqrt(S_a))

on the symmetric form, with scipy.linalg.eigh: sqrt(S_a) = V diag(sqrt(max(l, 0))) V^T,
then the eigenvalues m of sqrt(S_a) S_b sqrt(S_a) (symmetrised), Tr sqrt = sum sqrt(max(m, 0)).
That form holds for rank-deficient covariances and for fewer vectors than features.

The classic form of the reference FID code (pytorch-fid, TTUR) is Tr sqrtm(S_a S_b) with
scipy.linalg.sqrtm. The two traces are equal in exact arithmetic, since S_a S_b is similar
to sqrt(S_a) S_b sqrt(S_a); but S_a S_b is not symmetric, and when either covariance is
singular sqrtm is ill-conditioned (it warns, and may return a complex or inaccurate root).
So the classic form is computed here only as a cross-check, on the cases whose covariances
are both well conditioned, and must agree with the symmetric one to 1e-9 relative.

The values are rounded to 6 significant digits when written ("%.6g"); the script takes
float32(float(text)), the value C's (float)strtod(text) gives, so the reference is
computed from exactly the values the test reads.

File format (text, whitespace-separated tokens; '#' starts a comment line):
  fid-golden 1                      first line; the format version
  case NAME DIM COUNT_A COUNT_B     then COUNT_A * DIM values of a (row after row), then
                                    COUNT_B * DIM values of b
  distance D                        the reference distance ("%.17g")
  end                               closes a case
  eof                               last line, so a truncated file is detected
"""
import os

import numpy as np
import scipy
import scipy.linalg

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fid.txt")
SEED = 20260611

rng = np.random.default_rng(SEED)
lines = []


def as_written(x):
    """The float32 values the test reads back from "%.6g" text, and that text."""
    text = ["%.6g" % v for v in np.asarray(x, dtype=np.float64).reshape(-1)]
    values = np.array([np.float32(float(t)) for t in text], dtype=np.float32)
    return values.reshape(np.shape(x)), text


def moments(x):
    x = x.astype(np.float64)
    return x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False))


def frechet_symmetric(a, b):
    mu_a, s_a = moments(a)
    mu_b, s_b = moments(b)
    l, v = scipy.linalg.eigh(s_a)
    root_a = (v * np.sqrt(np.clip(l, 0.0, None))) @ v.T
    m = root_a @ s_b @ root_a
    m = 0.5 * (m + m.T)
    trace_sqrt = np.sqrt(np.clip(scipy.linalg.eigvalsh(m), 0.0, None)).sum()
    d = np.sum((mu_a - mu_b) ** 2) + np.trace(s_a) + np.trace(s_b) - 2.0 * trace_sqrt
    return max(d, 0.0)


def frechet_classic(a, b):
    """Tr sqrtm(S_a S_b), as pytorch-fid; only for well-conditioned covariances."""
    mu_a, s_a = moments(a)
    mu_b, s_b = moments(b)
    covmean = scipy.linalg.sqrtm(s_a @ s_b)
    return np.sum((mu_a - mu_b) ** 2) + np.trace(s_a) + np.trace(s_b) - 2.0 * np.trace(covmean).real


def well_conditioned(x):
    return np.linalg.cond(moments(x)[1]) < 1e8


def emit_values(text):
    for i in range(0, len(text), 10):
        lines.append(" ".join(text[i:i + 10]))


def case(name, a, b):
    a, text_a = as_written(a)
    b, text_b = as_written(b)
    d = frechet_symmetric(a, b)
    checked = well_conditioned(a) and well_conditioned(b)
    if checked:
        classic = frechet_classic(a, b)
        assert abs(classic - d) <= 1e-9 * max(abs(d), 1e-12 * (np.trace(moments(a)[1]) +
                                                             np.trace(moments(b)[1]))), \
            (name, d, classic)
    lines.append("case %s %d %d %d" % (name, a.shape[1], a.shape[0], b.shape[0]))
    emit_values(text_a)
    emit_values(text_b)
    lines.append("distance %.17g" % d)
    lines.append("end")
    print("%-24s dim %3d  counts %3d %3d  distance %.6g%s" % (
        name, a.shape[1], a.shape[0], b.shape[0], d, "  (classic form agrees)" if checked else ""))


def gaussian(count, dim, scale=1.0, mean=0.0):
    mixing = rng.standard_normal((dim, dim)) / np.sqrt(dim)
    return mean + scale * rng.standard_normal((count, dim)) @ mixing


def low_rank(count, dim, rank):
    """Exactly rank-deficient: small integer factors times an integer mixing, so every
    value (and the linear dependence between the features) is exact in float32."""
    factors = rng.integers(-3, 4, size=(count, rank))
    mixing = rng.integers(-2, 3, size=(rank, dim))
    return (factors @ mixing).astype(np.float64)


def main():
    lines.append("# libgan Fréchet distance fixtures: written by tests/golden/make_fid_golden.py")
    lines.append("# with numpy %s and scipy %s (seed %d); do not edit (the format is described "
                 "in the script)." % (np.__version__, scipy.__version__, SEED))
    lines.append("fid-golden 1")
    case("gaussian", gaussian(64, 8), gaussian(48, 8, mean=0.3))
    shared = rng.standard_normal((8, 8)) / np.sqrt(8)
    case("shifted_mean", rng.standard_normal((50, 8)) @ shared,
         2.5 + rng.standard_normal((50, 8)) @ shared)
    case("same_distribution", rng.standard_normal((100, 5)) @ shared[:5, :5],
         rng.standard_normal((100, 5)) @ shared[:5, :5])
    case("low_rank_a", low_rank(60, 12, 3), gaussian(50, 12, scale=2.0))
    case("low_rank_both", low_rank(40, 10, 2), low_rank(45, 10, 4))
    case("fewer_than_dimension", gaussian(10, 32), gaussian(14, 32, mean=-0.5))
    case("few_and_low_rank", low_rank(5, 20, 2), gaussian(30, 20))
    case("different_counts", gaussian(200, 6), gaussian(9, 6, scale=1.5))
    case("scales_apart", gaussian(40, 6, scale=1e3), gaussian(60, 6, scale=1e-2))
    case("feature_scales", gaussian(50, 8) * np.logspace(-3, 3, 8),
         gaussian(50, 8) * np.logspace(-3, 3, 8)[::-1])
    case("dimension_one", gaussian(30, 1), gaussian(25, 1, scale=3.0, mean=1.0))
    case("large_offset", gaussian(50, 4, mean=1e4), gaussian(50, 4, scale=2.0, mean=1e4 + 1.0))
    relu_a, relu_b = np.maximum(gaussian(60, 16), 0.0), np.maximum(gaussian(50, 16, mean=0.2), 0.0)
    relu_a[:, :4] = 0.0  # dead units: features that are 0 in every vector
    relu_b[:, 2:5] = 0.0
    case("relu_dead_units", relu_a, relu_b)
    case("wider", gaussian(48, 40), gaussian(44, 40, scale=0.8, mean=0.1))
    lines.append("eof")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s (%d lines, %d bytes)" % (OUT, len(lines), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
