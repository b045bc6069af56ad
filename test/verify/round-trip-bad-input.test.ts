/**
 * Bad input through the public API: bundles made by sealkit against the local Sigstore stack,
 * then damaged — witnesses removed, signed at a time the certificate does not cover, log
 * entries and inclusion proofs altered, the payload or certificate swapped — and documents
 * that are not bundles at all. Each must end as a failed check (verified false, level 0) or a
 * SealkitError with its code: never a crash, never a pass. Each damage has an undamaged
 * control that verifies, so every test can fail.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SealkitError } from '../../src/errors.js';
import { attestProvenance } from '../../src/attest/index.js';
import { signArtifact, signStatement } from '../../src/sign/index.js';
import type { SignResult } from '../../src/sign/index.js';
import { verifyBundle, verifySlsaLevel } from '../../src/verify/index.js';
import type { VerificationResult, VerifyBundleOptions } from '../../src/verify/index.js';
import { TEST_ISSUER, TEST_SUBJECT, keylessOptions, startSigstoreStack, withFlippedSignatureBit, type SigstoreStack } from '../sign/support/index.js';
import { startRekorV2Log, type RekorV2Log } from './support/rekor-v2-log.js';

type Bundle = SignResult['bundle'];

let stack: SigstoreStack;
let rekorV2: RekorV2Log;
let trustedRoot: Record<string, unknown>;
let dir: string;
const artifact = Buffer.from('widget 1.0.0 release tarball\n');
const sha256 = createHash('sha256').update(artifact).digest('hex');
const MINUTE = 60_000;

beforeAll(async () => {
  [stack, rekorV2] = await Promise.all([startSigstoreStack(), startRekorV2Log()]);
  trustedRoot = rekorV2.trustedRoot(stack.trustedRoot);
  dir = await mkdtemp(join(tmpdir(), 'sealkit-round-trip-bad-'));
});
afterAll(async () => {
  await Promise.all([stack.close(), rekorV2.close()]);
  await rm(dir, { recursive: true, force: true });
});

const identity = { certificateIdentity: TEST_SUBJECT, certificateIssuer: TEST_ISSUER };

function policy(extra: Partial<VerifyBundleOptions> = {}): VerifyBundleOptions {
  return { trustedRoot, ...identity, ...extra };
}

function failedIntegrity(result: VerificationResult): string[] {
  return result.checks.filter((c) => !c.passed && c.category === 'integrity').map((c) => c.id);
}

/** What became of a verification: its failed integrity checks, or the SealkitError's code. Anything else fails the test. */
async function outcome(run: Promise<VerificationResult>): Promise<{ verified: boolean; level: number; failed: string[] } | { code: string }> {
  try {
    const result = await run;
    return { verified: result.verified, level: result.level, failed: failedIntegrity(result) };
  } catch (error) {
    expect(error, `not a SealkitError: ${String(error)}`).toBeInstanceOf(SealkitError);
    return { code: (error as SealkitError).code };
  }
}

/**
 * Asserts `run` ends unverified at level 0, failing exactly one of the integrity checks `id`
 * (and `attestations.match` besides, when the document could not be read far enough to say
 * what it is about).
 */
async function expectFailure(run: Promise<VerificationResult>, id: string | string[]): Promise<void> {
  const result = await outcome(run);
  expect(result).toMatchObject({ verified: false, level: 0 });
  const ids = Array.isArray(id) ? id : [id];
  const failed = (result as { failed: string[] }).failed.filter((f) => f !== 'attestations.match' || ids.includes(f));
  expect(failed).toHaveLength(1);
  expect(ids).toContain(failed[0]);
}

async function keyless(extra: Record<string, unknown> = {}): Promise<Bundle> {
  return (await signArtifact(artifact, keylessOptions(stack, extra))).bundle;
}

function clone(bundle: Bundle): Bundle {
  return structuredClone(bundle);
}

function flipBase64Byte(b64: string, index = -1): string {
  const bytes = Buffer.from(b64, 'base64');
  const at = index < 0 ? bytes.length + index : index;
  bytes[at]! ^= 0x01;
  return bytes.toString('base64');
}

