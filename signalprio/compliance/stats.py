"""The statistics a fire service reports, from one well-kept library (scipy).

Rates come with 95 % Wilson intervals; strategies are compared on the same incidents and
seeds (paired): McNemar's exact test and a paired bootstrap interval for the difference in
rate, the Wilcoxon signed-rank test and a paired bootstrap interval for arrival times.
The Wilson interval and McNemar's p-value are the numbers statsmodels gives (checked to
1e-12 when statsmodels was dropped), so earlier results stay comparable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
RESAMPLES = 4999


def wilson_interval(successes: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a rate (NaN for no observations)."""
    if n == 0:
        return float("nan"), float("nan")
    interval = stats.binomtest(successes, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return float(interval.low), float(interval.high)


@dataclass(frozen=True)
class PairedRates:
    difference: float  # rate(b) - rate(a)
    low: float
    high: float
    p_value: float  # McNemar, exact
    b_only: int  # met with b but not with a
    a_only: int


def compare_rates(a: np.ndarray, b: np.ndarray, seed: int = 0) -> PairedRates:
    """Paired comparison of two met/missed vectors over the same incidents."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    b_only, a_only = int(np.sum(b & ~a)), int(np.sum(a & ~b))
    p_value = _mcnemar_exact(b_only, a_only)
    difference = float(b.mean() - a.mean())
    low, high = _paired_bootstrap(a.astype(float), b.astype(float), np.mean, seed)
    return PairedRates(difference, low, high, p_value, b_only, a_only)


def _mcnemar_exact(b_only: int, a_only: int) -> float:
    """McNemar's exact test: two-sided binomial test (p = 0.5) on the discordant pairs only.

    Twice the smaller tail, capped at 1, as statsmodels computes it (1.0 without discordant pairs).
    """
    return min(1.0, 2.0 * float(stats.binom.cdf(min(b_only, a_only), b_only + a_only, 0.5)))


@dataclass(frozen=True)
class PairedTimes:
    median_difference: float  # median of (b - a), seconds
    low: float  # bootstrap interval of the median difference
    high: float
    p_value: float  # Wilcoxon signed-rank


def compare_times(a: np.ndarray, b: np.ndarray, seed: int = 0) -> PairedTimes:
    """Paired comparison of arrival times (b - a) over the same incidents; NaNs are dropped pairwise."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return PairedTimes(float("nan"), float("nan"), float("nan"), float("nan"))
    differences = b - a
    p_value = float(stats.wilcoxon(differences).pvalue) if np.any(differences != 0) else 1.0
    low, high = _paired_bootstrap(a, b, np.median, seed)
    return PairedTimes(float(np.median(differences)), low, high, p_value)


def _paired_bootstrap(a: np.ndarray, b: np.ndarray, statistic: Callable[..., Any], seed: int) -> tuple[float, float]:
    """Percentile bootstrap interval of statistic(b - a), resampling incidents (pairs stay together)."""
    differences = b - a
    if len(differences) < 2 or np.all(differences == differences[0]):
        value = float(statistic(differences)) if len(differences) else float("nan")
        return value, value
    result = stats.bootstrap((differences,), statistic, n_resamples=RESAMPLES, confidence_level=CONFIDENCE,
                             method="percentile", rng=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)
