// ONNX Runtime sessions: inference runs off the JavaScript thread (the event loop keeps ticking during a long
// run), the provider plan and its reasons, fallbacks for a requested provider that cannot run here, a clear
// error for a file that is not a model. Real onnxruntime-node (CPU provider); no GPU or Mac exists here, so
// the CUDA and CoreML cases check the reasons they are skipped.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireSession, createSession, loadOnnxRuntime, providerEntry, providerPlan } from '../../models/onnx-sessions.js';
import { makeTempFolder } from '../helpers/temp.js';
import { rejection } from '../helpers/errors.js';
// @ts-expect-error: plain JavaScript graph builder shared with the test-model script
import { FLOAT, encodeModel, initializer, node, valueInfo } from '../../scripts/lib/onnx-builder.mjs';

const WIDTH = 1024;
const LAYERS = 8;

/** y = x W W … W (LAYERS matrix products of [N, 1024] by [1024, 1024]): about 17 GFLOP for N = 1024. */
function heavyGraph(): Buffer {
  const weights = new Float32Array(WIDTH * WIDTH).map((_, i) => ((i * 2654435761) % 1000) / 1e6);
  const nodes = [];
  for (let layer = 0; layer < LAYERS; layer++)
    nodes.push(node('MatMul', [layer === 0 ? 'x' : `h${layer}`, 'w'], [layer === LAYERS - 1 ? 'y' : `h${layer + 1}`]));
  return encodeModel({
    name: 'heavy',
    inputs: [valueInfo('x', FLOAT, ['n', WIDTH])],
    outputs: [valueInfo('y', FLOAT, ['n', WIDTH])],
    initializers: [initializer('w', [WIDTH, WIDTH], weights)],
    nodes,
  }) as Buffer;
}

describe('ONNX sessions', () => {
  it('runs inference off the main thread: the event loop keeps ticking while a long run is in flight', async () => {
    const file = path.join(makeTempFolder(), 'heavy.onnx');
    writeFileSync(file, heavyGraph());
    const shared = await acquireSession(file, { provider: 'cpu' });
    const rows = 1024;
    const input = { type: 'float32' as const, data: new Float32Array(rows * WIDTH).fill(0.5), dims: [rows, WIDTH] };
    let ticks = 0;
    let finished = false;
    const ticking = (async () => {
      while (!finished) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        ticks++;
      }
    })();
    const ticksWhenRunReturned = ticks;
    const output = await shared.session.run({ x: input });
    finished = true;
    await ticking;
    expect(ticksWhenRunReturned).toBe(0);
    // A run that blocked the thread would resolve before any timer fired; this one let many fire.
    expect(ticks).toBeGreaterThan(5);
    expect(output.y.dims).toEqual([rows, WIDTH]);
    expect(Number.isFinite((output.y.data as Float32Array)[0])).toBe(true);
    await shared.release();
  }, 120_000);

  it("needs the worker: onnxruntime-node's own run computes on the calling thread and no timer fires meanwhile", async () => {
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(heavyGraph(), { executionProviders: ['cpu'] });
    const rows = 256;
    let ticks = 0;
    let finished = false;
    const ticking = (async () => {
      while (!finished) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        ticks++;
      }
    })();
    await session.run({ x: new ort.Tensor('float32', new Float32Array(rows * WIDTH).fill(0.5), [rows, WIDTH]) });
    const ticksDuringRun = ticks;
    finished = true;
    await ticking;
    // At most the one timer that was already due when the blocking run began.
    expect(ticksDuringRun).toBeLessThanOrEqual(1);
    await session.release();
  }, 120_000);

  it('plans the platform order: CPU last, every provider left out with its reason', () => {
    const auto = providerPlan({ provider: 'auto' });
    expect(auto.order.at(-1)).toBe('cpu');
    if (process.platform === 'linux') {
      expect(auto.skipped.map((entry) => entry.name).sort()).toEqual(['coreml', 'cuda']);
      expect(auto.skipped.find((entry) => entry.name === 'coreml')?.reason).toBe('CoreML exists only on macOS');
    }
    expect(providerPlan({ provider: 'cpu' })).toEqual({ order: ['cpu'], skipped: [] });
  });

  it('falls back to CPU with the reason when a requested provider cannot run here, and refuses unknown names', async () => {
    const graph = heavyGraph();
    if (process.platform !== 'darwin') {
      const { session, provider } = await createSession(graph, { provider: 'coreml' });
      expect(provider).toEqual({ name: 'cpu', requested: 'coreml', notUsed: [{ name: 'coreml', reason: 'CoreML exists only on macOS' }] });
      await session.release();
    }
    const previous = process.env.MILENS_ONNX_PROVIDER;
    process.env.MILENS_ONNX_PROVIDER = 'cuda';
    try {
      const { session, provider } = await createSession(graph);
      expect(provider.requested).toBe('cuda');
      expect(provider.notUsed.map((entry) => entry.name)).toContain('cuda');
      expect(provider.name).toBe('cpu');
      await session.release();
    } finally {
      if (previous === undefined) delete process.env.MILENS_ONNX_PROVIDER;
      else process.env.MILENS_ONNX_PROVIDER = previous;
    }
    expect((await rejection(createSession(graph, { provider: 'tpu' as never }))).message).toContain('Unknown execution provider "tpu"');
  });

  it('maps CoreML compute units to the binding flags and MLComputeUnits, and CUDA to device 0 (entries only: neither runs here)', () => {
    expect(providerEntry('cpu')).toBe('cpu');
    expect(providerEntry('cuda')).toEqual({ name: 'cuda', deviceId: 0 });
    expect(providerEntry('coreml')).toEqual({ name: 'coreml', coreMlFlags: 0x010, MLComputeUnits: 'ALL' });
    expect(providerEntry('coreml', { coremlComputeUnits: 'cpu-only' })).toEqual({
      name: 'coreml',
      coreMlFlags: 0x011,
      MLComputeUnits: 'CPUOnly',
    });
    expect(providerEntry('coreml', { coremlComputeUnits: 'cpu-and-gpu' })).toEqual({
      name: 'coreml',
      coreMlFlags: 0x030,
      MLComputeUnits: 'CPUAndGPU',
    });
    expect(providerEntry('coreml', { coremlComputeUnits: 'cpu-and-neural-engine' })).toEqual({
      name: 'coreml',
      coreMlFlags: 0x014,
      MLComputeUnits: 'CPUAndNeuralEngine',
    });
    expect(() => providerEntry('coreml', { coremlComputeUnits: 'npu' as never })).toThrow(/Unknown CoreML compute units "npu"/);
  });

  it('names the file when it is not an ONNX model', async () => {
    const file = path.join(makeTempFolder(), 'broken.onnx');
    writeFileSync(file, 'not a protobuf at all');
    const error = await rejection(acquireSession(file));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(file);
  });
});
