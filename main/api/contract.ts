// The typed API of milens: every call and event that a shell (CLI, local web server, Electron) exposes.
// Shells adapt this module mechanically: `API_METHODS` lists every call, and each shell maps it with a
// `Record<ApiMethod, …>`, so a call without a handler is a compile error rather than a runtime surprise.
// Pure types and constants: imported by the DOM renderer as well as by Node code.

import type { SerializedError } from './errors.js';

// ---------------------------------------------------------------- system

export type BackendName = 'cpu' | 'cuda' | 'metal' | 'typescript';

export interface BackendInfo {
  name: BackendName;
  built: boolean;
  available: boolean;
  /** The backend that kernels use now (MILENS_BACKEND or the best available). */
  selected: boolean;
  device?: string;
  reason?: string;
}

/** The ONNX execution provider that photo embedding uses here, verified by initialising it (models/onnx-sessions.ts). */
export interface OnnxProviderReport {
  /** The provider a model session is created with on this machine. */
  name: 'coreml' | 'cuda' | 'cpu';
  requested: 'auto' | 'coreml' | 'cuda' | 'cpu';
  coremlComputeUnits?: 'all' | 'cpu-and-neural-engine' | 'cpu-and-gpu' | 'cpu-only';
  /** Providers considered or tried first, and why each is not in use (missing here, or its initialisation error). */
  notUsed: Array<{ name: 'coreml' | 'cuda' | 'cpu'; reason: string }>;
}

export interface BackendsReport {
  /** Whether the native addon loaded, and why not. */
  addon: { loaded: boolean; path?: string; reason?: string };
  backends: BackendInfo[];
  /** The ONNX Runtime execution provider for embeddings; `reason` when onnxruntime-node did not load. */
  onnx?: { provider?: OnnxProviderReport; reason?: string };
}

export interface EnergyCounterInfo {
  name: 'apple-ioreport' | 'apple-powermetrics' | 'linux-rapl' | 'nvidia-nvml';
  available: boolean;
  reason?: string;
}

export interface DoctorReport {
  milensVersion: string;
  platform: { os: string; release: string; arch: string; cpuModel: string; cpuCount: number; totalMemoryBytes: number };
  versions: Record<string, string>;
  database: { path: string; schemaVersion: number; sizeBytes: number; journalMode: string };
  /** `installed`: models whose every file is present and verified (see models/installed.ts); `reason` when they could not be listed. */
  models: { folder: string; exists: boolean; installed: string[]; reason?: string };
  onnxRuntime: {
    loaded: boolean;
    version?: string;
    /** Execution providers whose libraries are present (the GPU itself is checked when a model loads). */
    executionProviders: string[];
    /** Providers the onnxruntime build lists but that cannot run here, with the reason. */
    unusableProviders?: Array<{ name: string; reason: string }>;
    /** The provider embedding uses, verified by creating a session with it, and why the others are not used. */
    embeddingProvider?: OnnxProviderReport;
    reason?: string;
  };
  backends: BackendsReport;
  accelerators: Array<{ kind: string; name: string; available: boolean; reason?: string }>;
  energyCounters: EnergyCounterInfo[];
}

// ---------------------------------------------------------------- long jobs: progress and cancel

/** What a long job is doing; the renderer picks its label and the CLI its progress bar from it. */
export type JobKind = 'mi' | 'select' | 'index' | 'embed' | 'bench' | 'download';

/**
 * Any long call accepts a `jobId` chosen by the caller (unique among its jobs in flight, for example a
 * random UUID). Progress then arrives as `jobProgress` events with that id, and `cancelJob(jobId)` stops
 * the call, which rejects with a CANCELLED error after freeing what it held.
 */
export interface JobOptions {
  jobId?: string;
}

export interface JobProgressEvent {
  jobId: string;
  kind: JobKind;
  /** Steps done and the total (null while unknown); a step is whatever the job counts (features, files, trials). */
  done: number;
  total: number | null;
  /** What a step is, for people: "features", "files", "trials", "permutations"… */
  unit: string;
  elapsedMs: number;
  /** Estimated time left from the rate so far; null until it can be estimated. */
  etaMs: number | null;
  /** A short line on what is happening now ("loading table.csv", "permutations of x3"). */
  message?: string;
  /** True on the job's last event (finished, failed or cancelled). */
  finished?: boolean;
}

