// The serve shell's default address, apart from bind-address.ts so that the CLI can name it in its help
// without loading node:net at every start.
export const DEFAULT_HOST = '127.0.0.1';
