// The program each pool worker runs: it receives JobRequests, runs the handler registered for the
// request's type and posts back the result (ArrayBuffers the handler marked are transferred).
//
// HOW TO ADD A JOB TYPE (for example `image`: decode, EXIF, thumbnails):
//   1. Write the handler in its own module, e.g. `main/ingest/isolation/jobs/image-job.ts`, exporting
//      `export async function imageJob(payload: ImageJobPayload, context: JobContext): Promise<ImageJobResult>`.
//      Return plain data (structured clone); call `context.transfer(buffer)` for each ArrayBuffer of the
//      result to move it instead of copying it; throw `new JobRefusedError('reason')` for an expected
//      refusal (it becomes the skip reason as is). Any other error is reported as "<label> failed: message".
//   2. Register it below with one line: `image: async () => (await import('./jobs/image-job.js')).imageJob,`
//   3. Call it from the main thread: `await extractionPool().run<ImageJobResult>('image', payload,
//      { label: 'image decoding', transfer: [bytes.buffer] })`. Out of memory, time budget, crash and
//      cancellation come back as a JobFailed whose `reason` names the limit.
// Handlers are loaded on the first job of their type, so a worker that only extracts text never loads sharp.
import { parentPort } from 'node:worker_threads';
import { JobRefusedError, type JobHandler, type JobReply, type JobRequest } from './job-protocol.js';

const JOB_HANDLERS: Record<string, () => Promise<JobHandler>> = {
  text: async () => (await import('./jobs/text-extraction-job.js')).textExtractionJob,
  image: async () => (await import('./jobs/image-job.js')).imageJob,
};

const loaded = new Map<string, Promise<JobHandler>>();

function handlerOf(type: string): Promise<JobHandler> | undefined {
  const load = Object.hasOwn(JOB_HANDLERS, type) ? JOB_HANDLERS[type] : undefined;
  if (!load) return undefined;
  let handler = loaded.get(type);
  if (!handler) {
    handler = load();
    loaded.set(type, handler);
  }
  return handler;
}

async function runJob(request: JobRequest): Promise<void> {
  const port = parentPort!;
  const transfer: ArrayBuffer[] = [];
  let reply: JobReply;
  try {
    const handler = handlerOf(request.type);
    if (!handler) throw new Error(`no handler for job type "${request.type}"`);
    const run = await handler;
    port.postMessage({ id: request.id, started: true } satisfies JobReply);
    const value = await run(request.payload as never, { transfer: (buffer) => transfer.push(buffer) });
    reply = { id: request.id, ok: true, value };
  } catch (error) {
    const refused = error instanceof JobRefusedError;
    const message = refused ? error.reason : error instanceof Error ? error.message : String(error);
    reply = { id: request.id, ok: false, refused, message, name: error instanceof Error ? error.name : 'Error' };
    transfer.length = 0;
  }
  port.postMessage(reply, transfer);
}

if (!parentPort) throw new Error('worker-entry.js runs only as a worker thread of the extraction pool');
parentPort.on('message', (request: JobRequest) => void runJob(request));
