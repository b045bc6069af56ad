/**
 * Key-based round trips: every bundle `signArtifact`, `attestSbom` and `attestProvenance`
 * make with a key — P-256, P-384, P-521, RSA-2048 (messages and DSSE), Ed25519 (DSSE) —
 * without a witness, logged in the local Rekor v1, timestamped by the local TSA, or both,
 * must pass `verifyBundle` with that public key, and fail with another key of the same kind.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestProvenance } from '../../src/attest/index.js';
import { attestSbom, signArtifact } from '../../src/sign/index.js';
import type { SignResult } from '../../src/sign/index.js';
import { verifyBundle, verifySlsaLevel } from '../../src/verify/index.js';
import type { VerificationResult } from '../../src/verify/index.js';
import { startSigstoreStack, type SigstoreStack } from '../sign/support/index.js';

type KeyName = 'P-256' | 'P-384' | 'P-521' | 'RSA-2048' | 'Ed25519';
type Witness = 'none' | 'Rekor v1' | 'TSA' | 'Rekor v1 + TSA';

const KEY_NAMES: KeyName[] = ['P-256', 'P-384', 'P-521', 'RSA-2048', 'Ed25519'];
const WITNESSES: Witness[] = ['none', 'Rekor v1', 'TSA', 'Rekor v1 + TSA'];
/** The hash each key's message signatures are made over (the Sigstore algorithm registry's pairing). */
const MESSAGE_HASH: Record<Exclude<KeyName, 'Ed25519'>, 'sha256' | 'sha384' | 'sha512'> = {
  'P-256': 'sha256',
  'P-384': 'sha384',
  'P-521': 'sha512',
  'RSA-2048': 'sha256',
};

interface Pair {
  privatePem: string;
  publicPem: string;
}

// The signing matrices run concurrently against one stack: nothing here moves its clock.
let stack: SigstoreStack;
let dir: string;
let artifactPath: string;
const artifact = Buffer.from('widget 1.0.0 release tarball, signed with a key\n');
const other = Buffer.from('another artifact\n');
const hex = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('hex');
const sbom = { bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [{ type: 'library', name: 'left-pad', version: '1.3.0' }] };
const explicitProvenance = {
  buildType: 'https://sealkit.test/buildtypes/make/v1',
  builderId: 'https://ci.sealkit.test/runners/7',
  externalParameters: { target: 'release' },
  resolvedDependencies: [{ uri: 'git+https://git.sealkit.test/acme/widget@refs/heads/main', digest: { gitCommit: 'b'.repeat(40) } }],
};
/** Two key pairs of each kind: the signer's and another. */
const keys = {} as Record<KeyName, [Pair, Pair]>;

function pair(name: KeyName): Pair {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  if (name === 'RSA-2048') ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
  else if (name === 'Ed25519') ({ privateKey, publicKey } = generateKeyPairSync('ed25519'));
  else ({ privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: name }));
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

beforeAll(async () => {
  stack = await startSigstoreStack();
  dir = await mkdtemp(join(tmpdir(), 'sealkit-round-trip-keys-'));
  artifactPath = join(dir, 'widget-1.0.0.tgz');
  await writeFile(artifactPath, artifact);
  for (const name of KEY_NAMES) keys[name] = [pair(name), pair(name)];
});
afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

function witnessOptions(witness: Witness): { rekorUrl?: string; tsaUrl?: string } {
  return {
    ...(witness.includes('Rekor') ? { rekorUrl: stack.services.rekorUrl } : {}),
    ...(witness.includes('TSA') ? { tsaUrl: stack.tsa.url } : {}),
  };
}

function signing(name: KeyName, witness: Witness) {
  return { key: keys[name][0].privatePem, retryDelay: 5, env: {}, ...witnessOptions(witness) };
}

function failed(result: VerificationResult): string[] {
  return result.checks.filter((c) => !c.passed).map((c) => c.id);
}

function failedIntegrity(result: VerificationResult): string[] {
  return result.checks.filter((c) => !c.passed && c.category === 'integrity').map((c) => c.id);
}

/** Failed checks other than SLSA level requirements (which provenance signed with a key cannot meet). */
function failedIntegrityOrPolicy(result: VerificationResult): string[] {
  return result.checks.filter((c) => !c.passed && c.category !== 'level').map((c) => c.id);
}

/** The bundle carries exactly the witnesses asked for. */
function expectWitnesses(result: SignResult, witness: Witness): void {
  const material = result.bundle.verificationMaterial;
  expect(material.tlogEntries ?? [], 'tlog entries').toHaveLength(witness.includes('Rekor') ? 1 : 0);
  expect(material.timestampVerificationData?.rfc3161Timestamps ?? [], 'timestamps').toHaveLength(witness.includes('TSA') ? 1 : 0);
  expect(material.publicKey?.hint).toMatch(/^[0-9a-f]{64}$/);
}

/**
 * The checks every producer's bundle must pass: verifies with the signer's key (over the
 * path, and in digest mode), not with another key, not about another artifact, and meets
 * `requireKeyWitness` exactly when witnessed.
 */
