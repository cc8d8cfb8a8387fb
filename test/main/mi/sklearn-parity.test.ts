// Parity with scikit-learn 1.2 (Debian's python3-sklearn): the fixtures in test/fixtures/mi were made by
// scripts/mi/generate_fixtures.py from seeded data. Away from ties, milens computes the same KSG / Ross /
// plug-in sums on the same numbers; the only difference is scikit-learn's 1e-10 noise, drawn from
// NumPy's generator, which moves no neighbour count in these data. Hence the tight tolerance.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getCompute } from '../../../main/compute/index.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { loadTable } from '../../../main/table/load.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'mi');
const TOLERANCE_NATS = 1e-6;

interface Fixture {
  case: string;
  csv: string;
  target: string;
  k: number;
  call: 'mutual_info_regression' | 'mutual_info_classif';
  discreteFeatures: string[];
  continuousFeatures: string[];
  miNats: Record<string, number>;
}

const CASES = ['gaussian-cc', 'nonlinear-cc', 'classif-cd', 'regression-dc', 'discrete-dd', 'gaussian-k5'];

describe('parity with scikit-learn', () => {
  for (const name of CASES) {
    it(`${name} agrees within ${TOLERANCE_NATS} nats`, async () => {
      const fixture = JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
      const table = await loadTable(path.join(FIXTURES, fixture.csv));
      const report = await estimateMutualInformation(await getCompute(), table, fixture.target, {
        k: fixture.k,
        targetKind: fixture.call === 'mutual_info_classif' ? 'discrete' : 'continuous',
        discrete: fixture.discreteFeatures,
        continuous: fixture.continuousFeatures,
      });
      for (const [feature, expected] of Object.entries(fixture.miNats)) {
        const actual = report.features.find((result) => result.name === feature)!;
        expect(actual, feature).toBeDefined();
        expect(Math.abs(actual.mi - expected), `${name}/${feature}: milens ${actual.mi} vs scikit-learn ${expected}`).toBeLessThan(
          TOLERANCE_NATS,
        );
      }
    });
  }
});
