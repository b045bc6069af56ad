import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isSealkitError, UsageError } from '../../../src/errors.js';
import { encodeSbom, parseSbomFormat, SBOM_FORMATS, serializeSbom, type SbomFormat } from '../../../src/sbom/format/index.js';
import { imageSbom, SAMPLES } from './samples.js';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('SBOM_FORMATS', () => {
  it('lists the twelve formats, cyclonedx-json first', () => {
    expect(SBOM_FORMATS).toEqual([
      'cyclonedx-json',
      'cyclonedx-json@1.7',
      'cyclonedx-json@1.6',
      'cyclonedx-json@1.5',
      'cyclonedx-json@1.4',
      'cyclonedx-xml',
      'cyclonedx-xml@1.7',
      'cyclonedx-xml@1.6',
      'cyclonedx-xml@1.5',
      'cyclonedx-xml@1.4',
      'spdx-json',
      'spdx3-json',
    ]);
    expect(Object.isFrozen(SBOM_FORMATS)).toBe(true);
  });
});

describe('parseSbomFormat', () => {
  it('accepts every format name, ignoring case and surrounding space', () => {
    for (const format of SBOM_FORMATS) {
      expect(parseSbomFormat(format)).toBe(format);
      expect(parseSbomFormat(`  ${format.toUpperCase()}\n`)).toBe(format);
    }
  });

  it.each(['', 'cyclonedx', 'cyclonedx-xml@1.3', 'cyclonedx-json@1.3', 'spdx3-json@3.0.1', 'spdx-json-ld', 'spdx-json@3.0', 'spdx-tag-value', 'json'])(
    'rejects %j with FORMAT_UNSUPPORTED naming every valid format',
    (text) => {
      const error = thrown(() => parseSbomFormat(text));
      expect(error).toBeInstanceOf(UsageError);
      expect(isSealkitError(error, 'FORMAT_UNSUPPORTED')).toBe(true);
      for (const format of SBOM_FORMATS) expect((error as Error).message).toContain(format);
    },
  );
});

describe('serializeSbom', () => {
  const specVersion = (text: string): unknown => (JSON.parse(text) as { specVersion?: unknown; spdxVersion?: unknown }).specVersion;

  it('writes CycloneDX 1.6 for cyclonedx-json, byte-identical to cyclonedx-json@1.6', () => {
    const plain = serializeSbom(imageSbom(), 'cyclonedx-json');
    expect(specVersion(plain)).toBe('1.6');
    expect(plain).toBe(serializeSbom(imageSbom(), 'cyclonedx-json@1.6'));
  });

  it('writes the CycloneDX version a versioned name asks for', () => {
    expect(specVersion(serializeSbom(imageSbom(), 'cyclonedx-json@1.7'))).toBe('1.7');
    expect(specVersion(serializeSbom(imageSbom(), 'cyclonedx-json@1.5'))).toBe('1.5');
    expect(specVersion(serializeSbom(imageSbom(), 'cyclonedx-json@1.4'))).toBe('1.4');
  });

  it('writes SPDX 2.3 for spdx-json', () => {
    expect(JSON.parse(serializeSbom(imageSbom(), 'spdx-json'))).toMatchObject({ spdxVersion: 'SPDX-2.3' });
  });

  it('writes SPDX 3.0.1 JSON-LD for spdx3-json', () => {
    const document = JSON.parse(serializeSbom(imageSbom(), 'spdx3-json')) as { '@context': string; '@graph': Array<{ type: string; specVersion?: string }> };
    expect(document['@context']).toBe('https://spdx.org/rdf/3.0.1/spdx-context.jsonld');
    expect(document['@graph'].find((node) => node.type === 'CreationInfo')?.specVersion).toBe('3.0.1');
  });

  it('writes CycloneDX XML of 1.6 for cyclonedx-xml, byte-identical to cyclonedx-xml@1.6, and the version a versioned name asks for', () => {
    const namespace = (text: string) => /<bom xmlns="([^"]+)"/.exec(text)?.[1];
    const plain = serializeSbom(imageSbom(), 'cyclonedx-xml');
    expect(plain.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(namespace(plain)).toBe('http://cyclonedx.org/schema/bom/1.6');
    expect(plain).toBe(serializeSbom(imageSbom(), 'cyclonedx-xml@1.6'));
    for (const version of ['1.7', '1.5', '1.4'] as const) {
      expect(namespace(serializeSbom(imageSbom(), `cyclonedx-xml@${version}`))).toBe(`http://cyclonedx.org/schema/bom/${version}`);
    }
  });

  it('pretty-prints with two-space indentation and exactly one trailing newline, in every format', () => {
    for (const [, make] of SAMPLES) {
      for (const format of SBOM_FORMATS.filter((name) => !name.startsWith('cyclonedx-xml'))) {
        const text = serializeSbom(make(), format);
        expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      }
    }
  });

  it('is byte-identical for the same SBOM in every format', () => {
    for (const format of SBOM_FORMATS) expect(serializeSbom(imageSbom(), format)).toBe(serializeSbom(imageSbom(), format));
  });

  it('rejects a format the type does not allow (a JavaScript caller) with FORMAT_UNSUPPORTED', () => {
    const error = thrown(() => serializeSbom(imageSbom(), 'spdx-tag-value' as SbomFormat));
    expect(isSealkitError(error, 'FORMAT_UNSUPPORTED')).toBe(true);
  });
});

describe('what serializing loads', () => {
  it("loads the CycloneDX library's serializer, not its validators (ajv and its schemas)", () => {
    serializeSbom(imageSbom(), 'cyclonedx-json');
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.some((path) => path.includes('/@cyclonedx/cyclonedx-library/dist.node/serialize/'))).toBe(true);
    expect(loaded.filter((path) => /\/@cyclonedx\/cyclonedx-library\/dist\.node\/(validation|contrib)\/|\/node_modules\/ajv/.test(path))).toEqual([]);
  });
});

describe('encodeSbom', () => {
  it.each(SAMPLES)('is the UTF-8 encoding of serializeSbom in every format: %s', (_name, make) => {
    const sbom = make();
    for (const format of SBOM_FORMATS) expect(encodeSbom(sbom, format).equals(Buffer.from(serializeSbom(sbom, format), 'utf8'))).toBe(true);
  });

  it('refuses an unknown format as serializeSbom does', () => {
    expect(() => encodeSbom(imageSbom(), 'cyclonedx-xml@1.3' as SbomFormat)).toThrow(UsageError);
  });
});