describe('signing time', () => {
  it('a keyless bundle stripped of its log entries and timestamps is refused, though its certificate is still valid now', async () => {
    const bundle = await keyless({ tsaUrl: stack.tsa.url });
    expect((await verifyBundle(artifact, bundle, policy())).verified).toBe(true);
    const stripped = clone(bundle);
    stripped.verificationMaterial.tlogEntries = [];
    stripped.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [] };
    await expectFailure(verifyBundle(artifact, stripped, policy()), ['timestamp', 'tlog']);
    // Without timestamps but with the log entry: still fine (its integration time is the proof).
    const logOnly = clone(bundle);
    logOnly.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [] };
    expect((await verifyBundle(artifact, logOnly, policy())).verified).toBe(true);
  });

  it('a certificate issued an hour from now, stripped of its witnesses: not valid now, not proven at any time', async () => {
    const now = stack.clock.getTime();
    stack.clock.setTime(now + 60 * MINUTE);
    let bundle: Bundle;
    try {
      bundle = await keyless({ tsaUrl: stack.tsa.url });
    } finally {
      stack.clock.setTime(now);
    }
    // With its witnesses the signing time (an hour from now) is inside the certificate's validity.
    expect((await verifyBundle(artifact, bundle, policy())).verified).toBe(true);
    const stripped = clone(bundle);
    stripped.verificationMaterial.tlogEntries = [];
    stripped.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [] };
    await expectFailure(verifyBundle(artifact, stripped, policy()), ['timestamp', 'tlog', 'certificate.chain']);
  });

  it.each([
    ['an hour after the certificate expired', 60 * MINUTE],
    ['eleven minutes after it was issued (it lives ten)', 11 * MINUTE],
  ])('logged and timestamped %s: refused', async (_label, shift) => {
    const now = stack.clock.getTime();
    let bundle: Bundle;
    try {
      // The certificate is issued at `now`; the log and the TSA are asked once it exists.
      bundle = await keyless({ tsaUrl: stack.tsa.url, onProgress: (p: { stage: string }) => p.stage === 'witness' && stack.clock.setTime(now + shift) });
    } finally {
      stack.clock.setTime(now);
    }
    const entry = bundle.verificationMaterial.tlogEntries![0]!;
    expect(Number(entry.integratedTime) * 1000).toBe(now + shift);
    await expectFailure(verifyBundle(artifact, bundle, policy()), ['certificate.chain', 'timestamp']);
    // Same with only the log's time, and with only the TSA's.
    const logOnly = clone(bundle);
    logOnly.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [] };
    await expectFailure(verifyBundle(artifact, logOnly, policy()), ['certificate.chain', 'timestamp']);
  });

  it('Rekor v2 (no integration time): a TSA timestamp after the certificate expired is refused', async () => {
    const now = stack.clock.getTime();
    let bundle: Bundle;
    try {
      bundle = await keyless({
        rekorUrl: rekorV2.url,
        rekorVersion: 2,
        tsaUrl: stack.tsa.url,
        onProgress: (p: { stage: string }) => p.stage === 'witness' && stack.clock.setTime(now + 30 * MINUTE),
      });
    } finally {
      stack.clock.setTime(now);
    }
    await expectFailure(verifyBundle(artifact, bundle, policy()), ['certificate.chain', 'timestamp']);
  });

  it('an integration time edited into the certificate validity breaks the log entry (tlog)', async () => {
    const now = stack.clock.getTime();
    let bundle: Bundle;
    try {
      bundle = await keyless({ onProgress: (p: { stage: string }) => p.stage === 'witness' && stack.clock.setTime(now + 60 * MINUTE) });
    } finally {
      stack.clock.setTime(now);
    }
    const edited = clone(bundle);
    edited.verificationMaterial.tlogEntries![0]!.integratedTime = String(now / 1000 + 60);
    await expectFailure(verifyBundle(artifact, edited, policy()), 'tlog');
  });
});

