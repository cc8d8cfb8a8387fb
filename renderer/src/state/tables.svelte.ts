// State of the Tables view: open a CSV / Parquet file and see its columns first (describeTable), pick the
// target and kinds from them, then estimate MI (optionally conditional on one column) and select features,
// each as a job with progress, time left and cancel. Results sort by any column and export as CSV / JSON.
import type { ColumnKind, MiReport, MiRequest, SelectionMethod, SelectReport, TableDescription } from '../../../main/api/contract.js';
import { asApiCallError, type ApiCallError } from '../lib/api-error.js';
import type { MilensClient } from '../lib/api-client.js';
import { correlationMissesDependence, toBits } from '../lib/dependence.js';
import { newJobId } from '../lib/job-id.js';

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

export type SortKey = 'name' | 'miBits' | 'pearson' | 'spearman' | 'dcor' | 'pValue';

/** A continuous target with more distinct values than this, marked discrete, earns a warning. */
const DISCRETE_TARGET_WARN_LEVELS = 32;

function sortValue(row: FeatureRow, key: SortKey): number | string {
  if (key === 'name') return row.name;
  const value = row[key];
  if (value === null) return Number.NEGATIVE_INFINITY;
  return key === 'pValue' ? -value : Math.abs(value);
}

export class TablesState {
  tablePath = $state('');
  description = $state<TableDescription | null>(null);
  describing = $state(false);
  describeError = $state<ApiCallError | null>(null);

  target = $state('');
  /** Kinds the person chose per column ('' = as inferred). */
  kindOverrides = $state<Record<string, ColumnKind | ''>>({});
  given = $state('');
  neighbours = $state(3);
  permutations = $state(0);
  seed = $state(1);

  report = $state<MiReport | null>(null);
  miJob = $state<string | null>(null);
  estimateError = $state<ApiCallError | null>(null);
  estimateCancelled = $state(false);

  method = $state<SelectionMethod>('mrmr');
  count = $state(5);
  selection = $state<SelectReport | null>(null);
  selectJob = $state<string | null>(null);
  selectError = $state<ApiCallError | null>(null);
  selectCancelled = $state(false);

  /** Set when a Cancel reached no running job (a build whose estimators do not take a jobId yet). */
  cancelUnavailable = $state(false);

  sortKey = $state<SortKey>('miBits');
  sortDescending = $state(true);

  readonly columnNames = $derived(this.description?.columns.map((column) => column.name) ?? []);
  readonly featureCount = $derived(Math.max(0, this.columnNames.length - (this.target ? 1 : 0) - (this.given ? 1 : 0)));
  readonly ready = $derived(this.description !== null && this.columnNames.includes(this.target));
  readonly estimating = $derived(this.miJob !== null);
  readonly selecting = $derived(this.selectJob !== null);

  readonly targetColumn = $derived(this.description?.columns.find((column) => column.name === this.target) ?? null);
  readonly targetKind = $derived<ColumnKind | null>(
    this.targetColumn ? this.kindOverrides[this.targetColumn.name] || this.targetColumn.kind : null,
  );
  /** Warnings about the choices, shown before anything runs. */
  readonly choiceWarnings = $derived.by((): string[] => {
    const warnings: string[] = [];
    const column = this.targetColumn;
    if (column && this.targetKind === 'discrete' && column.storage === 'numeric' && column.kind === 'continuous') {
      const levels = column.distinct >= column.distinctLimit ? `${column.distinctLimit} or more` : String(column.distinct);
      if (column.distinct > DISCRETE_TARGET_WARN_LEVELS)
        warnings.push(
          `${column.name} looks continuous (${levels} distinct values) but is marked discrete: every value becomes its own class, and MI is then overestimated.`,
        );
    }
    if (this.description && this.count > this.featureCount)
      warnings.push(
        `You asked for ${this.count} features but the table has ${this.featureCount} besides the target${this.given ? ' and the given column' : ''}.`,
      );
    if (this.given !== '' && this.given === this.target) warnings.push('The given column must differ from the target.');
    return warnings;
  });

