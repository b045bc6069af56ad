/**
 * Validates sealkit's SPDX output against the official SPDX 2.3 JSON schema, which the project
 * reads from the shared corpus beside the repository and never copies into it. Without the
 * schema the suite is skipped on a developer machine and fails in CI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeSpdxJson } from '../../src/sbom/format/spdx.js';
import { generateSbom } from '../../src/sbom/generate.js';
import type { Sbom } from '../../src/sbom/model.js';
import { imageSbom, SAMPLES } from '../sbom/format/samples.js';
import { fixtureEntries, ownershipEntries, writeEntries } from '../support/fixture-roots.js';
import { tempDir } from '../support/image-builder.js';
import { skipWithoutCorpus } from '../verify/support/corpus.js';

// SEALKIT_SPDX_SCHEMA points elsewhere when the corpus is not beside the repository.
const SCHEMA_PATH =
  process.env.SEALKIT_SPDX_SCHEMA ?? fileURLToPath(new URL('../../../shared/schemas/spdx-2.3.schema.json', import.meta.url));
const PRESENT = existsSync(SCHEMA_PATH);

let compiled: ValidateFunction | undefined;

/** The compiled schema; the file declares draft-07, which the default Ajv build implements. */
function validator(): ValidateFunction {
  if (compiled !== undefined) return compiled;
  if (!PRESENT) throw new Error(`the SPDX 2.3 schema is missing at ${SCHEMA_PATH}`);
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as { $schema?: string };
  if (schema.$schema !== 'http://json-schema.org/draft-07/schema#') {
    throw new Error(`the SPDX schema declares ${schema.$schema}; this test validates with Ajv's draft-07 build`);
  }
  const ajv = new Ajv({ strict: true, allErrors: true });
  ajvFormats.default(ajv);
  compiled = ajv.compile(schema);
  return compiled;
}

function errorsOf(document: unknown): string {
  const validate = validator();
  return validate(document) ? '' : JSON.stringify(validate.errors, null, 2);
}

function withoutManifestDigest(): Sbom {
  const sbom = imageSbom();
  delete sbom.source.manifestDigest;
  return sbom;
}

describe.skipIf(skipWithoutCorpus(SCHEMA_PATH))('SPDX 2.3 JSON schema conformance', () => {
  it('finds the official schema', () => {
    expect(PRESENT, `expected ${SCHEMA_PATH}`).toBe(true);
  });

  for (const [name, make] of [...SAMPLES, ['image without manifest digest', withoutManifestDigest] as const]) {
    it(`accepts the SPDX document of the ${name} sample`, () => {
      expect(errorsOf(JSON.parse(serializeSpdxJson(make())))).toBe('');
    });
  }

  it('accepts what generateSbom writes for a root with ownership, nested archives and dependencies', async () => {
    const dir = await tempDir();
    try {
      const root = await writeEntries(join(dir, 'root'), [...ownershipEntries(), ...fixtureEntries('npm/node_modules', 'app/node_modules')]);
      const document = JSON.parse(serializeSpdxJson(await generateSbom(`dir:${root}`, { timestamp: 0 }))) as { relationships: Array<{ relationshipType: string; comment?: string }> };
      expect(document.relationships.some((r) => r.relationshipType === 'CONTAINS' && r.comment !== undefined)).toBe(true);
      expect(document.relationships.some((r) => r.relationshipType === 'DEPENDS_ON')).toBe(true);
      expect(errorsOf(document)).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects what the schema forbids (the tag-value spelling of a package purpose)', () => {
    const document = JSON.parse(serializeSpdxJson(imageSbom())) as { packages: Array<Record<string, unknown>> };
    const os = document.packages.find((p) => p.primaryPackagePurpose === 'OPERATING_SYSTEM');
    expect(os).toBeDefined();
    if (os !== undefined) os.primaryPackagePurpose = 'OPERATING-SYSTEM';
    expect(errorsOf(document)).not.toBe('');
  });
});
