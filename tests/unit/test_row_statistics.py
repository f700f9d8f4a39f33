"""The anomaly scorer's row median and quantile give exactly numpy's NaN-aware results."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from finops_lib.analysis.anomalies import row_median, row_quantile


def _matrices() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    out = []
    for trial in range(120):
        rows, cols = int(rng.integers(1, 30)), int(rng.integers(1, 57))
        if trial % 3 == 0:  # ties, as a daily series of repeated charges has
            m = rng.choice([0.0, 1.5, 2.25, 3.1], size=(rows, cols))
        else:
            m = rng.random((rows, cols)) * rng.choice([1.0, 100.0, 1e6])
        m[rng.random((rows, cols)) < rng.random()] = np.nan
        if trial % 4 == 0:
            m[0, :] = np.nan  # a row with no value at all
        out.append(m)
    return out


@pytest.mark.parametrize("q", [0.1, 0.25, 0.5, 0.75, 0.9])
def test_row_quantile_equals_numpy_nanquantile_bit_for_bit(q):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy warns on all-NaN rows
        for m in _matrices():
            assert np.array_equal(row_quantile(m, q), np.nanquantile(m, q, axis=1), equal_nan=True)


def test_row_median_equals_numpy_nanmedian_bit_for_bit():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for m in _matrices():
            assert np.array_equal(row_median(m), np.nanmedian(m, axis=1), equal_nan=True)
