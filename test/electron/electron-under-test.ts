// Which Electron the smoke test drives: MILENS_ELECTRON_BINARY, the executable of a packaged or unpacked
// app (CI's `release/smoke/mac-arm64/milens.app/Contents/MacOS/milens`), launched as it is; else the
// electron package's binary where its optional download succeeded, launched on this repository's built
// dist/. Otherwise the reason there is none, for the skip message (MILENS_REQUIRE_ELECTRON=1 turns the
// skip into a failure, as in CI).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { findElectronBinary } from '../../scripts/lib/electron-binary.mjs';

export type ElectronUnderTest =
  | { kind: 'packaged'; executable: string; reason?: undefined }
  | { kind: 'development'; executable: string; reason?: undefined }
  | { kind: 'none'; reason: string; executable?: undefined };

const BUILT_FILES = ['dist/main/app/main.js', 'dist/main/host/core-worker.js', 'dist/preload/preload.cjs', 'dist/renderer/index.html'];

export function electronUnderTest(
  env: NodeJS.ProcessEnv,
  repositoryRoot: string,
  electronPackage: () => { path?: string; reason?: string } = findElectronBinary,
): ElectronUnderTest {
  const given = env.MILENS_ELECTRON_BINARY;
  if (given) {
    const executable = path.resolve(repositoryRoot, given);
    if (!existsSync(executable)) return { kind: 'none', reason: `MILENS_ELECTRON_BINARY names ${executable}, which does not exist` };
    if (!statSync(executable).isFile())
      return {
        kind: 'none',
        reason: `MILENS_ELECTRON_BINARY names ${executable}, which is not a file (name the executable inside the app)`,
      };
    return { kind: 'packaged', executable };
  }
  const binary = electronPackage();
  if (!binary.path)
    return {
      kind: 'none',
      reason: `${binary.reason ?? 'no Electron binary'}; or set MILENS_ELECTRON_BINARY to a packaged app's executable`,
    };
  const missing = BUILT_FILES.find((file) => !existsSync(path.join(repositoryRoot, file)));
  if (missing) return { kind: 'none', reason: `${missing} is missing: run \`npm run build\` first` };
  return { kind: 'development', executable: binary.path };
}

/** The arguments of the launch: a packaged app loads itself; the electron package's binary loads the repository. */
export function launchArguments(target: ElectronUnderTest, repositoryRoot: string): string[] {
  return target.kind === 'development' ? [repositoryRoot] : [];
}
