// Types of electron-binary.mjs, for the TypeScript tests that import it.
export declare function findElectronBinary(): { path?: string; reason?: string };
