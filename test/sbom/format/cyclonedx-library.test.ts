/**
 * The CycloneDX library is loaded on first use, and JSON output never loads its XML writer.
 * What each step loads is observed in a real child process (see `module-loads.ts`).
 */
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import { describe, expect, it } from 'vitest';
import { cycloneDxJson, cycloneDxSerialize } from '../../../src/sbom/format/cyclonedx-library.js';
import { modulesLoadedBy, ofPackage } from '../../support/module-loads.js';

/** Imports the format module, then encodes one small SBOM in each of `formats`, a step each. */
const encodeEach = (formats: string[]) => `
let encodeSbom;
await step('import', async () => { ({ encodeSbom } = await source('src/sbom/format/index.ts')); });
const sbom = {
  source: { kind: 'lockfile', scheme: 'lockfile', location: 'package-lock.json', name: 'package-lock.json', layers: [] },
  packages: [{ id: 'pkg:npm/ms@2.1.3', name: 'ms', version: '2.1.3', type: 'npm', purl: 'pkg:npm/ms@2.1.3', licenses: [], locations: [{ path: 'package-lock.json' }], foundBy: 'npm-lockfile', metadata: {} }],
  relationships: [], warnings: [], scope: 'squashed',
  tool: { name: 'sealkit', version: '0.0.0' }, timestamp: new Date('2025-01-01T00:00:00Z'),
};
for (const format of ${JSON.stringify(formats)}) await step(format, () => encodeSbom(sbom, format).length);
`;

describe('the CycloneDX library, loaded on first use', () => {
  it('gives the JSON normalizer of the public Serialize entry point, the very same classes', () => {
    expect(cycloneDxJson().Normalize.Factory).toBe(Serialize.JSON.Normalize.Factory);
    expect(cycloneDxSerialize().XmlSerializer).toBe(Serialize.XmlSerializer);
    expect(cycloneDxJson()).toBe(cycloneDxJson());
  });

  it('loads no serializer with the format module, only the JSON normalizer for JSON, and the XML writer for XML', async () => {
    const [load, json, json14, xml] = await modulesLoadedBy(encodeEach(['cyclonedx-json', 'cyclonedx-json@1.4', 'cyclonedx-xml']));
    expect(json!.value).toBeGreaterThan(500);
    expect(xml!.value).toBeGreaterThan(500);

    expect(ofPackage(load!.loaded, '@cyclonedx/cyclonedx-library').filter((url) => url.includes('/serialize/'))).toEqual([]);
    expect(ofPackage(load!.loaded, 'xmlbuilder2')).toEqual([]);

    // the JSON part is taken from the package's own file, not through the entry point that loads XML
    expect(json!.loaded.some((url) => url.endsWith('/dist.node/serialize/json/index.js'))).toBe(true);
    expect(json!.loaded.some((url) => url.endsWith('/dist.node/serialize/index.node.js'))).toBe(false);
    expect(ofPackage(json!.loaded, 'xmlbuilder2')).toEqual([]);
    expect(json14!.loaded).toEqual([]);

    expect(ofPackage(xml!.loaded, 'xmlbuilder2').length).toBeGreaterThan(0);
  });

  it('writes SPDX without loading the serializers at all', async () => {
    const [, ...steps] = await modulesLoadedBy(encodeEach(['spdx-json', 'spdx3-json']));
    for (const step of steps) {
      expect(step.value).toBeGreaterThan(500);
      expect(step.loaded.filter((url) => url.includes('/serialize/') || url.includes('xmlbuilder2'))).toEqual([]);
    }
  });
});