export interface CancelJobResult {
  /** False when no job of that id was in flight (already finished, or never started). */
  cancelled: boolean;
}

// ---------------------------------------------------------------- mutual information (tables)

export type ColumnKind = 'discrete' | 'continuous';
export type InformationUnit = 'nats' | 'bits';
export type SelectionMethod = 'mrmr' | 'jmi' | 'cmim';

export interface MiRequest extends JobOptions {
  /** Path of a CSV or Parquet file. */
  table: string;
  target: string;
  k?: number;
  targetKind?: ColumnKind;
  /** Feature columns forced to be discrete / continuous. */
  discrete?: string[];
  continuous?: string[];
  /** Feature columns to score; default every column except the target. */
  features?: string[];
  permutations?: number;
  /**
   * Besag–Clifford sequential stop for the permutation test (docs/mi.md): a feature's test ends once
   * this many shuffles reach its observed MI, with p = h / (shuffles run). 0 runs all `permutations`.
   * Default 10.
   */
  stopAfterExceedances?: number;
  seed?: number;
  unit?: InformationUnit;
  /** Discrete–discrete estimator: plug-in (default, as scikit-learn) or Miller–Madow bias-corrected. */
  discreteEstimator?: 'plugin' | 'miller-madow';
  /**
   * Estimate on a systematic sample of about this many rows (every n-th row) of a CSV file too large
   * for this machine's memory; the report's first warning then gives the sample and its sampling error.
   * Without it, such a file is refused with the memory it needs and a suggested sample (docs/mi.md).
   */
  sample?: number;
  /**
   * A column to condition on: when set, every feature's `mi` is the conditional mutual information
   * I(feature; target | given) instead of I(feature; target) (Frenzel–Pompe when any of the three is
   * continuous, plug-in / Miller–Madow when all are discrete; see docs/mi.md). The column is not scored
   * as a feature; its kind is inferred or forced by `discrete` / `continuous` like any other. Rows with
   * a missing value in the feature, the target or this column are dropped for that triple. Pearson,
   * Spearman and dCor stay the unconditional measures of (feature, target), on the triple's rows.
   * Permutation p-values then shuffle the target within strata of this column (docs/mi.md). Must differ
   * from `target`.
   */
  given?: string;
  /**
   * Confounder check (docs/mi.md): for each feature, the column Z among the others that explains the
   * most of I(feature; target), i.e. minimises I(feature; target | Z), reported as `explainedBy`.
   * Candidates are pre-screened (the columns most informative about the target, then about the
   * feature); p-values need `permutations`. Not with `given`.
   */
  explain?: boolean;
  /**
   * Estimator of continuous–continuous pairs: 'ksg' (default, KSG-1 as scikit-learn) or 'lnc' (KSG
   * with the local non-uniformity correction of Gao, Ver Steeg & Galstyan 2015: less biased at strong
   * dependence). Other pairs keep their estimators. Not with `given`.
   */
  estimator?: 'ksg' | 'lnc';
}

/** The confounder check's answer for one feature (MiRequest.explain). */
export interface MiExplanation {
  /** The column Z that minimises I(feature; target | Z) among the screened candidates. */
  column: string;
  /** I(feature; target | column), in the report's unit, clipped at 0. */
  cmi: number;
  /** Conditional permutation p-value of that I(feature; target | column); null without permutations. */
  pValue: number | null;
  /** (I(feature; target) − cmi) / I(feature; target), clipped to [0, 1]: 1 = fully explained by Z. */
  shareExplained: number;
}

export interface MiFeatureResult {
  name: string;
  kind: ColumnKind;
  /**
   * Mutual information with the target, in the report's unit, clipped at 0; conditional on the
   * report's `given` column, I(feature; target | given), when the report has one.
   */
  mi: number;
  pearson: number | null;
  spearman: number | null;
  dcor: number | null;
  /** Permutation-test p-value; null when no permutations were asked for. */
  pValue: number | null;
  /** Shuffles the feature's permutation test ran (fewer than `permutations` when it stopped early); absent without permutations. */
  permutationsRun?: number;
  /** Rows used for this pair, or triple with `given` (rows with a missing value in it are dropped). */
  rows: number;
  droppedRows: number;
  warnings: string[];
  /** Present with `explain` when the feature has some MI with the target and a candidate to test. */
  explainedBy?: MiExplanation;
}