describe('transparency log entries', () => {
  /** Changes one digit of the hash the entry records, keeping the body valid JSON. */
  function tamperBody(bundle: Bundle): Bundle {
    const copy = clone(bundle);
    const entry = copy.verificationMaterial.tlogEntries![0]!;
    const body = Buffer.from(entry.canonicalizedBody, 'base64').toString('utf8');
    // The first hex (v1 "value") or base64 (v2 "digest") digit of the recorded hash.
    const match = /"(?:digest|value)":"(.)/.exec(body);
    expect(match, body).not.toBeNull();
    const at = match!.index + match![0].length - 1;
    const tampered = body.slice(0, at) + (body[at] === '0' ? '1' : '0') + body.slice(at + 1);
    expect(() => JSON.parse(tampered) as unknown).not.toThrow();
    entry.canonicalizedBody = Buffer.from(tampered, 'utf8').toString('base64');
    return copy;
  }

  it.each([
    ['Rekor v1', {}],
    ['Rekor v2', { rekorUrl: 'v2', rekorVersion: 2, tsaUrl: 'tsa' }],
  ] as const)('%s: one byte of the canonicalized body changed -> tlog', async (_log, extra) => {
    const options = 'rekorUrl' in extra ? { rekorUrl: rekorV2.url, rekorVersion: 2, tsaUrl: stack.tsa.url } : {};
    const bundle = await keyless(options);
    expect((await verifyBundle(artifact, bundle, policy())).verified).toBe(true);
    await expectFailure(verifyBundle(artifact, tamperBody(bundle), policy()), 'tlog');
    // A raw byte flip anywhere in the body too.
    const flipped = clone(bundle);
    const entry = flipped.verificationMaterial.tlogEntries![0]!;
    entry.canonicalizedBody = flipBase64Byte(entry.canonicalizedBody, 10);
    await expectFailure(verifyBundle(artifact, flipped, policy()), 'tlog');
  });

  it('Rekor v2: an inclusion proof hash, the root hash or the checkpoint signature changed -> tlog', async () => {
    // Enough entries that the proof has hashes.
    await keyless({ rekorUrl: rekorV2.url, rekorVersion: 2, tsaUrl: stack.tsa.url });
    const bundle = await keyless({ rekorUrl: rekorV2.url, rekorVersion: 2, tsaUrl: stack.tsa.url });
    const proof = bundle.verificationMaterial.tlogEntries![0]!.inclusionProof!;
    expect(proof.hashes.length).toBeGreaterThan(0);
    expect((await verifyBundle(artifact, bundle, policy())).verified).toBe(true);

    const hash = clone(bundle);
    hash.verificationMaterial.tlogEntries![0]!.inclusionProof!.hashes[0] = flipBase64Byte(proof.hashes[0]!, 0);
    await expectFailure(verifyBundle(artifact, hash, policy()), 'tlog');

    // @sigstore/verify leads the proof to the checkpoint's (signed) root and never reads the
    // entry's own rootHash field; sealkit refuses a rootHash that disagrees with the checkpoint.
    const root = clone(bundle);
    root.verificationMaterial.tlogEntries![0]!.inclusionProof!.rootHash = flipBase64Byte(proof.rootHash, 0);
    const rootResult = await verifyBundle(artifact, root, policy());
    expect(rootResult.verified).toBe(false);
    expect(rootResult.checks.find((c) => c.id === 'tlog' && !c.passed)?.detail).toContain('root hash is not the one its checkpoint signs');
    const signedRoot = clone(bundle);
    const rootLine = proof.checkpoint.envelope.split('\n')[2]!;
    signedRoot.verificationMaterial.tlogEntries![0]!.inclusionProof!.checkpoint.envelope = proof.checkpoint.envelope.replace(rootLine, flipBase64Byte(rootLine, 0));
    await expectFailure(verifyBundle(artifact, signedRoot, policy()), 'tlog');

    const index = clone(bundle);
    index.verificationMaterial.tlogEntries![0]!.inclusionProof!.logIndex = String(Number(proof.logIndex) + 1);
    await expectFailure(verifyBundle(artifact, index, policy()), 'tlog');

    const checkpoint = clone(bundle);
    const envelope = proof.checkpoint.envelope;
    const sigLine = envelope.trimEnd().split('\n').at(-1)!;
    const sig = sigLine.split(' ').at(-1)!;
    checkpoint.verificationMaterial.tlogEntries![0]!.inclusionProof!.checkpoint.envelope = envelope.replace(sig, flipBase64Byte(sig));
    await expectFailure(verifyBundle(artifact, checkpoint, policy()), 'tlog');
  });

  it('Rekor v1: the signed entry timestamp or the checkpoint changed -> tlog; the inclusion promise removed -> no signing time', async () => {
    const bundle = await keyless();
    const entry = bundle.verificationMaterial.tlogEntries![0]!;
    const promise = clone(bundle);
    promise.verificationMaterial.tlogEntries![0]!.inclusionPromise!.signedEntryTimestamp = flipBase64Byte(entry.inclusionPromise!.signedEntryTimestamp);
    await expectFailure(verifyBundle(artifact, promise, policy()), 'tlog');
    const checkpoint = clone(bundle);
    const envelope = entry.inclusionProof!.checkpoint.envelope;
    const rootLine = envelope.split('\n')[2]!;
    checkpoint.verificationMaterial.tlogEntries![0]!.inclusionProof!.checkpoint.envelope = envelope.replace(rootLine, flipBase64Byte(rootLine, 0));
    await expectFailure(verifyBundle(artifact, checkpoint, policy()), 'tlog');
    const integratedTime = clone(bundle);
    integratedTime.verificationMaterial.tlogEntries![0]!.integratedTime = String(Number(entry.integratedTime) + 1);
    await expectFailure(verifyBundle(artifact, integratedTime, policy()), 'tlog');
    // Without its promise the entry proves inclusion but no time: the certificate's validity is unproven.
    const noPromise = clone(bundle) as unknown as { verificationMaterial: { tlogEntries: Array<Record<string, unknown>> } };
    delete noPromise.verificationMaterial.tlogEntries[0]!.inclusionPromise;
    await expectFailure(verifyBundle(artifact, noPromise, policy()), 'timestamp');
  });

  it("another signature's log entry in the bundle -> tlog", async () => {
    const [a, b] = [await keyless(), await keyless()];
    const swapped = clone(a);
    swapped.verificationMaterial.tlogEntries = b.verificationMaterial.tlogEntries;
    await expectFailure(verifyBundle(artifact, swapped, policy()), 'tlog');
  });
});

