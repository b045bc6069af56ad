import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1, signStatement, type InTotoStatement } from '../../src/sign/index.js';
import {
  EMPTY_TRUSTED_ROOT,
  TEST_ISSUER,
  TEST_SUBJECT,
  mintIdentityToken,
  parseV03Bundle,
  startSigstoreStack,
  verifyBundle,
  withFlippedSignatureBit,
  type SigstoreStack,
} from './support/index.js';

let stack: SigstoreStack;
beforeAll(async () => {
  stack = await startSigstoreStack();
});
afterAll(async () => {
  await stack.close();
});

const statement: InTotoStatement = {
  _type: IN_TOTO_STATEMENT_V1,
  subject: [{ name: 'widget-1.0.tgz', digest: { sha256: 'a'.repeat(64) } }],
  predicateType: 'https://example.test/predicate/v1',
  predicate: { builder: 'ci', steps: [1, 2, 3] },
};
const identity = { subject: TEST_SUBJECT, issuer: TEST_ISSUER };

describe('signStatement keyless', () => {
  for (const withTsa of [false, true]) {
    it(`signs a DSSE envelope that verifies ${withTsa ? 'with' : 'without'} a TSA`, async () => {
      const signed = await signStatement(statement, {
        identityToken: mintIdentityToken(),
        ...stack.services,
        ...(withTsa ? { tsaUrl: stack.tsa.url } : {}),
        env: {},
      });
      expect(signed.bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
      expect(signed.bundle.dsseEnvelope?.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
      expect(JSON.parse(Buffer.from(signed.bundle.dsseEnvelope!.payload, 'base64').toString())).toEqual(statement);
      expect(signed.bundle.verificationMaterial.tlogEntries[0]?.kindVersion).toEqual({ kind: 'dsse', version: '0.0.1' });
      expect(() => parseV03Bundle(signed.bundle)).not.toThrow();
      const signer = verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, identity, timestampThreshold: withTsa ? 2 : 1 });
      expect(signer.identity?.subjectAlternativeName).toBe(TEST_SUBJECT);

      // What went to Rekor is a proposed dsse entry of this very envelope and certificate.
      const proposed = stack.rekor.requests
        .map((r) => JSON.parse(r.body) as { kind: string; spec: { proposedContent?: { envelope: string; verifiers: string[] } } })
        .filter((e) => e.kind === 'dsse')
        .at(-1)!.spec.proposedContent!;
      expect(JSON.parse(proposed.envelope)).toMatchObject({ payload: signed.bundle.dsseEnvelope!.payload, payloadType: IN_TOTO_PAYLOAD_TYPE });
      expect(Buffer.from(proposed.verifiers[0]!, 'base64').toString()).toBe((signed.signer as { certificate: string }).certificate);

      expect(() => verifyBundle(withFlippedSignatureBit(signed.bundle), { trustedRoot: stack.trustedRoot, identity })).toThrow();
      expect(() =>
        verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, identity: { ...identity, subject: 'someone-else' } }),
      ).toThrow();
      const otherPayload = structuredClone(signed.bundle);
      otherPayload.dsseEnvelope!.payload = Buffer.from(JSON.stringify({ ...statement, predicate: {} })).toString('base64');
      expect(() => verifyBundle(otherPayload, { trustedRoot: stack.trustedRoot, identity })).toThrow();
    });
  }
});

describe('signStatement with keys', () => {
  for (const [name, privateKey] of [
    ['Ed25519', generateKeyPairSync('ed25519').privateKey],
    ['ECDSA P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey],
    ['RSA 2048', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
  ] as const) {
    it(`signs with ${name}, verifies with its public key and not another`, async () => {
      const signed = await signStatement(statement, { key: privateKey, keyHint: 'attestor' });
      expect(signed.bundle.dsseEnvelope?.signatures[0]?.keyid).toBe('attestor');
      const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
      const offline = { trustedRoot: EMPTY_TRUSTED_ROOT, tlogThreshold: 0, timestampThreshold: 0 };
      verifyBundle(signed.bundle, { ...offline, publicKeys: { attestor: publicKey } });
      const other = createPublicKey(generateKeyPairSync('ed25519').privateKey).export({ format: 'pem', type: 'spki' }).toString();
      expect(() => verifyBundle(signed.bundle, { ...offline, publicKeys: { attestor: other } })).toThrow();
    });
  }

  it('logs a dsse entry in Rekor for a key when asked', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const signed = await signStatement(statement, { key: privateKey, keyHint: 'k', rekorUrl: stack.rekor.url });
    const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, publicKeys: { k: publicKey } });
  });
});

describe('signStatement input checks', () => {
  it('refuses what is not an in-toto statement', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const bad: unknown[] = [
      null,
      { ...statement, _type: 'https://example.test/Statement' },
      { ...statement, subject: [] },
      { ...statement, predicateType: '' },
      { ...statement, subject: [{ name: 'x', digest: {} }] },
      { ...statement, subject: [{ name: 'x', digest: { sha256: 'xyz' } }] },
      { ...statement, subject: [{ name: 'x', digest: { sha256: 'ab' } }] },
    ];
    for (const candidate of bad) {
      await expect(signStatement(candidate as InTotoStatement, { key: privateKey })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });
});