async function expectRoundTrip(name: KeyName, witness: Witness, bundle: SignResult['bundle'], digests: string[]): Promise<void> {
  const [mine, theirs] = keys[name];
  const trust = { trustedRoot: stack.trustedRoot };

  const ok = await verifyBundle(artifactPath, bundle, { ...trust, publicKeys: [mine.publicPem] });
  expect(failedIntegrityOrPolicy(ok)).toEqual([]);
  expect(ok.verified).toBe(true);
  expect(ok.signer).toMatchObject({ kind: 'key' });
  expect(ok.attestations).toMatchObject([{ about: 'yes', authentic: true }]);
  const tlog = ok.checks.find((c) => c.id === 'tlog')?.detail ?? '';
  expect(tlog).toMatch(witness.includes('Rekor') ? /^1 transparency log entry verified/ : /^no transparency log entry/);
  const timestamp = ok.checks.find((c) => c.id === 'timestamp')?.detail ?? '';
  // A log entry of Rekor v1 carries its integration time; the TSA adds one more.
  const times = (witness.includes('Rekor') ? 1 : 0) + (witness.includes('TSA') ? 1 : 0);
  expect(timestamp).toMatch(times === 0 ? /^no signing time/ : new RegExp(`^${times} signing times? verified`));

  for (const digest of digests) {
    const byDigest = await verifyBundle(digest, bundle, { ...trust, publicKeys: [mine.publicPem] });
    expect(byDigest.verified, digest).toBe(true);
  }

  // The signer's key among others still verifies; another key alone does not.
  expect((await verifyBundle(artifact, bundle, { ...trust, publicKeys: [theirs.publicPem, mine.publicPem] })).verified).toBe(true);
  const wrongKey = await verifyBundle(artifact, bundle, { ...trust, publicKeys: [theirs.publicPem] });
  expect(wrongKey).toMatchObject({ verified: false, level: 0 });
  expect(failedIntegrity(wrongKey)).toEqual(['signature']);
  const noKey = await verifyBundle(artifact, bundle, trust);
  expect(noKey.verified).toBe(false);
  expect(failedIntegrity(noKey)).toEqual(['public-key']);

  const wrongArtifact = await verifyBundle(other, bundle, { ...trust, publicKeys: [mine.publicPem] });
  expect(wrongArtifact).toMatchObject({ verified: false, level: 0 });
  expect(failedIntegrity(wrongArtifact)).toEqual(['attestations.match']);
  expect(wrongArtifact.attestations).toMatchObject([{ about: 'no', authentic: false }]);

  // A Rekor v1 entry brings a log entry and a signing time. (A TSA timestamp alone: see the known issue below.)
  if (witness !== 'TSA') {
    const strict = await verifyBundle(artifact, bundle, { ...trust, publicKeys: [mine.publicPem], requireKeyWitness: true });
    expect(strict.verified).toBe(witness !== 'none');
    if (witness === 'none') expect(failedIntegrity(strict)).toEqual(['timestamp']);
  }
}

describe.concurrent.each(['P-256', 'P-384', 'P-521', 'RSA-2048'] as const)('signArtifact with a %s key', (name) => {
  it.each(WITNESSES)('witness: %s', async (witness) => {
    const signed = await signArtifact(artifactPath, signing(name, witness));
    expectWitnesses(signed, witness);
    const hash = MESSAGE_HASH[name];
    expect(Buffer.from(signed.bundle.messageSignature!.messageDigest!.digest, 'base64').toString('hex')).toBe(hex(hash, artifact));
    await expectRoundTrip(name, witness, signed.bundle, [`${hash}:${hex(hash, artifact)}`]);
    if (hash !== 'sha256') {
      // A SHA-256 digest cannot name an artifact whose SHA-384/512 was signed: set aside, not verified.
      const sha256Only = await verifyBundle(`sha256:${hex('sha256', artifact)}`, signed.bundle, {
        trustedRoot: stack.trustedRoot,
        publicKeys: [keys[name][0].publicPem],
      });
      expect(sha256Only.verified).toBe(false);
      expect(sha256Only.attestations).toMatchObject([{ about: 'no' }]);
    }
  });
});

describe('signArtifact with a precomputed digest', () => {
  it.each(['P-256', 'RSA-2048'] as const)('%s: { sha256 } signed, verified over the bytes and over the digest', async (name) => {
    const signed = await signArtifact({ sha256: hex('sha256', artifact) }, signing(name, 'Rekor v1 + TSA'));
    await expectRoundTrip(name, 'Rekor v1 + TSA', signed.bundle, [`sha256:${hex('sha256', artifact)}`]);
  });
});

describe('signArtifact with an Ed25519 key', () => {
  it('is refused (KEY_INVALID): Ed25519 message signatures do not verify anywhere', async () => {
    await expect(signArtifact(artifact, signing('Ed25519', 'none'))).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });
});

