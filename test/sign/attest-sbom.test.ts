import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPDX3_PREDICATE_TYPE, sbomPredicateType } from '../../src/sign/attest-sbom.js';
import { attestSbom, CYCLONEDX_PREDICATE_TYPE, SPDX_PREDICATE_TYPE } from '../../src/sign/index.js';
import { serializeSbom } from '../../src/sbom/format/index.js';
import { imageSbom } from '../sbom/format/samples.js';
import { TEST_ISSUER, TEST_SUBJECT, mintIdentityToken, startSigstoreStack, verifyBundle, type SigstoreStack } from './support/index.js';

let stack: SigstoreStack;
let dir: string;
let subjectPath: string;
const subject = Buffer.from('the image tarball');
const subjectDigest = createHash('sha256').update(subject).digest('hex');

const cyclonedx = {
  bomFormat: 'CycloneDX',
  specVersion: '1.6',
  serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
  version: 1,
  components: [{ type: 'library', name: 'left-pad', version: '1.3.0', purl: 'pkg:npm/left-pad@1.3.0' }],
};
const spdx = {
  spdxVersion: 'SPDX-2.3',
  dataLicense: 'CC0-1.0',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'widget',
  documentNamespace: 'https://example.test/spdx/widget',
  creationInfo: { created: '2025-01-01T00:00:00Z', creators: ['Tool: sealkit'] },
  packages: [],
};

beforeAll(async () => {
  stack = await startSigstoreStack();
  dir = await mkdtemp(join(tmpdir(), 'sealkit-attest-'));
  subjectPath = join(dir, 'widget.tar');
  await writeFile(subjectPath, subject);
});
afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

const keyless = () => ({ identityToken: mintIdentityToken(), ...stack.services, env: {} });
const identity = { subject: TEST_SUBJECT, issuer: TEST_ISSUER };

describe('attestSbom', () => {
  it('attests a CycloneDX file about the subject file, and the bundle verifies', async () => {
    const sbomPath = join(dir, 'bom.cdx.json');
    await writeFile(sbomPath, JSON.stringify(cyclonedx));
    const result = await attestSbom(sbomPath, subjectPath, { ...keyless(), tsaUrl: stack.tsa.url });
    expect(result.statement).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'widget.tar', digest: { sha256: subjectDigest } }],
      predicateType: CYCLONEDX_PREDICATE_TYPE,
      predicate: cyclonedx,
    });
    const payload = JSON.parse(Buffer.from(result.bundle.dsseEnvelope!.payload, 'base64').toString());
    expect(payload).toEqual(result.statement);
    verifyBundle(result.bundle, { trustedRoot: stack.trustedRoot, identity, timestampThreshold: 2 });
  });

  it('attests SPDX given as an object or as bytes, about a digest or a stream with a name', async () => {
    const fromObject = await attestSbom(spdx, { sha256: subjectDigest }, { ...keyless(), subjectName: 'widget.tar' });
    expect(fromObject.statement.predicateType).toBe(SPDX_PREDICATE_TYPE);
    expect(fromObject.statement.subject).toEqual([{ name: 'widget.tar', digest: { sha256: subjectDigest } }]);
    verifyBundle(fromObject.bundle, { trustedRoot: stack.trustedRoot, identity });

    const streamed = await attestSbom(Buffer.from(JSON.stringify(spdx)), Readable.from([subject]), { ...keyless(), subjectName: 'w' });
    expect(streamed.statement.subject).toEqual([{ name: 'w', digest: { sha256: subjectDigest } }]);
    verifyBundle(streamed.bundle, { trustedRoot: stack.trustedRoot, identity });
  });

  it('names what is wrong with the input', async () => {
    await expect(attestSbom({ hello: 'world' }, subjectPath, keyless())).rejects.toMatchObject({ code: 'FORMAT_UNSUPPORTED' });
    await expect(attestSbom(Buffer.from('not json'), subjectPath, keyless())).rejects.toMatchObject({ code: 'FORMAT_UNSUPPORTED' });
    await expect(attestSbom(join(dir, 'missing.json'), subjectPath, keyless())).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
    await expect(attestSbom(cyclonedx, subject, keyless())).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('subjectName'),
    });
    await expect(attestSbom(cyclonedx, join(dir, 'nope.tar'), keyless())).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
  });
});

describe('sbomPredicateType', () => {
  it('names the predicate type of every JSON format sealkit writes', () => {
    const typeOf = (format: Parameters<typeof serializeSbom>[1]) => sbomPredicateType(JSON.parse(serializeSbom(imageSbom(), format)) as Record<string, unknown>);
    for (const format of ['cyclonedx-json', 'cyclonedx-json@1.7', 'cyclonedx-json@1.4'] as const) expect(typeOf(format)).toBe(CYCLONEDX_PREDICATE_TYPE);
    expect(typeOf('spdx-json')).toBe(SPDX_PREDICATE_TYPE);
    expect(typeOf('spdx3-json')).toBe('https://spdx.dev/Document/v3');
    expect(SPDX3_PREDICATE_TYPE).toBe('https://spdx.dev/Document/v3');
  });
});
