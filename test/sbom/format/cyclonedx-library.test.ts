/**
 * The CycloneDX library is loaded on first use, and JSON output never loads its XML writer.
 * What a process loads is observed in a real child process running the TypeScript sources, with a
 * module hook that records every file that Node loads (ES modules and CommonJS alike).
 */
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycloneDxJson, cycloneDxSerialize } from '../../../src/sbom/format/cyclonedx-library.js';
import { tempDir } from '../../support/image-builder.js';

const CHILD = `import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
const loaded = [];
registerHooks({
  resolve(specifier, context, next) {
    try { return next(specifier, context); } catch (error) {
      if (specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
      throw error;
    }
  },
  load(url, context, next) { loaded.push(url); return next(url, context); },
});
const [root, ...formats] = process.argv.slice(2);
const at = (path) => pathToFileURL(root + path).href;
const { encodeSbom } = await import(at('/src/sbom/format/index.ts'));
const sbom = {
  source: { kind: 'lockfile', scheme: 'lockfile', location: 'package-lock.json', name: 'package-lock.json', layers: [] },
  packages: [{ id: 'pkg:npm/ms@2.1.3', name: 'ms', version: '2.1.3', type: 'npm', purl: 'pkg:npm/ms@2.1.3', licenses: [], locations: [{ path: 'package-lock.json' }], foundBy: 'npm-lockfile', metadata: {} }],
  relationships: [], warnings: [], scope: 'squashed',
  tool: { name: 'sealkit', version: '0.0.0' }, timestamp: new Date('2025-01-01T00:00:00Z'),
};
const report = { before: loaded.length, steps: [] };
for (const format of formats) {
  const start = loaded.length;
  const bytes = encodeSbom(sbom, format).length;
  report.steps.push({ format, bytes, loaded: loaded.slice(start) });
}
report.atImport = loaded.slice(0, report.before);
process.stdout.write(JSON.stringify(report));
`;

interface Report {
  atImport: string[];
  steps: { format: string; bytes: number; loaded: string[] }[];
}

let dir: string;
let child: string;
beforeAll(async () => {
  dir = await tempDir();
  child = join(dir, 'child.mjs');
  await writeFile(child, CHILD);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadsOf(formats: string[]): Promise<Report> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--experimental-transform-types', '--no-warnings', child, resolve('.'), ...formats], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Report;
}

const fromPackage = (urls: string[], name: string) => urls.filter((url) => url.includes(`/node_modules/${name}/`));

describe('the CycloneDX library, loaded on first use', () => {
  it('gives the JSON normalizer of the public Serialize entry point, the very same classes', () => {
    expect(cycloneDxJson().Normalize.Factory).toBe(Serialize.JSON.Normalize.Factory);
    expect(cycloneDxSerialize().XmlSerializer).toBe(Serialize.XmlSerializer);
    expect(cycloneDxJson()).toBe(cycloneDxJson());
  });

  it('loads no serializer with the format module, only the JSON normalizer for JSON, and the XML writer for XML', async () => {
    const report = await loadsOf(['cyclonedx-json', 'cyclonedx-json@1.4', 'cyclonedx-xml']);
    const [json, json14, xml] = report.steps;
    expect(json!.bytes).toBeGreaterThan(500);
    expect(xml!.bytes).toBeGreaterThan(500);

    expect(fromPackage(report.atImport, '@cyclonedx/cyclonedx-library').filter((url) => url.includes('/serialize/'))).toEqual([]);
    expect(fromPackage(report.atImport, 'xmlbuilder2')).toEqual([]);

    // the JSON part is taken from the package's own file, not through the entry point that loads XML
    expect(json!.loaded.some((url) => url.endsWith('/dist.node/serialize/json/index.js'))).toBe(true);
    expect(json!.loaded.some((url) => url.endsWith('/dist.node/serialize/index.node.js'))).toBe(false);
    expect(fromPackage(json!.loaded, 'xmlbuilder2')).toEqual([]);
    expect(json14!.loaded).toEqual([]);

    expect(fromPackage(xml!.loaded, 'xmlbuilder2').length).toBeGreaterThan(0);
  });

  it('writes SPDX without loading the serializers at all', async () => {
    const report = await loadsOf(['spdx-json', 'spdx3-json']);
    for (const step of report.steps) {
      expect(step.bytes).toBeGreaterThan(500);
      expect(step.loaded.filter((url) => url.includes('/serialize/') || url.includes('xmlbuilder2'))).toEqual([]);
    }
  });
});
