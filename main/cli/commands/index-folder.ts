// `milens index <folder>`: adds the folder as a collection if new, then brings its index up to date.
import path from 'node:path';
import type { Command } from 'commander';
import type { PhotoIndexReport } from '../../api/contract.js';
import { createProgressReporter, formatTable, printJson, printText } from '../output.js';
import { withApi, withDatabaseOption, withJsonOption, type CommonOptions } from '../shell.js';

export function registerIndexFolder(program: Command): void {
  withJsonOption(
    withDatabaseOption(
      program
        .command('index')
        .argument('<folder>', 'folder of notes, documents and photos (indexed recursively; the files are only read)')
        .description('add a folder as a collection if new, then index new, changed and deleted files'),
    ),
  ).action(async (folder: string, options: CommonOptions) => {
    const report = await withApi(options, (api, core) => {
      const progress = createProgressReporter(`indexing ${folder}`);
      const stop = core.context.on('indexProgress', (event) => progress(event.processed, event.total));
      // The command line has the person's own working folder: a relative argument means that one.
      return api.indexCollection(path.resolve(folder)).finally(stop);
    });
    if (options.json) return printJson(report);
    printText(`collection ${report.collection.id}: ${report.collection.path} (${report.collection.documentCount} documents)`);
    printText(
      formatTable(
        ['added', 'updated', 'removed', 'unchanged', 'skipped', 'seconds'],
        [
          [
            report.added,
            report.updated,
            report.removed,
            report.unchanged,
            report.skipped.length,
            Number((report.elapsedMs / 1000).toFixed(2)),
          ],
        ],
      ),
    );
    if (report.photos && hasPhotos(report.photos)) printText(describePhotos(report.photos));
    if (report.skipped.length > 0) {
      printText('\nskipped:');
      printText(
        formatTable(
          ['path', 'reason'],
          report.skipped.map((entry) => [entry.path, entry.reason]),
        ),
      );
    }
  });
}

/** One paragraph on the run's photos: counts, then the vectors and the model they are of. */
export function describePhotos(photos: PhotoIndexReport): string {
  const counts = `photos: ${photos.added} added, ${photos.updated} updated, ${photos.removed} removed, ${photos.unchanged} unchanged, ${photos.skipped} skipped`;
  const model = photos.modelId
    ? `image vectors (${photos.modelId}): ${photos.embedded} computed in ${photos.modelCalls} model calls, ${photos.withoutVector} photos still without one`
    : `no image-text model installed: ${photos.withoutVector} photos indexed without vectors (\`milens models download\` to search them by text)`;
  return `\n${counts}\n${model}${photos.modelError ? `\nmodel error: ${photos.modelError}` : ''}`;
}

function hasPhotos(photos: PhotoIndexReport): boolean {
  return photos.added + photos.updated + photos.removed + photos.unchanged + photos.skipped > 0;
}
