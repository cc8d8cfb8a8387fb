// Where milens keeps its files: one data folder per user holding the SQLite database and the models.
// MILENS_HOME overrides the folder (tests and portable installs); `--db FILE` overrides the database.
import os from 'node:os';
import path from 'node:path';

export function defaultDataFolder(): string {
  if (process.env.MILENS_HOME) return path.resolve(process.env.MILENS_HOME);
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'milens');
    case 'win32':
      return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'milens');
    default:
      return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'milens');
  }
}

export function defaultDatabasePath(): string {
  return path.join(defaultDataFolder(), 'milens.sqlite');
}

export function defaultModelsFolder(): string {
  return path.join(defaultDataFolder(), 'models');
}
