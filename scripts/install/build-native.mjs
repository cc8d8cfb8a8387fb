// Builds (or finds a prebuilt) native compute addon. A machine without a compiler still installs:
// milens then runs its pure-TypeScript kernels and `milens backends` says why the addon is missing.
// Set MILENS_REQUIRE_NATIVE=1 (CI does) to make a failed build fail the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('binding.gyp')) process.exit(0);
const result = spawnSync(process.execPath, ['node_modules/node-gyp-build/bin.js'], { stdio: 'inherit' });
if (result.status !== 0) {
  const message = 'milens: the native compute addon did not build; the pure-TypeScript kernels will be used.';
  if (process.env.MILENS_REQUIRE_NATIVE === '1') {
    console.error(message);
    process.exit(result.status ?? 1);
  }
  console.warn(message);
}