export interface MiReport {
  target: string;
  targetKind: ColumnKind;
  unit: InformationUnit;
  k: number;
  rows: number;
  permutations: number;
  seed: number;
  /** Present only when the request named a `given` column: every `mi` is then conditional on it. */
  given?: string;
  givenKind?: ColumnKind;
  /** Present only with `estimator: 'lnc'`: continuous–continuous `mi` values are then LNC estimates. */
  estimator?: 'lnc';
  features: MiFeatureResult[];
  warnings: string[];
}

export interface SelectRequest extends Omit<
  MiRequest,
  'permutations' | 'stopAfterExceedances' | 'unit' | 'given' | 'explain' | 'estimator'
> {
  method: SelectionMethod;
  count: number;
}

export interface SelectReport {
  method: SelectionMethod;
  target: string;
  unit: InformationUnit;
  selected: Array<{ name: string; score: number }>;
  /** Problems met on the way (constant columns, dropped rows, a count above the number of features). */
  warnings?: string[];
}

// ---------------------------------------------------------------- collections and search

export interface Collection {
  id: number;
  path: string;
  name: string;
  addedAt: string;
  lastIndexedAt: string | null;
  documentCount: number;
  /** True when the folder is no longer there (moved, unmounted, deleted): its index is kept, not emptied. */
  folderMissing?: boolean;
}

export interface IndexReport {
  collection: Collection;
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  skipped: Array<{ path: string; reason: string }>;
  elapsedMs: number;
  /** The photos among the files counted above (photos are items of their collection like documents). */
  photos?: PhotoIndexReport;
}

/** An indexing run's photos and their image–text vectors. */
export interface PhotoIndexReport {
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  /** Image files skipped (their reasons are in the report's `skipped`). */
  skipped: number;
  /** Photos given a vector of `modelId` in this run. */
  embedded: number;
  /** Calls into the model (each a batch of inputs); a photo moved or renamed costs none. */
  modelCalls: number;
  /** The installed image–text model the vectors are of; null when none is installed. */
  modelId: string | null;
  /** Why the model could not be loaded or run (photos are then indexed and embedded on a later run). */
  modelError?: string;
  /** Photos of the collection that still have no vector of `modelId` (all of them without a model). */
  withoutVector: number;
}

export type SearchKind = 'text' | 'image' | 'all';

/** Filters applied before ranking: they choose the collection the PMI is computed over. */
export interface SearchFilters {
  /** Photos taken on or after / before this date (ISO 8601 date or date-time, camera local time). */
  takenFrom?: string;
  takenTo?: string;
  /** Camera make or model, matched case-insensitively as a substring ("x100v", "canon"). */
  camera?: string;
  /** Only photos with (true) or without (false) GPS coordinates. */
  hasLocation?: boolean;
  /** Only items of these collections (ids). */
  collectionIds?: number[];
}

export interface SearchRequest {
  query: string;
  limit?: number;
  kind?: SearchKind;
  /**
   * Replaces the "no match" rule by a plain cut-off: only results whose bits (PMI, log2 p(item|q)/p(item))
   * are above this.
   */
  minBits?: number;
  /** Also list weaker results: every item with positive evidence, even below the match rule. */
  showWeaker?: boolean;
  /** An example image (a file path): searched alone, or combined with the text query. */
  image?: string;
  filters?: SearchFilters;
  /** Re-rank photos by maximal marginal relevance so the first page shows different things. */
  diversify?: boolean;
}

/** What milens read from a photo's bytes and EXIF (null where the file does not say). */
export interface PhotoMetadata {
  /** The real format sniffed from the bytes: jpeg, png, webp, avif, gif, tiff, heic… */
  format: string;
  /** Pixel size after EXIF orientation. */
  width: number;
  height: number;
  /** EXIF DateTimeOriginal as written (local time of the camera), ISO 8601 without offset. */
  takenAt: string | null;
  /** EXIF OffsetTimeOriginal (e.g. "+02:00") where present. */
  takenAtOffset: string | null;
  cameraMake: string | null;
  cameraModel: string | null;
  lens: string | null;
  latitude: number | null;
  longitude: number | null;
}

