/**
 * Every SBOM format sealkit writes, validated against its official schema: CycloneDX JSON of
 * every version with the CycloneDX library's strict validator (the schemas ship inside the
 * library), CycloneDX XML of every version against the library's XSDs with libxml2 compiled to
 * WebAssembly, SPDX 2.3 and SPDX 3.0.1 against the schemas of the shared corpus beside the
 * repository (see its README; never copied into the project).
 *
 * Three kinds of input: the real e2e image (built by scripts/image/build-real-image.mjs when its
 * cache lacks it), a source tree (the whole fixtures/catalog directory as a `dir:` source: every
 * lockfile, manifest and database the catalogers' fixtures hold) and the hand-built samples, which
 * cover what the pipeline may not yet produce (projects as subjects, dev packages). For each,
 * every format is also serialized twice (byte-identical) and holds the same package URLs.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validation } from '@cyclonedx/cyclonedx-library';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { SBOM_FORMATS, serializeSbom, type SbomFormat } from '../../src/sbom/format/index.js';
import { generateSbom } from '../../src/sbom/generate.js';
import type { Sbom } from '../../src/sbom/model.js';
import { SAMPLES } from '../sbom/format/samples.js';
import { skipWithoutCorpus } from '../verify/support/corpus.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SHARED = process.env.SEALKIT_SCHEMAS ?? join(REPO, '..', 'shared', 'schemas');
const SPDX2_SCHEMA = join(SHARED, 'spdx-2.3.schema.json');
const SPDX3_SCHEMA = join(SHARED, 'spdx-3.0.1.schema.json');
const CYCLONEDX_SCHEMAS = join(REPO, 'node_modules', '@cyclonedx', 'cyclonedx-library', 'res', 'schema');
const PRESENT = existsSync(SPDX2_SCHEMA) && existsSync(SPDX3_SCHEMA);
const TIMESTAMP = '2025-01-01T00:00:00Z';

type Check = (text: string) => Promise<string>;

const spdxValidators = new Map<string, ValidateFunction>();

/** SPDX 2.3 declares draft-07 (Ajv's default build), SPDX 3.0.1 draft 2020-12 (Ajv2020). */
function spdxValidator(path: string): ValidateFunction {
  const known = spdxValidators.get(path);
  if (known !== undefined) return known;
  const schema = JSON.parse(readFileSync(path, 'utf8')) as { $schema?: string };
  const ajv =
    schema.$schema === 'https://json-schema.org/draft/2020-12/schema'
      ? new Ajv2020({ strict: false, allErrors: true })
      : new Ajv({ strict: true, allErrors: true });
  if (schema.$schema !== 'https://json-schema.org/draft/2020-12/schema' && schema.$schema !== 'http://json-schema.org/draft-07/schema#') {
    throw new Error(`${path} declares ${schema.$schema}, which this test does not know`);
  }
  ajvFormats.default(ajv as Ajv);
  const validate = ajv.compile(schema);
  spdxValidators.set(path, validate);
  return validate;
}

function spdxCheck(path: string): Check {
  return (text) => {
    const validate = spdxValidator(path);
    return Promise.resolve(validate(JSON.parse(text)) ? '' : JSON.stringify(validate.errors?.slice(0, 10), null, 2));
  };
}

function cyclonedxJsonCheck(version: string): Check {
  const validator = new Validation.JsonStrictValidator(version as never);
  return async (text) => {
    const errors = await validator.validate(text);
    return errors === null ? '' : JSON.stringify(errors, null, 2).slice(0, 4000);
  };
}

function cyclonedxXmlCheck(version: string): Check {
  const xsd = (name: string) => ({ fileName: name, contents: readFileSync(join(CYCLONEDX_SCHEMAS, name), 'utf8') });
  return async (text) => {
    const result = await validateXML({
      xml: [{ fileName: 'bom.xml', contents: text }],
      schema: [xsd(`bom-${version}.SNAPSHOT.xsd`)],
      preload: [xsd('spdx.SNAPSHOT.xsd')],
      // a real image's document is a few MiB; libxml2's tree of it needs more than the 16 MiB default
      maxMemoryPages: 16_384,
    });
    return result.valid ? '' : result.errors.slice(0, 10).map((e) => e.rawMessage).join('\n');
  };
}

/** The official schema of each format. */
function checkOf(format: SbomFormat): Check {
  if (format === 'spdx-json') return spdxCheck(SPDX2_SCHEMA);
  if (format === 'spdx3-json') return spdxCheck(SPDX3_SCHEMA);
  const version = format.split('@')[1] ?? '1.6';
  return format.startsWith('cyclonedx-xml') ? cyclonedxXmlCheck(version) : cyclonedxJsonCheck(version);
}

/** Every package URL a document holds, read the way a consumer of its format would. */
function purlsOf(format: SbomFormat, text: string): string[] {
  const purls: string[] = [];
  if (format.startsWith('cyclonedx-xml')) {
    const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });
    collect(parser.parse(text), 'purl', purls);
  } else if (format.startsWith('cyclonedx-json')) {
    collect(JSON.parse(text), 'purl', purls);
  } else if (format === 'spdx-json') {
    const document = JSON.parse(text) as { packages: Array<{ externalRefs?: Array<{ referenceType: string; referenceLocator: string }> }> };
    for (const pkg of document.packages) for (const ref of pkg.externalRefs ?? []) if (ref.referenceType === 'purl') purls.push(ref.referenceLocator);
  } else {
    const document = JSON.parse(text) as { '@graph': Array<{ type: string; software_packageUrl?: string }> };
    for (const node of document['@graph']) if (node.type === 'software_Package' && node.software_packageUrl !== undefined) purls.push(node.software_packageUrl);
  }
  return [...new Set(purls)].sort();
}

