// `milens models list|download|import`: the downloadable ONNX models (see docs/models.md). Downloads resume
// an interrupted transfer and verify every file's SHA-256 before installing it; `import` installs files
// downloaded elsewhere, verified the same way. Progress goes to stderr, results to stdout.
import type { Command } from 'commander';
import type { ModelInfo } from '../../api/contract.js';
import { formatTable, logInfo, printJson, printText } from '../output.js';
import { withApi, withJsonOption, type CommonOptions } from '../shell.js';

interface ModelCommandOptions extends CommonOptions {
  allowUnverified?: boolean;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function printModel(model: ModelInfo): void {
  printText(`${model.id}: ${model.name} (${model.installed ? 'installed' : 'not installed'})`);
  printText(
    formatTable(
      ['file', 'role', 'size', 'present'],
      model.files.map((file) => [file.name, file.role, megabytes(file.sizeBytes), file.installed ? 'yes' : 'no']),
    ),
  );
}

/** Progress on stderr: one rewritten line on a terminal, a line per tenth of the model otherwise. */
function progressPrinter(modelId: string): (bytes: number, total: number) => void {
  let lastTenth = -1;
  return (bytes, total) => {
    const text = `downloading ${modelId}: ${megabytes(bytes)} of ${megabytes(total)} (${Math.floor((100 * bytes) / total)}%)`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${text}${bytes === total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor((10 * bytes) / total);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    logInfo(text);
  };
}

export function registerModels(program: Command): void {
  const models = program.command('models').description('list, download or import the ONNX models used for photo search');

  withJsonOption(models.command('list').description('list the downloadable models and which are installed')).action(
    async (options: CommonOptions) => {
      const list = await withApi(options, (api) => api.listModels());
      if (options.json) return printJson(list);
      printText(
        formatTable(
          ['id', 'name', 'family', 'dims', 'size', 'licence', 'installed'],
          list.map((m) => [m.id, m.name, m.family, m.embeddingDimension, megabytes(m.sizeBytes), m.licence, m.installed ? 'yes' : 'no']),
        ),
      );
    },
  );

  withJsonOption(
    models
      .command('download')
      .argument('<id>', 'model id (see `milens models list`)')
      .option('--allow-unverified', 'accept manifest files that have no SHA-256 (checked for size only)')
      .description('download a model, resuming an interrupted download, and install it once every checksum matches'),
  ).action(async (id: string, options: ModelCommandOptions) => {
    const model = await withApi(options, (api, core) => {
      const progress = progressPrinter(id);
      const stop = core.context.on('modelDownloadProgress', (event) => {
        if (event.modelId === id) progress(event.bytes, event.total);
      });
      return api.downloadModel(id, { allowUnverified: options.allowUnverified ?? false }).finally(stop);
    });
    if (options.json) return printJson(model);
    printModel(model);
  });

  withJsonOption(
    models
      .command('import')
      .argument('<id>', 'model id (see `milens models list`)')
      .argument('<paths...>', 'folders or files downloaded elsewhere')
      .option('--allow-unverified', 'accept manifest files that have no SHA-256 (checked for size only)')
      .description('install model files downloaded elsewhere, verifying each against the manifest checksum'),
  ).action(async (id: string, paths: string[], options: ModelCommandOptions) => {
    const [{ importModel }, { activeManifest, findModel }] = await Promise.all([
      import('../../../models/import.js'),
      import('../../../models/manifest.js'),
    ]);
    const result = await withApi(options, (_api, core) =>
      importModel({
        modelsFolder: core.context.modelsFolder,
        model: findModel(activeManifest(), id),
        sources: paths,
        allowUnverified: options.allowUnverified ?? false,
      }),
    );
    if (options.json) return printJson(result);
    for (const entry of result.imported) printText(`imported ${entry.file} from ${entry.from}`);
    printModel(result.model);
    if (result.missing.length > 0) printText(`still missing: ${result.missing.join(', ')} (import or download them to finish)`);
  });
}
