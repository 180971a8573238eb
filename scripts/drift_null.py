#!/usr/bin/python3
"""Sampling noise of PSI and Wasserstein-1 between two samples of ONE distribution.

metrics.DriftThresholds.MinSamples (200) rests on these numbers: for each sample size
n, both samples are drawn from the same score distribution (uniform; beta(8, 1.5), a
detector's confident scores; a mixture of 80 % beta(20, 2) and 20 % uniform below
0.3), 2000 times for PSI and 500 for W1, with the definitions of package metrics (PSI
on 10 equal bins over [0, 1], empty bins raised to 1e-4; W1 as
scipy.stats.wasserstein_distance). Any "shift" found is noise. Prints the median and
95th percentile of PSI, the share of draws with PSI >= 0.25 (major) and >= 0.1
(minor), and the share with W1 >= 0.1 (major). Seeded: same output every run.
Run: /usr/bin/python3 scripts/drift_null.py
"""
import numpy as np
from scipy.stats import wasserstein_distance

rng = np.random.default_rng(1)


def psi(a, b, bins=10, eps=1e-4):
    ha, _ = np.histogram(a, bins=bins, range=(0, 1))
    hb, _ = np.histogram(b, bins=bins, range=(0, 1))
    fa = np.maximum(ha / ha.sum(), eps)
    fb = np.maximum(hb / hb.sum(), eps)
    return ((fb - fa) * np.log(fb / fa)).sum()


DISTRIBUTIONS = [
    ("uniform", lambda n: rng.random(n)),
    ("beta(8,1.5)", lambda n: rng.beta(8, 1.5, n)),
    ("mixture", lambda n: np.where(rng.random(n) < 0.8, rng.beta(20, 2, n), rng.random(n) * 0.3)),
]

for name, draw in DISTRIBUTIONS:
    for n in [5, 10, 30, 50, 100, 200, 400]:
        ps = np.array([psi(draw(n), draw(n)) for _ in range(2000)])
        ws = np.array([wasserstein_distance(draw(n), draw(n)) for _ in range(500)])
        print(f"{name:12s} n={n:3d}  PSI median {np.median(ps):.3f} p95 {np.percentile(ps, 95):.3f} "
              f"P(PSI>=0.25) {(ps >= 0.25).mean():.3f} P(PSI>=0.1) {(ps >= 0.1).mean():.3f}  "
              f"W1 p95 {np.percentile(ws, 95):.3f} P(W1>=0.1) {(ws >= 0.1).mean():.3f}")
