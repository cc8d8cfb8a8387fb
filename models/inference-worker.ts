// One ONNX Runtime session in its own worker thread. onnxruntime-node's `session.run` returns a promise but
// does the work synchronously on the calling thread (inside a setImmediate), so a long run on the main thread
// would stop the event loop — UI events, HTTP requests, progress — for its whole duration. Each encoder
// session therefore lives in a worker: the main thread posts input tensors (their buffers transferred, not
// copied) and awaits the outputs, and the event loop keeps running meanwhile.
//
// The worker's code is a string evaluated by Node (`eval: true`) and onnxruntime-node is loaded by its
// resolved path, so the same code works from the sources (tests), the compiled dist/, the bundled CLI and
// the packaged app, none of which would agree on the path of a separate worker file.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { invalidArgument, unavailable } from '../main/api/errors.js';

const require = createRequire(import.meta.url);

export type TensorType = 'float32' | 'int64' | 'int32';

export interface TensorData {
  type: TensorType;
  data: Float32Array | BigInt64Array | Int32Array;
  dims: readonly number[];
}

export interface EncoderSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the graph in the worker. The feeds' buffers are transferred to it: do not reuse them afterwards. */
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  /** Releases the session and ends its worker. */
  release(): Promise<void>;
}

/** One provider to try, with the execution-provider entry onnxruntime takes for it. */
export interface ProviderCandidate {
  name: string;
  entry: unknown;
}

export interface WorkerStart {
  model: string | Uint8Array;
  candidates: ProviderCandidate[];
  sessionOptions: Record<string, unknown>;
}

export interface WorkerStarted {
  session: EncoderSession;
  /** The candidate that initialised. */
  provider: string;
  /** Candidates tried before it, with their error. */
  failures: Array<{ name: string; message: string }>;
}

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const firstLine = (error) => String((error && error.message) || error).split('\\n')[0];
let session = null;

async function start() {
  const failures = [];
  for (const candidate of workerData.candidates) {
    try {
      const options = Object.assign({}, workerData.sessionOptions, { executionProviders: [candidate.entry] });
      session = await ort.InferenceSession.create(workerData.model, options);
      parentPort.postMessage({ kind: 'ready', provider: candidate.name, failures, inputNames: session.inputNames, outputNames: session.outputNames });
      return;
    } catch (error) {
      failures.push({ name: candidate.name, message: firstLine(error) });
    }
  }
  parentPort.postMessage({ kind: 'failed', failures });
}

parentPort.on('message', async (message) => {
  if (message.kind === 'run') {
    try {
      const feeds = {};
      for (const name of Object.keys(message.feeds)) {
        const tensor = message.feeds[name];
        feeds[name] = new ort.Tensor(tensor.type, tensor.data, tensor.dims);
      }
      const results = await session.run(feeds);
      const outputs = {};
      for (const name of Object.keys(results)) {
        outputs[name] = { type: results[name].type, data: results[name].data, dims: results[name].dims };
      }
      parentPort.postMessage({ kind: 'result', id: message.id, outputs });
    } catch (error) {
      parentPort.postMessage({ kind: 'result', id: message.id, error: firstLine(error) });
    }
  } else if (message.kind === 'release') {
    if (session) await session.release();
    process.exit(0);
  }
});

start().catch((error) => parentPort.postMessage({ kind: 'failed', failures: [{ name: 'worker', message: firstLine(error) }] }));
`;

interface Pending {
  resolve: (outputs: Record<string, TensorData>) => void;
  reject: (error: Error) => void;
}

function transferable(data: TensorData['data']): ArrayBuffer {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  return whole ? (data.buffer as ArrayBuffer) : (data.slice().buffer as ArrayBuffer);
}

/** Starts a worker that creates the session with the first candidate provider that initialises. */
export function startSessionWorker(start: WorkerStart, label: string): Promise<WorkerStarted> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { ortPath: require.resolve('onnxruntime-node'), ...start },
  });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let stopped: Error | null = null;
  // An idle worker must not keep the process alive; one with runs in flight must.
  const updateRef = (): void => (pending.size > 0 ? worker.ref() : worker.unref());

  return new Promise<WorkerStarted>((resolveStart, rejectStart) => {
    let started = false;
    const fail = (error: Error): void => {
      stopped ??= error;
      if (!started) rejectStart(error);
      for (const entry of pending.values()) entry.reject(error);
      pending.clear();
    };
    worker.on('error', (error) => fail(unavailable(`The inference worker for ${label} failed: ${error.message}`)));
    worker.on('exit', (code) => fail(unavailable(`The inference worker for ${label} stopped (exit code ${code})`)));
    worker.on('message', (message: Record<string, unknown>) => {
      if (message.kind === 'failed') {
        started = true;
        const failures = message.failures as WorkerStarted['failures'];
        rejectStart(
          invalidArgument(`Cannot load the ONNX model ${label}: ${failures.map((f) => `${f.name}: ${f.message}`).join('; ')}`, {
            file: label,
          }),
        );
        void worker.terminate();
        return;
      }
      if (message.kind === 'ready') {
        started = true;
        updateRef();
        resolveStart({
          provider: message.provider as string,
          failures: message.failures as WorkerStarted['failures'],
          session: {
            inputNames: message.inputNames as string[],
            outputNames: message.outputNames as string[],
            run(feeds) {
              if (stopped) return Promise.reject(stopped);
              const id = nextId++;
              const transfer = Object.values(feeds).map((tensor) => transferable(tensor.data));
              const posted = Object.fromEntries(
                Object.entries(feeds).map(([name, tensor], index) => [
                  name,
                  {
                    type: tensor.type,
                    dims: [...tensor.dims],
                    data: new (tensor.data.constructor as Float32ArrayConstructor)(transfer[index]),
                  },
                ]),
              );
              return new Promise((resolve, reject) => {
                pending.set(id, { resolve, reject });
                updateRef();
                worker.postMessage({ kind: 'run', id, feeds: posted }, transfer);
              });
            },
            async release() {
              if (stopped) return;
              stopped = invalidArgument(`The ONNX session for ${label} was released`);
              const exited = new Promise((resolve) => worker.once('exit', resolve));
              // Held until it has exited: an unreferenced worker would let the process end mid-release.
              worker.ref();
              worker.postMessage({ kind: 'release' });
              await exited;
            },
          },
        });
        return;
      }
      if (message.kind === 'result') {
        const entry = pending.get(message.id as number);
        if (!entry) return;
        pending.delete(message.id as number);
        updateRef();
        if (typeof message.error === 'string') entry.reject(unavailable(`${label}: inference failed: ${message.error}`));
        else entry.resolve(message.outputs as Record<string, TensorData>);
      }
    });
  });
}