/** Why a result is where it is: every figure the ranking used, for the "why" panel and --json. */
export interface ResultExplanation {
  /** The model that scored it: a text ranking's name, or an image–text model's id. */
  model: string;
  /** Image–text models: the raw cosine of query and item. */
  cosine?: number;
  /** Bits added (or taken) by the hub correction. */
  hubCorrectionBits?: number;
  /** Bits the collection-wide normaliser subtracted (log mean exp of the logits, in bits). */
  normaliserBits?: number;
  /** Text: the query words the document matched, with their bits. */
  matchedTerms?: Array<{ term: string; bits: number }>;
  /** What else was applied, in words ("filters: camera = X100V (412 of 9,120 photos)"). */
  notes?: string[];
}

export interface SearchResult {
  path: string;
  /** The model's score (sum of per-term PMI in nats for text). */
  score: number;
  /** Pointwise mutual information between query and item, in bits. */
  bits: number;
  kind: 'text' | 'image';
  title?: string;
  snippet: string;
  /** The indexed item's id (stable while the file is in its collection): thumbnails and "open" use it. */
  itemId?: number;
  collectionId?: number;
  /** Photos: what the file and its EXIF say. */
  photo?: PhotoMetadata;
  /** Photos: the shell-relative URL of the thumbnail (served only for indexed items). */
  thumbnail?: { small: string; large: string };
  /** Near-duplicates folded into this result (a burst), best first. */
  folded?: Array<{ path: string; itemId: number; bits: number }>;
  why?: ResultExplanation;
}

export interface SearchResponse {
  query: string;
  results: SearchResult[];
  /** True when nothing cleared the "no match" threshold. */
  noMatch?: boolean;
  elapsedMs?: number;
}

export interface IndexProgressEvent {
  collectionId: number;
  path: string;
  processed: number;
  total: number | null;
}

/** What started an indexing run: the app's folder watcher (in the background) or an indexCollection call. */
export type IndexTrigger = 'watch' | 'call';

/** How one indexing run ended. */
export type IndexFinishedEvent = { collectionId: number; trigger: IndexTrigger } & (
  | {
      ok: true;
      path: string;
      /** Documents in the collection after the run. */
      documentCount: number;
      added: number;
      updated: number;
      removed: number;
      unchanged: number;
      skipped: number;
      elapsedMs: number;
    }
  | { ok: false; error: SerializedError }
);

// ---------------------------------------------------------------- models (downloadable ONNX encoders)

/** What one file of a model is for: the image tower, the text tower, or the tokenizer's vocabulary. */
export type ModelFileRole = 'image-encoder' | 'text-encoder' | 'tokenizer';

export interface ModelFileInfo {
  name: string;
  role: ModelFileRole;
  sizeBytes: number;
  /** The expected SHA-256 (lowercase hex), or null where the manifest has none (download refused by default). */
  sha256: string | null;
  /** Present in the model's folder with the expected size (verified once the model as a whole is installed). */
  installed: boolean;
}

export interface ModelInfo {
  id: string;
  name: string;
  family: string;
  licence: string;
  embeddingDimension: number;
  /** Bytes of all files together. */
  sizeBytes: number;
  /** Every file installed and verified (a receipt recording the checksums was written). */
  installed: boolean;
  /** Every file of the manifest entry has a SHA-256 to check against. */
  checksummed: boolean;
  files: ModelFileInfo[];
}

/** `jobId` (JobOptions): progress as `jobProgress` events (kind "download", in bytes) and cancel with cancelJob. */
export interface ModelDownloadOptions extends JobOptions {
  /** Accept manifest files that have no SHA-256 (they are then checked for size only). */
  allowUnverified?: boolean;
}

export interface ModelDownloadProgressEvent {
  modelId: string;
  /** The file being transferred now. */
  file: string;
  /** Bytes of the whole model on disk so far, and the model's total. */
  bytes: number;
  total: number;
}

// ---------------------------------------------------------------- the app (issue 13): table preview, desktop shell