describe('signature and content', () => {
  it('a flipped signature bit, another certificate, or an edited DSSE payload does not verify', async () => {
    const bundle = await keyless();
    await expectFailure(verifyBundle(artifact, withFlippedSignatureBit(bundle), policy()), ['signature', 'tlog']);
    const otherCertificate = clone(bundle);
    otherCertificate.verificationMaterial.certificate = (await keyless()).verificationMaterial.certificate;
    await expectFailure(verifyBundle(artifact, otherCertificate, policy()), ['signature', 'tlog']);

    const provenance = (await attestProvenance({ name: 'widget.tgz', digest: { sha256 } }, keylessOptions(stack, { provenance: { buildType: 'https://sealkit.test/b/v1', builderId: 'https://sealkit.test/builder' } }))).bundle;
    expect((await verifyBundle(artifact, provenance, policy())).verified).toBe(true);
    const edited = clone(provenance);
    const statement = JSON.parse(Buffer.from(edited.dsseEnvelope!.payload, 'base64').toString('utf8')) as { predicate: { runDetails: { builder: { id: string } } } };
    statement.predicate.runDetails.builder.id = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0';
    edited.dsseEnvelope!.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    await expectFailure(verifyBundle(artifact, edited, policy()), ['signature', 'tlog']);
    await expectFailure(verifySlsaLevel(artifact, { attestations: edited, ...policy() }), ['signature', 'tlog']);
  });

  it('a bundle for another artifact: set aside (attestations.match), over bytes and over a digest', async () => {
    const bundle = await keyless();
    await expectFailure(verifyBundle(Buffer.from('another artifact'), bundle, policy()), 'attestations.match');
    await expectFailure(verifyBundle(`sha256:${'1'.repeat(64)}`, bundle, policy()), 'attestations.match');
    await expectFailure(verifyBundle(`sha512:${'1'.repeat(128)}`, bundle, policy()), 'attestations.match');
  });
});

