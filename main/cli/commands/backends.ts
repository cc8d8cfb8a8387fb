import type { Command } from 'commander';
import type { OnnxProviderReport } from '../../api/contract.js';
import { formatTable, printJson, printText } from '../output.js';
import { withApi, withJsonOption, type CommonOptions } from '../shell.js';

export function registerBackends(program: Command): void {
  withJsonOption(
    program.command('backends').description('list the compute backends: which were built, which initialised, which is in use, and why not'),
  ).action(async (options: CommonOptions) => {
    const report = await withApi(options, (api) => api.listBackends());
    if (options.json) return printJson(report);
    printText(`native addon: ${report.addon.loaded ? `loaded (${report.addon.path})` : `not loaded: ${report.addon.reason}`}`);
    printText(
      formatTable(
        ['backend', 'built', 'available', 'in use', 'device / reason'],
        report.backends.map((b) => [
          b.name,
          b.built ? 'yes' : 'no',
          b.available ? 'yes' : 'no',
          b.selected ? '*' : '',
          b.device ?? b.reason ?? '',
        ]),
      ),
    );
    if (report.onnx) printText(describeOnnxProvider(report.onnx.provider, report.onnx.reason));
  });
}

/** One line on the ONNX execution provider used for photo embedding and why the others are not. */
export function describeOnnxProvider(provider: OnnxProviderReport | undefined, reason?: string): string {
  if (!provider) return `onnx embedding provider: none (${reason ?? 'onnxruntime-node did not load'})`;
  const units = provider.coremlComputeUnits ? ` (compute units: ${provider.coremlComputeUnits})` : '';
  const others = provider.notUsed.map((entry) => `${entry.name}: ${entry.reason}`).join('; ');
  return `onnx embedding provider: ${provider.name}${units}${others ? `; not used: ${others}` : ''}`;
}
