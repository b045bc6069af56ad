import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestSbomCommand } from '../../../src/cli/commands/attest-sbom.js';
import { UsageError } from '../../../src/errors.js';
import { EMPTY_TRUSTED_ROOT, TEST_ISSUER, TEST_SUBJECT, mintIdentityToken, startSigstoreStack, verifyBundle, type SigstoreStack } from '../../sign/support/index.js';
import { captureIo } from '../../support/capture-io.js';

let stack: SigstoreStack;
let dir: string;
const image = Buffer.from('image tar bytes');
const cyclonedx = { bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] };

beforeAll(async () => {
  stack = await startSigstoreStack();
  dir = await mkdtemp(join(tmpdir(), 'sealkit-cli-attest-'));
  await writeFile(join(dir, 'image.tar'), image);
  await writeFile(join(dir, 'sbom.cdx.json'), JSON.stringify(cyclonedx));
  await writeFile(join(dir, 'notes.json'), '{"hello": "world"}');
});
afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

function io(env: NodeJS.ProcessEnv = {}) {
  return captureIo(dir, env);
}

function statementOf(bundle: { dsseEnvelope: { payload: string } }) {
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as {
    subject: { name: string; digest: { sha256: string } }[];
    predicateType: string;
    predicate: unknown;
  };
}

describe('sealkit attest-sbom', () => {
  it('prints its help', async () => {
    const cli = io();
    expect(await attestSbomCommand.run(['-h'], cli)).toBe(0);
    expect(cli.out()).toContain('Usage: sealkit attest-sbom <sbom.json> --subject <file> --bundle <out>');
  });

  it('attests keyless; the bundle verifies and is about the subject digest', async () => {
    const cli = io({ SIGSTORE_ID_TOKEN: mintIdentityToken() });
    const args = ['sbom.cdx.json', '--subject', 'image.tar', '--bundle', 'sbom.sigstore.json', '--fulcio-url', stack.fulcio.url, '--rekor-url', stack.rekor.url];
    expect(await attestSbomCommand.run(args, cli)).toBe(0);
    const bundle = JSON.parse(await readFile(join(dir, 'sbom.sigstore.json'), 'utf8'));
    verifyBundle(bundle, { trustedRoot: stack.trustedRoot, identity: { subject: TEST_SUBJECT, issuer: TEST_ISSUER } });
    const statement = statementOf(bundle);
    expect(statement.subject).toEqual([{ name: 'image.tar', digest: { sha256: createHash('sha256').update(image).digest('hex') } }]);
    expect(statement.predicateType).toBe('https://cyclonedx.org/bom');
    expect(statement.predicate).toEqual(cyclonedx);
    expect(cli.out()).toContain('attested sbom.cdx.json (https://cyclonedx.org/bom) for image.tar');
  });

  it('attests offline with an Ed25519 key and a subject name', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    await writeFile(join(dir, 'ed.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const cli = io();
    const args = ['sbom.cdx.json', '--subject', 'image.tar', '--subject-name', 'ghcr.io/acme/widget', '--key', 'ed.pem', '--bundle', '-'];
    expect(await attestSbomCommand.run(args, cli)).toBe(0);
    const bundle = JSON.parse(cli.out());
    const hint = bundle.verificationMaterial.publicKey.hint as string;
    const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    verifyBundle(bundle, { trustedRoot: EMPTY_TRUSTED_ROOT, publicKeys: { [hint]: publicKey }, tlogThreshold: 0, timestampThreshold: 0 });
    expect(statementOf(bundle).subject[0]?.name).toBe('ghcr.io/acme/widget');
  });

  it('throws usage errors (exit 2) for wrong invocations and documents that are no SBOM', async () => {
    const token = mintIdentityToken();
    for (const args of [
      ['--subject', 'image.tar', '--bundle', 'b'],
      ['sbom.cdx.json', '--bundle', 'b'],
      ['sbom.cdx.json', '--subject', 'image.tar'],
      ['notes.json', '--subject', 'image.tar', '--bundle', 'b', '--identity-token', token],
    ]) {
      await expect(attestSbomCommand.run(args, io())).rejects.toBeInstanceOf(UsageError);
    }
    await expect(attestSbomCommand.run(['sbom.cdx.json', '--subject', 'gone.tar', '--bundle', 'b', '--identity-token', token], io())).rejects.toMatchObject({
      code: 'ARTIFACT_UNREADABLE',
    });
  });
});
