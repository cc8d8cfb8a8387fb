#!/usr/bin/python3
"""scikit-learn's side of scripts/bench/mi-vs-sklearn.mjs: loads a CSV (pandas' C parser), runs
mutual_info_regression (or mutual_info_classif with --discrete-target) of every column against the
target, and prints {"features": {name: mi_nats}, "estimateSeconds": s} as JSON. The whole process is
what the benchmark times; estimateSeconds is the estimation alone. With --pairwise-complete (a table
with missing cells, which scikit-learn cannot take), each feature is scored on the rows where it and
the target are both present, one call per feature, as milens drops rows per pair."""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression


def main():
    path, target = sys.argv[1], sys.argv[2]
    frame = pd.read_csv(path)
    features = [c for c in frame.columns if c != target]
    X = frame[features].to_numpy(dtype=np.float64)
    y = frame[target].to_numpy()
    started = time.perf_counter()
    if '--pairwise-complete' in sys.argv:
        estimator = mutual_info_classif if '--discrete-target' in sys.argv else mutual_info_regression
        mi = []
        for j in range(X.shape[1]):
            rows = ~(np.isnan(X[:, j]) | np.isnan(y.astype(np.float64)))
            target = y[rows].astype(int) if '--discrete-target' in sys.argv else y[rows].astype(np.float64)
            mi.append(estimator(X[rows, j:j + 1], target, random_state=0)[0])
    elif '--discrete-target' in sys.argv:
        mi = mutual_info_classif(X, y.astype(int), random_state=0)
    else:
        mi = mutual_info_regression(X, y.astype(np.float64), random_state=0)
    elapsed = time.perf_counter() - started
    print(json.dumps({'features': {c: float(v) for c, v in zip(features, mi)}, 'estimateSeconds': elapsed}))


if __name__ == '__main__':
    main()
