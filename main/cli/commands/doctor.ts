import type { Command } from 'commander';
import { formatTable, printJson, printText } from '../output.js';
import { withApi, withDatabaseOption, withJsonOption, type CommonOptions } from '../shell.js';
import { describeOnnxProvider } from './backends.js';

export function registerDoctor(program: Command): void {
  withJsonOption(
    withDatabaseOption(
      program
        .command('doctor')
        .description('describe this machine and installation: versions, database, models, accelerators, energy counters'),
    ),
  ).action(async (options: CommonOptions) => {
    const report = await withApi(options, (api) => api.doctor());
    if (options.json) return printJson(report);
    const { platform, database, models, onnxRuntime } = report;
    const rows: Array<[string, string]> = [
      ['milens', report.milensVersion],
      ['platform', `${platform.os} ${platform.release} ${platform.arch}`],
      ['cpu', `${platform.cpuModel} (${platform.cpuCount} threads)`],
      ['memory', `${(platform.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB`],
      ...Object.entries(report.versions).map(([name, version]): [string, string] => [name, version]),
      ['database', `${database.path} (schema ${database.schemaVersion}, ${database.journalMode}, ${database.sizeBytes} bytes)`],
      ['models', `${models.folder}${models.exists ? ` (${models.installed.length} installed)` : ' (not created yet)'}`],
      [
        'onnx providers',
        onnxRuntime.loaded
          ? [
              onnxRuntime.executionProviders.join(', '),
              ...(onnxRuntime.unusableProviders ?? []).map((p) => `${p.name} unusable: ${p.reason}`),
            ].join('; ')
          : `onnxruntime not loaded: ${onnxRuntime.reason}`,
      ],
      ['onnx embedding', describeOnnxProvider(onnxRuntime.embeddingProvider, onnxRuntime.reason).replace(/^onnx embedding provider: /, '')],
      ...report.backends.backends.map((b): [string, string] => [
        `backend ${b.name}`,
        `${b.available ? 'available' : 'unavailable'}${b.selected ? ' (in use)' : ''}${b.device ? `: ${b.device}` : ''}${b.reason ? `: ${b.reason}` : ''}`,
      ]),
      ...report.energyCounters.map((c): [string, string] => [`energy ${c.name}`, c.available ? 'readable' : `unavailable: ${c.reason}`]),
    ];
    printText(formatTable(['item', 'value'], rows));
  });
}