  /** Features by the chosen order, MI in bits, flagged where correlation misses the dependence. */
  readonly rows = $derived.by((): FeatureRow[] => {
    const report = this.report;
    if (!report) return [];
    const rows = report.features.map((feature) => {
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
    });
    const direction = this.sortDescending ? -1 : 1;
    const key = this.sortKey;
    return rows.sort((a, b) => {
      const left = sortValue(a, key);
      const right = sortValue(b, key);
      const order = typeof left === 'string' ? left.localeCompare(String(right)) : left - (right as number);
      return order * direction || a.name.localeCompare(b.name);
    });
  });

  readonly missedCount = $derived(this.rows.filter((row) => row.correlationMisses).length);

  private readonly client: MilensClient;

  constructor(client: MilensClient) {
    this.client = client;
  }

  /** Cancels the MI estimate or the selection in flight. */
  async cancel(which: 'estimate' | 'select'): Promise<void> {
    const jobId = which === 'estimate' ? this.miJob : this.selectJob;
    if (!jobId) return;
    const { cancelled } = await this.client.api.cancelJob(jobId).catch(() => ({ cancelled: false }));
    // The job may have just finished; only a job still running that the core does not know is "unavailable".
    if (!cancelled && (which === 'estimate' ? this.miJob : this.selectJob) === jobId) this.cancelUnavailable = true;
  }

  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.sortDescending = !this.sortDescending;
    else {
      this.sortKey = key;
      this.sortDescending = key !== 'name';
    }
  }

  async describe(): Promise<void> {
    const file = this.tablePath.trim();
    if (!file) return;
    this.describing = true;
    try {
      const description = await this.client.api.describeTable(file);
      this.description = description;
      this.describeError = null;
      this.report = null;
      this.selection = null;
      this.kindOverrides = Object.fromEntries(description.columns.map((column) => [column.name, '' as const]));
      this.given = '';
      // The last column is the usual place of a target; the person changes it in one click.
      if (!description.columns.some((column) => column.name === this.target)) this.target = description.columns.at(-1)?.name ?? '';
    } catch (error) {
      this.description = null;
      this.describeError = asApiCallError('describeTable', error);
    } finally {
      this.describing = false;
    }
  }

  private baseRequest(): Pick<MiRequest, 'table' | 'target' | 'k' | 'seed' | 'discrete' | 'continuous' | 'targetKind'> {
    const discrete: string[] = [];
    const continuous: string[] = [];
    for (const [name, kind] of Object.entries(this.kindOverrides)) {
      if (name === this.target || !kind) continue;
      (kind === 'discrete' ? discrete : continuous).push(name);
    }
    const targetOverride = this.kindOverrides[this.target];
    return {
      table: this.description?.path ?? this.tablePath.trim(),
      target: this.target,
      k: this.neighbours,
      seed: this.seed,
      ...(discrete.length > 0 ? { discrete } : {}),
      ...(continuous.length > 0 ? { continuous } : {}),
      ...(targetOverride ? { targetKind: targetOverride } : {}),
    };
  }

  async estimate(): Promise<void> {
    if (!this.ready || this.estimating) return;
    const jobId = newJobId('mi');
    this.miJob = jobId;
    this.estimateCancelled = false;
    this.cancelUnavailable = false;
    try {
      const permutations = Math.max(0, Math.floor(Number(this.permutations) || 0));
      this.report = await this.client.api.estimateMi({
        ...this.baseRequest(),
        permutations,
        unit: 'bits',
        ...(this.given ? { given: this.given } : {}),
        jobId,
      });
      this.estimateError = null;
    } catch (error) {
      const failure = asApiCallError('estimateMi', error);
      if (failure.code === 'CANCELLED') this.estimateCancelled = true;
      else this.estimateError = failure;
    } finally {
      this.miJob = null;
    }
  }

  async select(): Promise<void> {
    if (!this.ready || this.selecting) return;
    const jobId = newJobId('select');
    this.selectJob = jobId;
    this.selectCancelled = false;
    this.cancelUnavailable = false;
    try {
      this.selection = await this.client.api.selectFeatures({
        ...this.baseRequest(),
        method: this.method,
        count: Math.max(1, Math.floor(this.count)),
        jobId,
      });
      this.selectError = null;
    } catch (error) {
      const failure = asApiCallError('selectFeatures', error);
      if (failure.code === 'CANCELLED') this.selectCancelled = true;
      else this.selectError = failure;
    } finally {
      this.selectJob = null;
    }
  }
}