export interface TableColumnDescription {
  name: string;
  /** How the file stores it: numbers, or text (booleans and words). */
  storage: 'numeric' | 'text';
  /** The kind MI estimation infers for it (override with `discrete` / `continuous`). */
  kind: ColumnKind;
  /** Share of rows whose cell is missing, 0 to 1. */
  missingShare: number;
  /** Distinct present values, counted up to `distinctLimit` (then reported as that limit). */
  distinct: number;
  distinctLimit: number;
}

export interface TableDescription {
  path: string;
  format: 'csv' | 'parquet';
  rows: number;
  columns: TableColumnDescription[];
  /** The first rows, one array of cells per row in column order (null for a missing cell). */
  preview: Array<Array<string | number | null>>;
}

export interface ModelImportReport {
  model: ModelInfo;
  /** Files copied in, and where from. */
  imported: Array<{ file: string; from: string }>;
  /** Files of the model still missing (installed only when none are). */
  missing: string[];
}

/**
 * What only the desktop shell can do, exposed by Electron's preload as `window.milensDesktop` (absent in
 * a browser): open or reveal an indexed item by id, the native folder dialog, and the path of a dropped folder.
 */
export interface MilensDesktop {
  openItem(itemId: number): Promise<{ ok: boolean; reason?: string }>;
  revealItem(itemId: number): Promise<{ ok: boolean; reason?: string }>;
  /** The chosen folder's absolute path, or null when the dialog was cancelled. */
  pickFolder(): Promise<string | null>;
  /** The absolute path of a File dropped on the page ('' when it has none). */
  pathForFile(file: Blob): string;
}

// ---------------------------------------------------------------- benchmarks (time and energy per operation)

export interface BenchRequest extends JobOptions {
  /** Workload names (`listed by milens bench --help`); default every workload. */
  workloads?: string[];
  /** Compute backends (cpu, cuda, metal, typescript); default every available one. */
  backends?: string[];
  /** Measured trials per workload and backend (at least 5 for intervals; default 5). */
  trials?: number;
  /** Unmeasured runs first (default 2). */
  warmups?: number;
  /** The shortest measured window in milliseconds (default 1000; never under 10 × a counter's update interval). */
  minWindowMs?: number;
  /** `full`: the sizes the report's rows name (default); `small`: a quick run on small data (labelled). */
  size?: 'full' | 'small';
}

/** A median with its 95 % confidence interval (report.protocol.intervalMethod says how). */
export interface BenchInterval {
  median: number;
  low: number;
  high: number;
}

export interface BenchEnergySourceInfo {
  name: string;
  available: boolean;
  domains?: string[];
  /** The domains summed into the totals (the others overlap them). */
  totalDomains?: string[];
  updateIntervalMs?: number;
  resolutionJoules?: number;
  reason?: string;
  fix?: string;
}

export type BenchEnergyFigure =
  | {
      source: string;
      available: true;
      domains: string[];
      /** Measured window per trial, median, milliseconds. */
      windowMs: number;
      /** Joules per operation over the window, everything the domains drew. */
      joulesPerOperation: BenchInterval;
      /** Minus the idle power measured just before each window, times the window. */
      baselineSubtractedJoulesPerOperation: BenchInterval;
      idleWatts: BenchInterval;
      method: string;
      /** Per-trial joules per operation (total), for `bench compare`. */
      samples: number[];
      baselineSubtractedSamples: number[];
    }
  | { source: string; available: false; reason: string };

export interface BenchResult {
  workload: string;
  backend: string;
  /** The data the operation ran on, in words ("100,000 rows × 10 continuous features, k = 3"). */
  dataShape: string;
  /** Operations per measured window. */
  repetitions: number;
  trials: number;
  secondsPerOperation: BenchInterval;
  /** Per-trial seconds per operation, for `bench compare`. */
  secondsSamples: number[];
  /** One figure per energy source; empty when no source could be read (see report.energyUnavailable). */
  energy: BenchEnergyFigure[];
  notes: string[];
}

export interface BenchMachine {
  os: string;
  release: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  /** "ac", "battery" or null where the OS does not say. */
  powerSource: 'ac' | 'battery' | null;
  versions: Record<string, string>;
}

