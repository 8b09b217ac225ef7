"""Benchmark: lecture_code GaussianMixture vs scikit-learn, ms per EM iteration and peak memory.

Run: ``.venv/bin/python benchmarks/mixture.py [--quick]``. BLAS is pinned to one thread; both
libraries run a fixed number of iterations (tol=0) from the same weights/means/precisions.
The last row ("far") has tight clusters 1e4 apart and 1e5 from the origin: there the fused
step's expanded quadratic would cancel, so it takes its exact path (x − μ_k per component).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.mixture import GaussianMixture as SkGM  # noqa: E402

from lecture_code.mixture import GaussianMixture  # noqa: E402


def _problem(n, d, K, ct, seed=0, far=False):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=1e4 if far else 5, size=(K, d)) + (1e5 if far else 0)
    X = centers[rng.integers(K, size=n)] + rng.normal(size=(n, d)) * (1e-2 if far else 1)
    P = {"full": np.stack([np.eye(d)] * K), "tied": np.eye(d), "diag": np.ones((K, d)),
         "spherical": np.ones(K)}[ct]
    init = dict(weights_init=np.full(K, 1 / K), means_init=centers + 0.5, precisions_init=P)
    return X, init


def _run(cls, X, K, ct, init, n_iter):
    gm = cls(K, covariance_type=ct, tol=0, max_iter=n_iter, **init)
    tracemalloc.start()
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    dt = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return 1e3 * dt / n_iter, peak / 2 ** 20, gm


def main(quick=False):
    n_iter = 20 if quick else 100
    cases = [(10 ** 5, 2, 3, ct) for ct in ("full", "tied", "diag", "spherical")]
    cases += [(10 ** 6, 2, 3, ct) for ct in ("full", "tied", "diag", "spherical")]
    cases += [(10 ** 5, 10, 10, "full"), (10 ** 6, 2, 3, "full", "far")]
    print(f"{n_iter} EM iterations from the same start, BLAS on one thread")
    print(f"{'N':>8} {'D':>3} {'K':>3} {'cov':>9} | {'sklearn ms/it':>13} {'ours ms/it':>10} "
          f"{'ratio':>6} | {'sk MB':>7} {'ours MB':>7} | max rel diff")
    for n, d, K, ct, *far in cases:
        X, init = _problem(n, d, K, ct, far=bool(far))
        sk_t, sk_mb, sk = _run(SkGM, X, K, ct, init, n_iter)
        t, mb, ours = _run(GaussianMixture, X, K, ct, init, n_iter)
        diff = max(np.max(np.abs(a - b)) / np.max(np.abs(b)) for a, b in
                   [(ours.means_, sk.means_), (ours.covariances_, sk.covariances_),
                    (ours.weights_, sk.weights_)])
        label = ct + (" far" if far else "")
        print(f"{n:>8} {d:>3} {K:>3} {label:>9} | {sk_t:>13.1f} {t:>10.1f} {t / sk_t:>6.2f} | "
              f"{sk_mb:>7.1f} {mb:>7.1f} | {diff:.1e}", flush=True)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