describe.concurrent.each(KEY_NAMES)('attestSbom with a %s key', (name) => {
  it.each(WITNESSES)('witness: %s', async (witness) => {
    const signed = await attestSbom(sbom, artifactPath, signing(name, witness));
    expectWitnesses(signed, witness);
    expect(signed.statement.subject).toEqual([{ name: 'widget-1.0.0.tgz', digest: { sha256: hex('sha256', artifact) } }]);
    await expectRoundTrip(name, witness, signed.bundle, [`sha256:${hex('sha256', artifact)}`]);
    const result = await verifyBundle(artifact, signed.bundle, { trustedRoot: stack.trustedRoot, publicKeys: [keys[name][0].publicPem] });
    expect(result.attestations[0]?.predicateType).toBe('https://cyclonedx.org/bom');
    expect(result.provenance).toBeUndefined();
  });
});

describe.concurrent.each(KEY_NAMES)('attestProvenance with a %s key', (name) => {
  it.each(WITNESSES)('witness: %s', async (witness) => {
    const signed = await attestProvenance(artifactPath, { ...signing(name, witness), provenance: explicitProvenance, digestAlgorithms: ['sha256', 'sha512'] });
    expectWitnesses(signed, witness);
    await expectRoundTrip(name, witness, signed.bundle, [`sha256:${hex('sha256', artifact)}`, `sha512:${hex('sha512', artifact)}`]);

    // A key says nothing about where the build ran: L1 at most, and L2's "signed" needs a witness.
    const slsa = await verifySlsaLevel(artifact, { attestations: signed.bundle, trustedRoot: stack.trustedRoot, publicKeys: [keys[name][0].publicPem] });
    expect(slsa).toMatchObject({ verified: true, level: 1, signer: { kind: 'key' }, provenance: { builderId: explicitProvenance.builderId } });
    const signedCheck = slsa.checks.find((c) => c.id === 'provenance.signed');
    expect(signedCheck?.passed).toBe(witness !== 'none');
    expect(failed(slsa)).toEqual(expect.arrayContaining(['platform.hosted', 'provenance.certificate', 'builder.trusted', 'builder.bound']));
  });
});

describe('requireKeyWitness', () => {
  // requireKeyWitness asks for a proven signing time: a Rekor v1 entry's integration time or
  // an RFC 3161 timestamp; an unlogged bundle stamped by a trusted TSA has one.
  it('accepts a key-signed bundle with a trusted TSA timestamp and no log entry', async () => {
    const signed = await signArtifact(artifact, signing('P-256', 'TSA'));
    const result = await verifyBundle(artifact, signed.bundle, {
      trustedRoot: stack.trustedRoot,
      publicKeys: [keys['P-256'][0].publicPem],
      requireKeyWitness: true,
    });
    expect(failed(result)).toEqual([]);
    expect(result.verified).toBe(true);
  });

  it('refuses a key-signed bundle with neither a log entry nor a timestamp', async () => {
    const signed = await signArtifact(artifact, signing('P-256', 'none'));
    const options = { trustedRoot: stack.trustedRoot, publicKeys: [keys['P-256'][0].publicPem] };
    expect((await verifyBundle(artifact, signed.bundle, options)).verified).toBe(true);
    const strict = await verifyBundle(artifact, signed.bundle, { ...options, requireKeyWitness: true });
    expect(strict).toMatchObject({ verified: false, level: 0 });
  });
});

describe('a key-signed bundle against trust that does not hold its witnesses', () => {
  it('a log entry of a log the root does not trust fails the tlog check, even though keys need no log', async () => {
    const signed = await signArtifact(artifact, signing('P-256', 'Rekor v1'));
    const result = await verifyBundle(artifact, signed.bundle, { publicKeys: [keys['P-256'][0].publicPem] }); // the public-good root
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedIntegrity(result)).toEqual(['tlog']);
  });

  it('a timestamp of a TSA the root does not trust fails the timestamp check', async () => {
    const signed = await signArtifact(artifact, signing('P-256', 'TSA'));
    const result = await verifyBundle(artifact, signed.bundle, { publicKeys: [keys['P-256'][0].publicPem] });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedIntegrity(result)).toEqual(['timestamp']);
  });

  it('a key valid only before the signing time fails (public-key)', async () => {
    const signed = await signArtifact(artifact, signing('P-256', 'Rekor v1 + TSA'));
    const expiredKey = { key: keys['P-256'][0].publicPem, validUntil: new Date(stack.clock.getTime() - 60_000) };
    const result = await verifyBundle(artifact, signed.bundle, { trustedRoot: stack.trustedRoot, publicKeys: [expiredKey] });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedIntegrity(result)).toEqual(['public-key']);
    const validKey = { key: keys['P-256'][0].publicPem, validFrom: new Date(stack.clock.getTime() - 60_000) };
    expect((await verifyBundle(artifact, signed.bundle, { trustedRoot: stack.trustedRoot, publicKeys: [validKey] })).verified).toBe(true);
  });
});