export interface BenchReport {
  milensVersion: string;
  startedAt: string;
  finishedAt: string;
  machine: BenchMachine;
  protocol: {
    trials: number;
    warmups: number;
    minWindowMs: number;
    intervalMethod: string;
    order: string;
    baseline: string;
    size: 'full' | 'small';
  };
  sources: BenchEnergySourceInfo[];
  /** Why no energy figure could be given at all, when none could (times are still reported). */
  energyUnavailable?: string;
  results: BenchResult[];
  warnings: string[];
}

// ---------------------------------------------------------------- the API

export interface MilensApi {
  listBackends(): Promise<BackendsReport>;
  doctor(): Promise<DoctorReport>;
  /** Cancels the long call started with this `jobId` (see JobOptions). */
  cancelJob(jobId: string): Promise<CancelJobResult>;

  estimateMi(request: MiRequest): Promise<MiReport>;
  selectFeatures(request: SelectRequest): Promise<SelectReport>;

  listCollections(): Promise<Collection[]>;
  addCollection(path: string): Promise<Collection>;
  removeCollection(id: number): Promise<void>;
  /** `options.jobId`: progress as `jobProgress` events (kind "index") and cancel with cancelJob, at a batch boundary. */
  indexCollection(path: string, options?: JobOptions): Promise<IndexReport>;
  search(request: SearchRequest): Promise<SearchResponse>;

  listModels(): Promise<ModelInfo[]>;
  /** Time and energy per operation of milens' workloads on each backend (`milens bench`). */
  runBenchmark(request: BenchRequest): Promise<BenchReport>;
  downloadModel(id: string, options?: ModelDownloadOptions): Promise<ModelInfo>;

  // ---- app (issue 13)
  /** The columns of a CSV / Parquet file with their inferred kind, missing share and first rows, before any estimate. */
  describeTable(path: string): Promise<TableDescription>;
  /** Installs a model from files downloaded elsewhere: a folder (absolute path) holding them, each checked against the manifest. */
  importModel(id: string, folder: string): Promise<ModelImportReport>;
}

export type ApiMethod = keyof MilensApi;

/** Every call, in one list that the compiler checks against MilensApi. */
export const API_METHODS = [
  'listBackends',
  'doctor',
  'cancelJob',
  'estimateMi',
  'selectFeatures',
  'listCollections',
  'addCollection',
  'removeCollection',
  'indexCollection',
  'search',
  'listModels',
  'downloadModel',
  'describeTable',
  'importModel',
  'runBenchmark',
] as const satisfies readonly ApiMethod[];

// Compile-time check that API_METHODS names every method: fails to compile if one is missing.
type MissingMethods = Exclude<ApiMethod, (typeof API_METHODS)[number]>;
const everyMethodListed: MissingMethods extends never ? true : never = true;
void everyMethodListed;

export interface MilensEvents {
  indexProgress: IndexProgressEvent;
  indexFinished: IndexFinishedEvent;
  modelDownloadProgress: ModelDownloadProgressEvent;
  jobProgress: JobProgressEvent;
}

export type EventName = keyof MilensEvents;

/** A Record so that an event added to MilensEvents but not listed here is a compile error. */
const EVENTS: Record<EventName, true> = { indexProgress: true, indexFinished: true, modelDownloadProgress: true, jobProgress: true };
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

export type ApiRequest<M extends ApiMethod> = Parameters<MilensApi[M]>;
export type ApiResponse<M extends ApiMethod> = Awaited<ReturnType<MilensApi[M]>>;

/** The wire format of every shell's reply. */
export type ApiReply<M extends ApiMethod> = { ok: true; value: ApiResponse<M> } | { ok: false; error: SerializedError };

/**
 * The two-function surface through which a renderer reaches the API, whatever the shell: Electron's
 * preload exposes it as `window.milens`; in a browser the HTTP bridge implements it over fetch + SSE.
 */
export interface MilensBridge {
  /** Calls one API method; never rejects for an API error, which comes back as `{ ok: false }`. */
  invoke<M extends ApiMethod>(method: M, args: ApiRequest<M>): Promise<ApiReply<M>>;
  /** Subscribes to one event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: MilensEvents[E]) => void): () => void;
}
