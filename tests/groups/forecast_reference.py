#!/usr/bin/python3
"""An independent reference for test_forecasting.c's few-training-row cases (issue 15).

mloda's linear forecast as SPEC.md §6.14 describes it, written with numpy only (Debian's
python3-numpy): time features, lags 1,2,3 capped at max(1, n - 5), rows with a missing
value or lag dropped, sklearn's StandardScaler (population std, its constant-column rule),
LinearRegression (centre the scaled columns and the targets, minimum-norm least squares,
intercept), forecast rows at last time + k units with the last observed lags. The least
squares is solved through an SVD at several relative cut-offs; a case is only used when
every cut-off gives the same forecasts (no rounding-level direction decides the answer).

    /usr/bin/python3 tests/groups/forecast_reference.py
"""
import datetime as dt

import numpy as np

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
                "month": 30 * 86400, "year": 365 * 86400}


def time_features(t):
    hour, dow, month, year = t.hour, t.weekday(), t.month, t.year
    quarter = (month - 1) // 3 + 1
    doy, dom, week = t.timetuple().tm_yday, t.day, t.isocalendar()[1]
    pi = np.pi
    return [hour, dow, quarter, month, year, doy, dom, week,
            np.sin(2 * pi * hour / 24), np.cos(2 * pi * hour / 24),
            np.sin(2 * pi * dow / 7), np.cos(2 * pi * dow / 7),
            np.sin(2 * pi * month / 12), np.cos(2 * pi * month / 12),
            np.sin(2 * pi * quarter / 4), np.cos(2 * pi * quarter / 4),
            1 if dow >= 5 else 0]


def lags_for(n, unit):
    lags = [1, 2, 3]
    if unit in ("hour", "day") and n > 10:
        lags.append(7)
    elif unit == "week" and n > 55:
        lags.append(52)
    elif unit == "month" and n > 15:
        lags.append(12)
    return [lag for lag in lags if lag <= max(1, n - 5)]


def forecast(times, values, unit, horizon, rcond):
    order = sorted(range(len(times)), key=lambda i: times[i])
    t = [times[i] for i in order]
    v = [values[i] for i in order]
    n, lags = len(t), lags_for(len(t), unit)
    rows, targets = [], []
    for k in range(max(lags), n):
        row = time_features(t[k]) + [v[k - lag] for lag in lags]
        if not np.isnan(v[k]) and not any(np.isnan(row)):
            rows.append(row)
            targets.append(v[k])
    x, y = np.array(rows, float), np.array(targets, float)
    m = x.shape[0]
    mean, var = x.mean(axis=0), x.var(axis=0)
    eps = np.finfo(np.float64).eps
    scale = np.sqrt(var)
    scale[var <= m * eps * var + (m * mean * eps) ** 2] = 1.0  # sklearn: constant column
    xs = (x - mean) / scale
    x_offset, y_offset = xs.mean(axis=0), y.mean()
    u, s, vt = np.linalg.svd(xs - x_offset, full_matrices=False)
    keep = s > rcond * s[0]
    coef = vt[keep].T @ ((u[:, keep].T @ (y - y_offset)) / s[keep])
    intercept = y_offset - x_offset @ coef
    out = []
    for k in range(1, horizon + 1):
        tk = t[-1] + dt.timedelta(seconds=k * UNIT_SECONDS[unit])
        row = np.array(time_features(tk) + [v[n - lag] for lag in lags], float)
        out.append(float(((row - mean) / scale) @ coef + intercept))
    return out


CASES = [  # label, times, values, unit, horizon
    ("two_training_rows_week", ["2024-01-05T09:00:00", "2024-01-12T09:00:00",
                                "2024-01-19T09:00:00"], [10.397, 9.98, 11.572], "week", 2),
    ("two_training_rows_month_end", ["2024-09-28T03:00:00", "2024-10-01T09:00:00",
                                     "2024-10-08T09:00:00"], [7.9, 8.736, 5.1], "week", 2),
    ("three_training_rows_year_end", ["2024-10-28T00:00:00", "2024-11-04T00:00:00",
                                      "2024-12-04T00:00:00", "2025-01-03T06:00:00"],
     [3.796, 2.1, 4.879, 8.933], "day", 3),
]

if __name__ == "__main__":
    for label, times, values, unit, horizon in CASES:
        t = [dt.datetime.fromisoformat(s) for s in times]
        results = [forecast(t, values, unit, horizon, rc) for rc in (1e-12, 1e-10, 1e-8)]
        stable = all(np.allclose(r, results[0], rtol=1e-12, atol=0) for r in results)
        print(label, "stable" if stable else "UNSTABLE", [repr(x) for x in results[0]])
