#!/usr/bin/env node
// Reads the Electron fuses of a packaged app (the .app bundle, or the executable on Linux and Windows)
// with @electron/fuses and compares each with the `electronFuses` block of an electron-builder config
// (electron-builder.yml by default): exits 1 naming every fuse that differs. The macOS workflow runs it
// on the dmg's app, so a hardening fuse that electron-builder failed to flip fails the build.
//   node scripts/check-fuses.mjs release/mac-arm64/milens.app [--config electron-builder.yml]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The fuses a config sets: electron-builder's camelCase keys mapped to @electron/fuses' FuseV1Options.
 * @param {string} configPath
 * @returns {Promise<Array<{ key: string; option: number; wanted: boolean }>>}
 */
export async function configuredFuses(configPath) {
  const { load } = await import('js-yaml');
  const { FuseV1Options } = await import('@electron/fuses');
  const config = /** @type {{ electronFuses?: Record<string, boolean> }} */ (load(readFileSync(configPath, 'utf8')));
  if (!config?.electronFuses) throw new Error(`${configPath} has no electronFuses block`);
  return Object.entries(config.electronFuses).map(([key, wanted]) => {
    const name = Object.keys(FuseV1Options).find(
      (candidate) => candidate.toLowerCase() === key.toLowerCase() && Number.isNaN(Number(candidate)),
    );
    if (!name) throw new Error(`${configPath}: electronFuses.${key} is not a fuse @electron/fuses knows`);
    return { key, option: FuseV1Options[/** @type {keyof typeof FuseV1Options} */ (name)], wanted };
  });
}

/**
 * The fuses of `app` that differ from the config, in words (empty when all agree).
 * @param {string} app
 * @param {string} configPath
 * @returns {Promise<string[]>}
 */
export async function fuseMismatches(app, configPath) {
  const { FuseState, getCurrentFuseWire } = await import('@electron/fuses');
  const wire = /** @type {Record<number, number> & { version: string }} */ (/** @type {unknown} */ (await getCurrentFuseWire(app)));
  if (wire.version !== '1')
    return [`the fuse wire of ${app} is version ${wire.version}, which this script does not know (update @electron/fuses)`];
  const words = (/** @type {number | undefined} */ state) =>
    state === FuseState.ENABLE ? 'on' : state === FuseState.DISABLE ? 'off' : state === undefined ? 'absent' : `state ${state}`;
  const problems = [];
  for (const { key, option, wanted } of await configuredFuses(configPath)) {
    const state = wire[option];
    if (state !== (wanted ? FuseState.ENABLE : FuseState.DISABLE))
      problems.push(`${key}: wanted ${wanted ? 'on' : 'off'}, the app has it ${words(state)}`);
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [app, ...rest] = process.argv.slice(2);
  const configIndex = rest.indexOf('--config');
  const configPath = configIndex >= 0 ? rest[configIndex + 1] : 'electron-builder.yml';
  if (!app || !configPath) {
    console.error('usage: node scripts/check-fuses.mjs <app or executable> [--config electron-builder.yml]');
    process.exit(2);
  }
  const problems = await fuseMismatches(app, configPath);
  if (problems.length > 0) {
    console.error(`check-fuses: ${app} does not have the fuses of ${configPath}:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`check-fuses: ${app} has every fuse of ${configPath}`);
}
