/**
 * The hash of every signature, per key type, as the Sigstore algorithm registry pairs them:
 * message signatures over the artifact's SHA-256 (P-256, RSA), SHA-384 (P-384) or SHA-512
 * (P-521), named in the bundle and in the Rekor entry; DSSE envelopes over SHA-256 for every
 * key (Ed25519: the encoding itself), as logs and verifiers check them. Checked by openssl,
 * by @sigstore/verify and by the local Rekor's emulation of Rekor v1's own checks.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dsse } from '@sigstore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekordProposal } from '../../src/sign/hashedrekord-witness.js';
import { IN_TOTO_STATEMENT_V1, signArtifact, signStatement, type InTotoStatement, type SignRequest, type SignResult } from '../../src/sign/index.js';
import {
  EMPTY_TRUSTED_ROOT,
  opensslVerifies,
  parseV03Bundle,
  startSigstoreStack,
  verifyBundle,
  withFlippedSignatureBit,
  type SigstoreStack,
} from './support/index.js';

type Hash = 'sha256' | 'sha384' | 'sha512';

interface KeyCase {
  make: () => KeyObject;
  /** The hash of its message signatures; undefined for Ed25519, which has none. */
  hash: Hash | undefined;
  /** The bundle's name of that hash. */
  proto: string | undefined;
}

const KEYS: Record<string, KeyCase> = {
  'ECDSA P-256': { make: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, hash: 'sha256', proto: 'SHA2_256' },
  'ECDSA P-384': { make: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, hash: 'sha384', proto: 'SHA2_384' },
  'ECDSA P-521': { make: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, hash: 'sha512', proto: 'SHA2_512' },
  'RSA 2048': { make: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, hash: 'sha256', proto: 'SHA2_256' },
  Ed25519: { make: () => generateKeyPairSync('ed25519').privateKey, hash: undefined, proto: undefined },
};
const MESSAGE_KEYS = Object.entries(KEYS).filter(([, c]) => c.hash !== undefined) as [string, KeyCase & { hash: Hash; proto: string }][];

const artifact = Buffer.from('a release tarball, signed with every kind of key\n'.repeat(3000));
const statement: InTotoStatement = {
  _type: IN_TOTO_STATEMENT_V1,
  subject: [{ name: 'widget.tgz', digest: { sha256: createHash('sha256').update(artifact).digest('hex') } }],
  predicateType: 'https://example.test/predicate/v1',
  predicate: { built: true },
};

let stack: SigstoreStack;
let dir: string;
let artifactPath: string;
beforeAll(async () => {
  stack = await startSigstoreStack();
  dir = await mkdtemp(join(tmpdir(), 'sealkit-registry-hash-'));
  artifactPath = join(dir, 'widget.tgz');
  await writeFile(artifactPath, artifact);
});
afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

const spki = (key: KeyObject) => createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
const offline = { trustedRoot: EMPTY_TRUSTED_ROOT, tlogThreshold: 0, timestampThreshold: 0 };

/** The hashedrekord body the local Rekor was sent for `signed`. */
function loggedHashedRekord(signed: SignResult) {
  const bodies = stack.rekor.requests
    .filter((r) => r.path === '/api/v1/log/entries')
    .map((r) => JSON.parse(r.body) as { kind: string; spec: { data: { hash: { algorithm: string; value: string } }; signature: { content: string } } });
  return bodies.find((b) => b.kind === 'hashedrekord' && b.spec.signature.content === signed.bundle.messageSignature!.signature);
}

