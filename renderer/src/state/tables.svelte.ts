// State of the Tables page: which file and target to score, the options of the estimate, the MI
// report (shown in bits) and a feature selection over the same table.
import type { MiReport, MilensApi, MiRequest, SelectionMethod, SelectReport } from '../../../main/api/contract.js';
import { asApiCallError, type ApiCallError } from '../lib/api-error.js';
import { correlationMissesDependence, toBits } from '../lib/dependence.js';

export interface FeatureRow {
  name: string;
  kind: string;
  miBits: number;
  pearson: number | null;
  spearman: number | null;
  dcor: number | null;
  pValue: number | null;
  rows: number;
  warnings: string[];
  correlationMisses: boolean;
}

function splitColumns(text: string): string[] | undefined {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 ? names : undefined;
}

export class TablesState {
  tablePath = $state('');
  target = $state('');
  neighbours = $state(3);
  permutations = $state(0);
  seed = $state(1);
  discreteColumns = $state('');

  report = $state<MiReport | null>(null);
  estimating = $state(false);
  estimateError = $state<ApiCallError | null>(null);

  method = $state<SelectionMethod>('mrmr');
  count = $state(5);
  selection = $state<SelectReport | null>(null);
  selecting = $state(false);
  selectError = $state<ApiCallError | null>(null);

  readonly ready = $derived(this.tablePath.trim() !== '' && this.target.trim() !== '');

  /** Features by decreasing MI, in bits, flagged where correlation misses the dependence. */
  readonly rows = $derived.by((): FeatureRow[] => {
    const report = this.report;
    if (!report) return [];
    return report.features
      .map((feature) => {
        const miBits = toBits(feature.mi, report.unit);
        return {
          name: feature.name,
          kind: feature.kind,
          miBits,
          pearson: feature.pearson,
          spearman: feature.spearman,
          dcor: feature.dcor,
          pValue: feature.pValue,
          rows: feature.rows,
          warnings: feature.warnings,
          correlationMisses: correlationMissesDependence(feature, miBits),
        };
      })
      .sort((a, b) => b.miBits - a.miBits);
  });

  readonly missedCount = $derived(this.rows.filter((row) => row.correlationMisses).length);

  private readonly api: MilensApi;

  constructor(api: MilensApi) {
    this.api = api;
  }

  private baseRequest(): Pick<MiRequest, 'table' | 'target' | 'k' | 'seed' | 'discrete'> {
    return {
      table: this.tablePath.trim(),
      target: this.target.trim(),
      k: this.neighbours,
      seed: this.seed,
      discrete: splitColumns(this.discreteColumns),
    };
  }

  async estimate(): Promise<void> {
    if (!this.ready) return;
    this.estimating = true;
    try {
      this.report = await this.api.estimateMi({ ...this.baseRequest(), permutations: this.permutations, unit: 'bits' });
      this.estimateError = null;
    } catch (error) {
      this.report = null;
      this.estimateError = asApiCallError('estimateMi', error);
    } finally {
      this.estimating = false;
    }
  }

  async select(): Promise<void> {
    if (!this.ready) return;
    this.selecting = true;
    try {
      this.selection = await this.api.selectFeatures({ ...this.baseRequest(), method: this.method, count: this.count });
      this.selectError = null;
    } catch (error) {
      this.selection = null;
      this.selectError = asApiCallError('selectFeatures', error);
    } finally {
      this.selecting = false;
    }
  }
}
