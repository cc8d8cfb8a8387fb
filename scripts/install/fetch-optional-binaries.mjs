// Optional downloads that must never fail an install:
// - onnxruntime-node's CUDA execution-provider libraries (Linux x64 only). `.npmrc` stops
//   onnxruntime-node's own script, which aborts the whole install when the download is refused; here
//   we run the same script with its default behaviour and only warn when it cannot reach the network.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ortScript = path.join('node_modules', 'onnxruntime-node', 'script', 'install.js');
if (process.platform === 'linux' && process.arch === 'x64' && existsSync(ortScript) && process.env.ONNXRUNTIME_NODE_INSTALL !== 'skip') {
  const env = { ...process.env };
  // Unset what makes the script skip: our .npmrc flag and the "local install" detection.
  delete env.npm_config_onnxruntime_node_install;
  delete env.npm_package_json;
  delete env.npm_config_local_prefix;
  const result = spawnSync(process.execPath, [ortScript], { env, stdio: 'inherit', timeout: 10 * 60_000 });
  if (result.status !== 0) {
    console.warn('milens: onnxruntime-node CUDA libraries were not downloaded; ONNX models will run on the CPU.');
  }
}