/** Writes the DSSE pre-authentication encoding of a bundle's envelope to a file for openssl. */
async function paeFile(signed: SignResult, name: string): Promise<string> {
  const envelope = signed.bundle.dsseEnvelope!;
  const file = join(dir, `${name.replace(/\W/g, '')}.pae`);
  await writeFile(file, dsse.preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64')));
  return file;
}

describe('message signatures pair the hash with the key', () => {
  for (const [name, { make, hash, proto }] of MESSAGE_KEYS) {
    it(`${name}: signs the artifact's ${hash}, names it in the bundle and in the Rekor entry, and verifies`, async () => {
      const privateKey = make();
      const signed = await signArtifact(artifactPath, { key: privateKey, keyHint: 'k', rekorUrl: stack.rekor.url, env: {} });
      expect(() => parseV03Bundle(signed.bundle)).not.toThrow();
      expect(signed.bundle.messageSignature!.messageDigest).toEqual({ algorithm: proto, digest: createHash(hash).update(artifact).digest('base64') });
      expect(signed.sha256).toBe(createHash('sha256').update(artifact).digest('hex'));

      // openssl hashes the file with the registry's hash and accepts; with any other hash it refuses
      const signature = signed.bundle.messageSignature!.signature;
      expect(opensslVerifies(spki(privateKey), signature, artifactPath, hash)).toBe(true);
      for (const other of (['sha256', 'sha384', 'sha512'] as const).filter((h) => h !== hash)) {
        expect(opensslVerifies(spki(privateKey), signature, artifactPath, other)).toBe(false);
      }

      // the log was asked for, and recorded, a hashedrekord naming the same hash and digest
      const proposed = loggedHashedRekord(signed);
      expect(proposed?.spec.data.hash).toEqual({ algorithm: hash, value: createHash(hash).update(artifact).digest('hex') });
      const [entry] = signed.bundle.verificationMaterial.tlogEntries;
      expect(entry?.kindVersion).toEqual({ kind: 'hashedrekord', version: '0.0.1' });
      const logged = JSON.parse(Buffer.from(entry!.canonicalizedBody, 'base64').toString()) as typeof proposed;
      expect(logged?.spec.data.hash).toEqual(proposed?.spec.data.hash);
      expect(signed.tlogEntries).toEqual([{ url: stack.rekor.url, logIndex: entry!.logIndex, integratedTime: expect.any(Number) }]);

      // @sigstore/verify: signature, log entry and inclusion proof
      const publicKeys = { k: spki(privateKey) };
      verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact, publicKeys });
      expect(() => verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact: artifact.subarray(1), publicKeys })).toThrow();
      expect(() => verifyBundle(withFlippedSignatureBit(signed.bundle), { ...offline, artifact, publicKeys })).toThrow();
      expect(() => verifyBundle(signed.bundle, { ...offline, artifact, publicKeys: { k: spki(make()) } })).toThrow();
    });
  }

  it('hashes bytes and streams the same way as files, in one pass', async () => {
    const privateKey = KEYS['ECDSA P-521']!.make();
    const expected = createHash('sha512').update(artifact).digest('base64');
    for (const input of [artifact, createReadStream(artifactPath)]) {
      const signed = await signArtifact(input, { key: privateKey, keyHint: 'k' });
      expect(signed.bundle.messageSignature!.messageDigest).toEqual({ algorithm: 'SHA2_512', digest: expected });
      expect(opensslVerifies(spki(privateKey), signed.bundle.messageSignature!.signature, artifactPath, 'sha512')).toBe(true);
      verifyBundle(signed.bundle, { ...offline, artifact, publicKeys: { k: spki(privateKey) } });
    }
  });

  it('Ed25519: refused, as message signatures over a digest need Ed25519ph', async () => {
    await expect(signArtifact(artifactPath, { key: KEYS.Ed25519!.make() })).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });

  it('the local Rekor refuses entries a real Rekor v1 refuses, so the tests above can fail', async () => {
    const privateKey = KEYS['ECDSA P-384']!.make();
    const digest = createHash('sha384').update(artifact).digest();
    const messageSignature = (algorithm: number, signature: Buffer) => ({ messageDigest: { algorithm, digest }, signature });
    const post = (body: unknown) =>
      fetch(`${stack.rekor.url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const good = hashedRekordProposal(messageSignature(2, sign('sha384', artifact, privateKey)), spki(privateKey));
    expect(good.spec.data.hash.algorithm).toBe('sha384');
    expect((await post(good)).status).toBe(201);
    // a SHA-384 digest named sha256, as @sigstore/sign's witness would name it
    const misnamed = structuredClone(good);
    misnamed.spec.data.hash.algorithm = 'sha256';
    expect((await post(misnamed)).status).toBe(400);
    // a SHA-256 signature filed under a SHA-384 digest
    const sha256Signed = hashedRekordProposal(messageSignature(2, sign('sha256', artifact, privateKey)), spki(privateKey));
    const refused = await post(sha256Signed);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/invalid signature/);
  });
});

describe('precomputed { sha256 } digests', () => {
  const sha256 = createHash('sha256').update(artifact).digest('hex');

  for (const [name, { make, hash }] of Object.entries(KEYS)) {
    if (hash === 'sha256') {
      it(`${name}: signed as they are, the same signature a file gets`, async () => {
        const privateKey = make();
        const signed = await signArtifact({ sha256 }, { key: privateKey, keyHint: 'k' });
        expect(signed.bundle.messageSignature!.messageDigest?.algorithm).toBe('SHA2_256');
        expect(opensslVerifies(spki(privateKey), signed.bundle.messageSignature!.signature, artifactPath, 'sha256')).toBe(true);
        verifyBundle(signed.bundle, { ...offline, artifact, publicKeys: { k: spki(privateKey) } });
      });
    } else {
      it(`${name}: refused with KEY_INVALID, saying what to do`, async () => {
        await expect(signArtifact({ sha256 }, { key: make() })).rejects.toMatchObject({
          code: 'KEY_INVALID',
          message: hash ? expect.stringMatching(/pass the artifact itself.*P-256 or RSA key/i) : expect.stringContaining('Ed25519'),
        });
      });
    }
  }

  it('refuses a P-384 signer callback too, before calling it', async () => {
    const privateKey = KEYS['ECDSA P-384']!.make();
    let calls = 0;
    const signer = { publicKey: spki(privateKey), sign: async () => (calls++, Buffer.alloc(1)) };
    await expect(signArtifact({ sha256 }, { signer })).rejects.toMatchObject({ code: 'KEY_INVALID', message: expect.stringContaining('SHA-384') });
    expect(calls).toBe(0);
  });
});

describe('DSSE envelopes are signed with SHA-256 for every key', () => {
  for (const [name, { make, hash }] of Object.entries(KEYS)) {
    it(`${name}: openssl, @sigstore/verify and the log accept the envelope`, async () => {
      const privateKey = make();
      const signed = await signStatement(statement, { key: privateKey, keyHint: 'k', rekorUrl: stack.rekor.url });
      expect(signed.bundle.verificationMaterial.tlogEntries[0]?.kindVersion).toEqual({ kind: 'dsse', version: '0.0.1' });
      const file = await paeFile(signed, name);
      const signature = signed.bundle.dsseEnvelope!.signatures[0]!.sig;
      expect(opensslVerifies(spki(privateKey), signature, file, hash === undefined ? null : 'sha256')).toBe(true);
      if (hash !== undefined && hash !== 'sha256') expect(opensslVerifies(spki(privateKey), signature, file, hash)).toBe(false);

      verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, publicKeys: { k: spki(privateKey) } });
      expect(() => verifyBundle(signed.bundle, { ...offline, publicKeys: { k: spki(make()) } })).toThrow();
      expect(() => verifyBundle(withFlippedSignatureBit(signed.bundle), { ...offline, publicKeys: { k: spki(privateKey) } })).toThrow();
    });
  }

  // If this starts failing, @sigstore/verify checks envelopes with the registry's hash: time
  // to revisit ENVELOPE_HASH and docs/sign.md ("Hash algorithms").
  it('a registry-paired P-384 envelope (PAE signed with SHA-384) fails @sigstore/verify and the log: why envelopes stay SHA-256', async () => {
    const privateKey = KEYS['ECDSA P-384']!.make();
    const signed = await signStatement(statement, { key: privateKey, keyHint: 'k' });
    const envelope = signed.bundle.dsseEnvelope!;
    const pae = dsse.preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
    const sha384Signature = sign('sha384', pae, privateKey);
    expect(verify('sha384', pae, privateKey, sha384Signature)).toBe(true);

    const registryPaired = structuredClone(signed.bundle);
    registryPaired.dsseEnvelope!.signatures[0]!.sig = sha384Signature.toString('base64');
    expect(() => verifyBundle(registryPaired, { ...offline, publicKeys: { k: spki(privateKey) } })).toThrow(/signature/i);
    verifyBundle(signed.bundle, { ...offline, publicKeys: { k: spki(privateKey) } });

    const proposal = {
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        proposedContent: {
          envelope: JSON.stringify({ ...registryPaired.dsseEnvelope, signatures: [{ sig: sha384Signature.toString('base64'), keyid: 'k' }] }),
          verifiers: [Buffer.from(spki(privateKey)).toString('base64')],
        },
      },
    };
    const answer = await fetch(`${stack.rekor.url}/api/v1/log/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(proposal),
    });
    expect(answer.status).toBe(400);
  });
});