function collect(value: unknown, key: string, into: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, key, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [name, member] of Object.entries(value)) {
      if (name === key && typeof member === 'string') into.push(member);
      else collect(member, key, into);
    }
  }
}

/** What every format must hold: the packages' URLs and the projects'. */
function expectedPurls(sbom: Sbom): string[] {
  const all = [...sbom.packages.map((p) => p.purl), ...(sbom.projects ?? []).map((p) => p.purl ?? '')];
  return [...new Set(all.filter((purl) => purl !== ''))].sort();
}

async function realImageSbom(): Promise<Sbom> {
  const script = join(REPO, 'scripts', 'image', 'build-real-image.mjs');
  const { ensureRealImage } = (await import(script)) as { ensureRealImage: () => Promise<{ dir: string; description: { archives: Record<string, string> } }> };
  const image = await ensureRealImage();
  const archive = image.description.archives['oci-archive'];
  if (archive === undefined) throw new Error('the real image has no OCI archive');
  return generateSbom(`oci-archive:${join(image.dir, archive)}`, { timestamp: TIMESTAMP });
}

const sources = new Map<string, Sbom>();

describe.skipIf(skipWithoutCorpus(SPDX2_SCHEMA, SPDX3_SCHEMA))('SBOM formats against their official schemas', () => {
  beforeAll(async () => {
    sources.set('the real e2e image', await realImageSbom());
    sources.set('the fixtures/catalog source tree', await generateSbom(`dir:${join(REPO, 'fixtures', 'catalog')}`, { timestamp: TIMESTAMP }));
    for (const [name, make] of SAMPLES) sources.set(`the ${name} sample`, make());
  }, 600_000);

  it('finds the SPDX schemas and the CycloneDX XSDs', () => {
    expect(PRESENT, `expected ${SPDX2_SCHEMA} and ${SPDX3_SCHEMA}`).toBe(true);
    expect(existsSync(join(CYCLONEDX_SCHEMAS, 'bom-1.7.SNAPSHOT.xsd'))).toBe(true);
    expect(createRequire(import.meta.url).resolve('xmlbuilder2')).toBeTruthy();
  });

  it('has packages to check in the real image and the source tree', () => {
    expect(sources.get('the real e2e image')?.packages.length).toBeGreaterThan(100);
    expect(sources.get('the fixtures/catalog source tree')?.packages.length).toBeGreaterThan(100);
  });

  for (const format of SBOM_FORMATS) {
    it(`${format}: every source validates, byte-identical twice, holding the same package URLs`, async () => {
      const check = checkOf(format);
      for (const [name, sbom] of sources) {
        const text = serializeSbom(sbom, format);
        expect(serializeSbom(sbom, format) === text, `${name} serialized twice`).toBe(true);
        expect(await check(text), `${format} of ${name}`).toBe('');
        expect(purlsOf(format, text), `${format} of ${name}`).toEqual(expectedPurls(sbom));
      }
    });
  }

  it('gives the same documents when the source tree is scanned again', async () => {
    const again = await generateSbom(`dir:${join(REPO, 'fixtures', 'catalog')}`, { timestamp: TIMESTAMP });
    const first = sources.get('the fixtures/catalog source tree');
    expect(first).toBeDefined();
    for (const format of ['cyclonedx-json', 'cyclonedx-xml', 'spdx-json', 'spdx3-json'] as const) {
      expect(serializeSbom(again, format) === serializeSbom(first as Sbom, format), format).toBe(true);
    }
  });

  describe('the validators reject what the schemas forbid', () => {
    const sample = () => SAMPLES[0]?.[1]() as Sbom;
    it('CycloneDX XML with an element out of the schema’s order', async () => {
      const text = serializeSbom(sample(), 'cyclonedx-xml@1.7').replace(/(<component [^>]*>)/, '$1<scope>required</scope>');
      expect(await checkOf('cyclonedx-xml@1.7')(text)).not.toBe('');
    });
    it('CycloneDX JSON with an unknown scope', async () => {
      const text = serializeSbom(sample(), 'cyclonedx-json@1.7').replace('"type": "library"', '"type": "library", "scope": "dev"');
      expect(await checkOf('cyclonedx-json@1.7')(text)).not.toBe('');
    });
    it('SPDX 3 with a package that has no creation info, or a relationship of an unknown scope', async () => {
      const document = JSON.parse(serializeSbom(sample(), 'spdx3-json')) as { '@graph': Array<Record<string, unknown>> };
      const pkg = document['@graph'].find((n) => n.type === 'software_Package');
      if (pkg !== undefined) delete pkg.creationInfo;
      expect(await checkOf('spdx3-json')(JSON.stringify(document))).not.toBe('');
      const scoped = JSON.parse(serializeSbom(sample(), 'spdx3-json')) as { '@graph': Array<Record<string, unknown>> };
      const relationship = scoped['@graph'].find((n) => n.type === 'LifecycleScopedRelationship');
      expect(relationship).toBeDefined();
      if (relationship !== undefined) relationship.scope = 'dev';
      expect(await checkOf('spdx3-json')(JSON.stringify(scoped))).not.toBe('');
    });
  });
});
