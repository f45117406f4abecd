"""Figures computed from the tables: one function per figure, used by every page and export.

Each takes plain frames and returns numbers or frames, so it can be tested against
hand-computed values on small literal tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def collection_pct(paid, accrued):
    """Collection, % = paid / accrued × 100; undefined (NaN) when nothing was accrued.

    Works on scalars and on aligned Series alike.
    """
    paid_a = np.asarray(paid, dtype="float64")
    accrued_a = np.asarray(accrued, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(accrued_a > 0, paid_a / accrued_a * 100.0, np.nan)
    if isinstance(paid, pd.Series):
        return pd.Series(pct, index=paid.index)
    return float(pct) if pct.ndim == 0 else pct


def closing_debt(debt_start, accrued, paid, written_off=0.0):
    """Debt at the end of the month = start + accrued − paid − written off (missing write-off = 0)."""
    written = written_off.fillna(0.0) if isinstance(written_off, pd.Series) else (written_off or 0.0)
    return debt_start + accrued - paid - written
