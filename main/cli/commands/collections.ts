// `milens collections list|remove`: the folders milens indexes.
import type { Command } from 'commander';
import { invalidArgument } from '../../api/errors.js';
import { formatTable, printJson, printText } from '../output.js';
import { withApi, withDatabaseOption, withJsonOption, type CommonOptions } from '../shell.js';

export function registerCollections(program: Command): void {
  const collections = program.command('collections').description('list or remove indexed folders');
  withJsonOption(withDatabaseOption(collections.command('list').description('list the indexed folders'))).action(
    async (options: CommonOptions) => {
      const list = await withApi(options, (api) => api.listCollections());
      if (options.json) return printJson(list);
      if (list.length === 0) return printText('no collections yet (add one with `milens index <folder>`)');
      printText(
        formatTable(
          ['id', 'path', 'documents', 'last indexed'],
          list.map((c) => [c.id, c.path, c.documentCount, c.lastIndexedAt]),
        ),
      );
    },
  );
  withJsonOption(
    withDatabaseOption(
      collections
        .command('remove')
        .argument('<id>', 'collection id (see `milens collections list`)')
        .description('forget a folder and its index (the files are not touched)'),
    ),
  ).action(async (idText: string, options: CommonOptions) => {
    const id = Number(idText);
    if (!Number.isInteger(id) || id < 1) throw invalidArgument(`Expected a collection id but received ${JSON.stringify(idText)}.`);
    await withApi(options, (api) => api.removeCollection(id));
    if (options.json) return printJson({ removed: id });
    printText(`removed collection ${id}`);
  });
}
