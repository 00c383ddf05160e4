"""The statistics a fire service reports, from one well-kept library (scipy), at the level of the incident.

Several seeds of one incident are not independent incidents: every function here takes one value per incident (its
rate or time averaged over its seeds), so n is the number of incidents. Rates come with 95 % Wilson intervals on the
incident count; strategies are compared on the same incidents (paired): a sign test over the incidents that got
better or worse and a bootstrap over incidents for the difference in rate, the Wilcoxon signed-rank test and a
bootstrap over incidents for arrival times. With one seed per incident the sign test is McNemar's exact test and the
Wilson interval the usual one (the numbers statsmodels gives, checked to 1e-12 when it was dropped).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
RESAMPLES = 4999


def wilson_interval(successes: float, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a rate over `n` incidents; `successes` may be fractional (each incident's share
    of seeds met). Averaging over seeds only lowers an incident's variance, so the interval is conservative."""
    if n == 0:
        return float("nan"), float("nan")
    z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
    rate = successes / n
    scale = 1 + z * z / n
    centre = (rate + z * z / (2 * n)) / scale
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / scale
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class PairedRates:
    difference: float  # rate(b) - rate(a)
    low: float
    high: float
    p_value: float  # McNemar, exact
    b_only: int  # incidents better with b (met, or met in more seeds)
    a_only: int  # incidents better with a


def compare_rates(a: np.ndarray, b: np.ndarray, seed: int = 0) -> PairedRates:
    """Paired comparison of two strategies' rates over the same incidents (one value per incident: met or not, or
    its share of seeds met)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    b_only, a_only = int(np.sum(b > a)), int(np.sum(a > b))
    p_value = _mcnemar_exact(b_only, a_only)
    difference = float(b.mean() - a.mean())
    low, high = _paired_bootstrap(a, b, np.mean, seed)
    return PairedRates(difference, low, high, p_value, b_only, a_only)


def _mcnemar_exact(b_only: int, a_only: int) -> float:
    """McNemar's exact test (the sign test over incidents): two-sided binomial test (p = 0.5) on the incidents that
    differ only.

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
