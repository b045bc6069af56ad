import { createRequire } from 'node:module';

// src/version.ts and dist/version.js both sit one level below the package root.
const manifest = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** The name and version of this sealkit, as recorded in documents it writes. */
export const TOOL = { name: manifest.name, version: manifest.version } as const;