describe('signer callbacks (KMS, HSM) are asked for the hash of what they sign', () => {
  /** An HSM that signs digests with openssl, as PKCS#11 devices and cloud KMSs do, and records the requests. */
  async function hsm(privateKey: KeyObject, name: string) {
    const keyFile = join(dir, `hsm-${name.replace(/\W/g, '')}.pem`);
    await writeFile(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const requests: SignRequest[] = [];
    return {
      requests,
      signer: {
        publicKey: spki(privateKey),
        keyHint: 'hsm',
        sign: async (request: SignRequest) => {
          requests.push(request);
          return execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', keyFile, '-pkeyopt', `digest:${request.algorithm}`], {
            input: request.digest,
          });
        },
      },
    };
  }

  for (const [name, { make, hash, proto }] of MESSAGE_KEYS) {
    it(`${name}: ${hash} for message signatures, sha256 for DSSE envelopes`, async () => {
      const privateKey = make();
      const { signer, requests } = await hsm(privateKey, name);
      const publicKeys = { hsm: spki(privateKey) };

      const fromFile = await signArtifact(artifactPath, { signer });
      expect(requests.at(-1)).toEqual({ algorithm: hash, digest: createHash(hash).update(artifact).digest(), message: undefined });
      expect(fromFile.bundle.messageSignature!.messageDigest?.algorithm).toBe(proto);
      verifyBundle(fromFile.bundle, { ...offline, artifact, publicKeys });

      await signArtifact(artifact, { signer });
      expect(requests.at(-1)).toMatchObject({ algorithm: hash, message: artifact });

      const attested = await signStatement(statement, { signer });
      const pae = await paeFile(attested, `hsm-${name}`);
      expect(requests.at(-1)).toMatchObject({ algorithm: 'sha256', digest: createHash('sha256').update(readFileSync(pae)).digest() });
      verifyBundle(attested.bundle, { ...offline, publicKeys });
    });
  }

  it('refuses a signature made with another hash than the one asked for', async () => {
    const privateKey = KEYS['ECDSA P-384']!.make();
    // a KMS configured for ECDSA_SHA_256 while sealkit asks for SHA-384
    const wrongHash = { publicKey: spki(privateKey), sign: async (r: SignRequest) => sign('sha256', r.message ?? artifact, privateKey) };
    for (const input of [artifactPath, artifact]) {
      await expect(signArtifact(input, { signer: wrongHash })).rejects.toMatchObject({
        code: 'SIGNER_FAILED',
        message: expect.stringContaining('SHA384'),
      });
    }
  });
});
