// Starts the real `milens serve` (the built CLI, as a user runs it) in a child process on a free port
// with a temporary database, and stops it with SIGTERM as Ctrl+C would.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServeProcess {
  url: string;
  origin: string;
  port: number;
  token: string;
  stderr: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function missingBuild(): string | undefined {
  for (const file of ['dist/cli/milens.js', 'dist/renderer/index.html']) {
    if (!existsSync(path.join(REPOSITORY_ROOT, file))) return `${file} is missing: run \`npm run build\` first`;
  }
  return undefined;
}

export interface ServeProcessOptions {
  /** Extra environment, e.g. a model mirror (MILENS_MODEL_BASE_URL, MILENS_MODEL_MANIFEST). */
  env?: Record<string, string>;
  /** Extra arguments of `milens serve`, e.g. --no-watch. */
  args?: string[];
  /** The --port to pass (default 0, a free one); 'remembered' passes none: the data folder's port of last time. */
  port?: number | 'remembered';
}

export async function startServeProcess(
  databasePath: string,
  dataFolder: string,
  options: ServeProcessOptions = {},
): Promise<ServeProcess> {
  const port = options.port ?? 0;
  const portArgs = port === 'remembered' ? [] : ['--port', String(port)];
  const args = ['bin/milens.js', 'serve', ...portArgs, '--db', databasePath, '--json', ...(options.args ?? [])];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, MILENS_HOME: dataFolder, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const announced = await new Promise<{ url: string; port: number; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`milens serve printed no URL within 30 s; stderr:\n${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout.slice(0, newline)));
      } catch (error) {
        reject(new Error(`milens serve printed something other than JSON: ${stdout}`, { cause: error }));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`milens serve exited with ${code} before printing its URL; stderr:\n${stderr}`));
    });
  });

  return {
    ...announced,
    origin: new URL(announced.url).origin,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