describe('documents that are not usable bundles', () => {
  it('malformed JSON (text, bytes, a file), a truncated bundle, JSON that is not an object', async () => {
    const bundle = await keyless();
    const text = JSON.stringify(bundle);
    const file = join(dir, 'broken.sigstore.json');
    await writeFile(file, text.slice(0, text.length / 2));
    for (const input of ['{"mediaType": ', Buffer.from('{ not json'), file, '[1, "two", null]', '{}', '[]']) {
      const result = await outcome(verifyBundle(artifact, input, policy()));
      expect(result, String(input).slice(0, 30)).toMatchObject({ verified: false, level: 0 });
      expect((result as { failed: string[] }).failed.length, String(input).slice(0, 30)).toBeGreaterThan(0);
      expect(['attestation.format', 'attestations.match']).toEqual(expect.arrayContaining((result as { failed: string[] }).failed));
    }
  });

  it('a missing bundle file or artifact file is a SealkitError naming it', async () => {
    const bundle = await keyless();
    await expect(verifyBundle(artifact, join(dir, 'nope.sigstore.json'), policy())).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
    await expect(verifyBundle(join(dir, 'nope.tgz'), bundle, policy())).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
    await expect(verifyBundle(artifact, bundle, policy({ trustedRoot: '{"mediaType": "nope"}' }))).rejects.toMatchObject({ code: 'TRUST_ROOT_INVALID' });
    await expect(verifyBundle(artifact, bundle, policy({ publicKeys: ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'] }))).rejects.toMatchObject({
      code: 'KEY_INVALID',
    });
  });

  it('an unknown bundle version, or none', async () => {
    const bundle = await keyless();
    for (const mediaType of ['application/vnd.dev.sigstore.bundle.v0.9+json', 'application/json', undefined, 3]) {
      const copy = { ...clone(bundle), mediaType } as unknown as Record<string, unknown>;
      await expectFailure(verifyBundle(artifact, copy, policy()), 'attestation.format');
    }
    // A v0.3 bundle with neither a message signature nor a DSSE envelope.
    const noContent = clone(bundle) as unknown as Record<string, unknown>;
    delete noContent.messageSignature;
    await expectFailure(verifyBundle(artifact, noContent, policy()), 'attestation.format');
  });
});

describe('statements that name nothing sealkit can match', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = () => ({ publicKeys: [publicKey], trustedRoot });

  /** A key-signed v0.3 DSSE bundle over `statement`, made by hand: `signStatement` refuses such statements. */
  function dsseBundle(statement: unknown, key: KeyObject = privateKey): Record<string, unknown> {
    const payload = Buffer.from(JSON.stringify(statement));
    const type = 'application/vnd.in-toto+json';
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'hand-made' }, tlogEntries: [] },
      dsseEnvelope: { payload: payload.toString('base64'), payloadType: type, signatures: [{ sig: sign('sha256', pae, key).toString('base64'), keyid: '' }] },
    };
  }

  const statement = (subject: unknown) => ({ _type: 'https://in-toto.io/Statement/v1', subject, predicateType: 'https://sealkit.test/p/v1', predicate: {} });

  it('the hand-made bundle verifies when its statement names the artifact (the control)', async () => {
    const result = await verifyBundle(artifact, dsseBundle(statement([{ name: 'widget', digest: { sha256 } }])), keys());
    expect(result.verified).toBe(true);
  });

  it('signStatement refuses a statement with no subject, or a subject with no digest', async () => {
    const key = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await expect(signStatement(statement([]) as never, { key })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(signStatement(statement([{ name: 'widget', digest: {} }]) as never, { key })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it.each([
    ['no subjects', []],
    ['no subject field', undefined],
    ['a subject with no digest', [{ name: 'widget' }]],
    ['a subject whose only digest is one sealkit does not compare', [{ name: 'widget', digest: { md5: 'd41d8cd98f00b204e9800998ecf8427e' } }]],
    ['a subject with an empty digest set', [{ name: 'widget', digest: {} }]],
    ['a malformed sha256', [{ name: 'widget', digest: { sha256: sha256.slice(1) } }]],
    ['a second subject that is malformed', [{ name: 'widget', digest: { sha256 } }, { name: 'x', digest: { sha256: 'zz' } }]],
  ])('%s: statement.format, not verified', async (_label, subject) => {
    await expectFailure(verifyBundle(artifact, dsseBundle(statement(subject)), keys()), 'statement.format');
    await expectFailure(verifySlsaLevel(artifact, { attestations: dsseBundle(statement(subject)), ...keys() }), 'statement.format');
  });

  it('a subject with the artifact digest in upper case still names it; a sha512 of another artifact beside it does not', async () => {
    const upper = await verifyBundle(artifact, dsseBundle(statement([{ name: 'w', digest: { sha256: sha256.toUpperCase() } }])), keys());
    expect(upper.verified).toBe(true);
    const sha512 = createHash('sha512').update('other').digest('hex');
    const mixed = await outcome(verifyBundle(artifact, dsseBundle(statement([{ name: 'w', digest: { sha256, sha512 } }])), keys()));
    expect(mixed).toMatchObject({ verified: false, level: 0, failed: ['attestations.match'] });
  });

  it('not an in-toto statement: another payload type, or a payload that is not JSON', async () => {
    const bundle = dsseBundle(statement([{ name: 'widget', digest: { sha256 } }]));
    const otherType = structuredClone(bundle) as { dsseEnvelope: { payloadType: string } };
    otherType.dsseEnvelope.payloadType = 'text/plain';
    await expectFailure(verifyBundle(artifact, otherType, keys()), 'statement.format');
    const notJson = structuredClone(bundle) as { dsseEnvelope: { payload: string } };
    notJson.dsseEnvelope.payload = Buffer.from('not json').toString('base64');
    await expectFailure(verifyBundle(artifact, notJson, keys()), 'statement.format');
  });
});
