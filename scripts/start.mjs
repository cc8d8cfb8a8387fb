// `npm start` (after the build): the desktop app when Electron's binary is installed; otherwise the same
// interface from `milens serve`, opened in the default browser. Electron is an optional dependency whose
// binary download can fail (offline installs, unsupported platforms), and milens must still start.
// Extra arguments go to `milens serve` (e.g. `npm start -- --port 8080`).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './lib/electron-binary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Hands Ctrl+C and termination to the child, and leaves with its exit code. */
function followChild(child) {
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function hasDisplay() {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/** Best effort: a missing opener or a headless machine only means the person opens the URL themselves. */
function openInBrowser(url) {
  if (process.env.MILENS_NO_BROWSER || !hasDisplay()) return;
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replaceAll('&', '^&')]]
        : ['xdg-open', [url]];
  try {
    const opener = spawn(command, args, { stdio: 'ignore', detached: true });
    opener.on('error', () => {});
    opener.unref();
  } catch {
    // Nothing to do: the URL is printed above.
  }
}

function startServe(reason) {
  process.stderr.write(`milens: ${reason}; serving the same UI in your browser instead of the desktop app.\n`);
  const child = spawn(process.execPath, [path.join(root, 'bin', 'milens.js'), 'serve', '--json', ...process.argv.slice(2)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  let announced = false;
  child.stdout.on('data', (chunk) => {
    if (announced) return void process.stdout.write(chunk);
    stdout += chunk.toString('utf8');
    const newline = stdout.indexOf('\n');
    if (newline < 0) return;
    announced = true;
    const { url } = JSON.parse(stdout.slice(0, newline));
    process.stdout.write(
      `\n  milens is running at ${url}\n  (the token in the address keeps other programs out; press Ctrl+C to stop)\n\n`,
    );
    openInBrowser(url);
  });
  followChild(child);
}

/** NODE_OPTIONS without the install-time preload that `.npmrc` adds to every npm script (Electron needs none of it). */
function withoutInstallPreload(nodeOptions) {
  const kept = (nodeOptions ?? '').split(/\s+/).filter((option) => option && !option.startsWith('--import=data:'));
  return kept.join(' ');
}

const electron = findElectronBinary();
if (electron.path) {
  const env = { ...process.env, NODE_OPTIONS: withoutInstallPreload(process.env.NODE_OPTIONS) };
  followChild(spawn(electron.path, [root], { cwd: root, stdio: 'inherit', env }));
} else {
  startServe(electron.reason);
}
