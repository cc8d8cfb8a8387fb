// Optional downloads that must never fail an install:
// - onnxruntime-node's CUDA execution-provider libraries (Linux x64 only). `.npmrc` stops
//   onnxruntime-node's own script (its `node-options` preload sets ONNXRUNTIME_NODE_INSTALL=skip inside
//   that package's scripts only), which aborts the whole install when the download is refused; here we
//   run the same script with its default behaviour. Its output is captured: on success it is passed
//   on, on failure (offline, a proxy refusing, a timeout) one readable line says what happened and how
//   to fetch the libraries later, never the script's stack trace.
// Run it again at any time (`node scripts/install/fetch-optional-binaries.mjs`) to fetch them on a
// machine that is online; ONNXRUNTIME_NODE_INSTALL=skip (or npm's --onnxruntime-node-install=skip) skips it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const ortScript = path.join('node_modules', 'onnxruntime-node', 'script', 'install.js');

/** The first "SomeError: message" line of a failed run's output (a stack trace's head), else its last line. */
export function failureReason(output) {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const error = lines.find((line) => /^(?:\w+Error|Error)(?: \[\w+\])?: /.test(line));
  const reason = error ?? lines.at(-1) ?? 'no output';
  return reason.length > 200 ? `${reason.slice(0, 200)}…` : reason;
}

/** The user asked to skip onnxruntime-node's downloads (its own flag, as its script reads it). */
function skipRequested() {
  return (process.env.ONNXRUNTIME_NODE_INSTALL || process.env.npm_config_onnxruntime_node_install) === 'skip';
}

function fetchCudaLibraries() {
  const env = { ...process.env };
  // Unset what makes the script skip: the "local install" detection (npm's variables of this package's
  // own script). The .npmrc preload acts only where npm_package_name is onnxruntime-node, never here.
  delete env.npm_package_json;
  delete env.npm_config_local_prefix;
  const result = spawnSync(process.execPath, [ortScript], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: DOWNLOAD_TIMEOUT_MS,
  });
  if (result.status === 0) {
    if (result.stdout) process.stdout.write(result.stdout);
    return;
  }
  const reason = result.error ? result.error.message : failureReason(`${result.stderr ?? ''}\n${result.stdout ?? ''}`);
  console.warn(
    `milens: onnxruntime-node's CUDA libraries were not downloaded (${reason}); ONNX models will run on the CPU. ` +
      'Online, `node scripts/install/fetch-optional-binaries.mjs` fetches them.',
  );
}

if (process.platform === 'linux' && process.arch === 'x64' && existsSync(ortScript) && !skipRequested()) {
  fetchCudaLibraries();
}
