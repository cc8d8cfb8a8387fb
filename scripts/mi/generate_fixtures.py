#!/usr/bin/python3
"""Generates the scikit-learn parity fixtures of milens' MI engine (test/fixtures/mi/).

Run with Debian's python3-sklearn:  /usr/bin/python3 scripts/mi/generate_fixtures.py
Each case writes a small CSV (values rounded to 10 significant digits, and scikit-learn reads the CSV
back, so both sides see identical numbers) and one JSON file with the data seed, the scikit-learn
version, the call made and the MI per feature in nats. The tie cases (scikit-learn issue #30772) store
scikit-learn's answers without data: the tests rebuild the data and assert that milens differs.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'mi')
DATA_SEED = 20250205
SKLEARN_SEED = 0


def write_case(name, columns, target, call, discrete_features, n_neighbors=3, note=''):
    names = list(columns.keys())
    path = os.path.join(OUT, f'{name}.csv')
    matrix = np.column_stack([columns[c] for c in names])
    header = ','.join(names)
    fmt = ['%d' if np.issubdtype(columns[c].dtype, np.integer) else '%.10g' for c in names]
    np.savetxt(path, matrix, delimiter=',', header=header, comments='', fmt=fmt)
    data = np.genfromtxt(path, delimiter=',', names=True)
    features = [c for c in names if c != target]
    X = np.column_stack([data[c] for c in features])
    y = data[target]
    mask = [c in discrete_features for c in features]
    fn = mutual_info_classif if call == 'mutual_info_classif' else mutual_info_regression
    if call == 'mutual_info_classif':
        y = y.astype(int)
    mi = fn(X, y, discrete_features=mask, n_neighbors=n_neighbors, random_state=SKLEARN_SEED)
    result = {
        'case': name,
        'csv': f'{name}.csv',
        'dataSeed': DATA_SEED,
        'sklearnVersion': sklearn.__version__,
        'call': call,
        'target': target,
        'k': n_neighbors,
        'discreteFeatures': sorted(discrete_features),
        'continuousFeatures': [c for c in features if c not in discrete_features],
        'miNats': {c: float(v) for c, v in zip(features, mi)},
        'note': note,
    }
    with open(os.path.join(OUT, f'{name}.json'), 'w') as handle:
        json.dump(result, handle, indent=2)
    print(name, {c: round(float(v), 4) for c, v in zip(features, mi)})


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(DATA_SEED)

    n = 1000
    x = rng.standard_normal(n)
    noise = rng.standard_normal(n)
    write_case('gaussian-cc', {
        'y': x,
        'rho30': 0.3 * x + np.sqrt(1 - 0.09) * rng.standard_normal(n),
        'rho60': 0.6 * x + 0.8 * rng.standard_normal(n),
        'rho90': 0.9 * x + np.sqrt(1 - 0.81) * rng.standard_normal(n),
        'independent': noise,
    }, 'y', 'mutual_info_regression', [], note='bivariate Gaussians; closed form -0.5 ln(1 - rho^2)')

    u = rng.uniform(-3, 3, n)
    write_case('nonlinear-cc', {
        'y': np.sin(2 * u) + 0.2 * rng.standard_normal(n),
        'u': u,
        'u_squared': u ** 2,
        'exp_u': np.exp(u),
        'independent': rng.uniform(-1, 1, n),
    }, 'y', 'mutual_info_regression', [], note='non-monotone dependence; u and exp(u) carry the same information')

    labels = rng.integers(0, 3, n)
    write_case('classif-cd', {
        'label': labels,
        'shifted': labels * 0.8 + rng.standard_normal(n),
        'spread': rng.standard_normal(n) * (1 + labels),
        'independent': rng.standard_normal(n),
    }, 'label', 'mutual_info_classif', [], note='Ross estimator, continuous features against a discrete target')

    code = rng.integers(0, 4, n)
    write_case('regression-dc', {
        'y': code * 0.5 + rng.standard_normal(n),
        'code': code,
        'other_code': rng.integers(0, 5, n),
        'x': rng.standard_normal(n),
    }, 'y', 'mutual_info_regression', ['code', 'other_code'], note='Ross with the discrete feature as labels against a continuous target')

    a = rng.integers(0, 4, n)
    write_case('discrete-dd', {
        'target': (a + rng.integers(0, 2, n)) % 4,
        'a': a,
        'b': rng.integers(0, 3, n),
        'a_mod_2': a % 2,
    }, 'target', 'mutual_info_classif', ['a', 'b', 'a_mod_2'], note='plug-in MI of the contingency table')

    write_case('gaussian-k5', {
        'y': x,
        'rho60': 0.6 * x + 0.8 * rng.standard_normal(n),
    }, 'y', 'mutual_info_regression', [], n_neighbors=5, note='k = 5')

    # Tie cases: scikit-learn's answers only; the test rebuilds the data.
    ties = {'case': 'ties', 'sklearnVersion': sklearn.__version__, 'dataSeed': DATA_SEED, 'constantVsRare': [], 'tiedIndependent': []}
    for size in [1000, 10000, 100000]:
        feature = np.ones((size, 1))
        target = (np.arange(size) < max(10, size // 1000)).astype(int)
        value = mutual_info_classif(feature, target, random_state=SKLEARN_SEED)[0]
        ties['constantVsRare'].append({'rows': size, 'rareCount': int(target.sum()), 'sklearnNats': float(value)})
        print('constant vs rare', size, value)
    # Independent, heavily tied columns: x takes 3 values (i·7919 mod 3), y is a rare label
    # ((i·104729 mod 101) == 0, about 1%); test/main/mi/ties.test.ts builds the same columns.
    for size in [1000, 10000, 100000]:
        i = np.arange(size)
        x = ((i * 7919) % 3).astype(float)
        y = ((i * 104729) % 101 == 0).astype(int)
        value = mutual_info_classif(x.reshape(-1, 1), y, random_state=SKLEARN_SEED)[0]
        ties['tiedIndependent'].append({'rows': size, 'sklearnNats': float(value)})
        print('tied independent', size, value)
    with open(os.path.join(OUT, 'ties.json'), 'w') as handle:
        json.dump(ties, handle, indent=2)


if __name__ == '__main__':
    sys.exit(main())
