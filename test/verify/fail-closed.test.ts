/**
 * An exception anywhere inside verification is a failure: a failed check and `verified: false`,
 * never a pass, never an unexpected crash. Faults are injected where caller- or
 * attacker-supplied objects are read (getters that throw, proxies) and inside the trust the
 * library consults (a key finder that throws).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prepareAttestation, evaluateAttestation, type EvaluationContext } from '../../src/verify/evaluate-attestation.js';
import { loadAttestations } from '../../src/verify/attestations/load-attestations.js';
import { verifyBundle, verifySlsaLevel } from '../../src/verify/index.js';
import { normalizePolicy } from '../../src/verify/policy/verification-policy.js';
import { BuilderTable } from '../../src/verify/provenance/builders.js';
import { resolveTrust } from '../../src/verify/trust/resolve-trust.js';
import type { TrustedKey } from '../../src/verify/trust/public-keys.js';
import { CONFORMANCE, GITHUB_ISSUER, NPM_CORPUS, caseArtifact, caseBundleJson, failedIds, provenanceCase, skipWithoutCorpus } from './support/corpus.js';
import { sha256 } from './support/crafted-bundles.js';

const SKIP_NPM = skipWithoutCorpus(NPM_CORPUS);
const SKIP_CONFORMANCE = skipWithoutCorpus(CONFORMANCE);
const c = provenanceCase('gh-attest-bcr-publish');
const POLICY = { sourceRepository: 'github.com/aspect-build/rules_lint' };

function throwingGetter<T extends object>(object: T, field: string): T {
  Object.defineProperty(object, field, {
    enumerable: true,
    get() {
      throw new Error(`injected fault reading ${field}`);
    },
  });
  return object;
}

describe('faults in the attestations input', () => {
  it.each(['mediaType', 'verificationMaterial', 'dsseEnvelope'])('a bundle whose %s getter throws: attestation.format fails', async (field) => {
    const bundle = throwingGetter(caseBundleJson(c), field);
    const result = await verifySlsaLevel(caseArtifact(c), { attestations: [bundle], ...POLICY });
    expect(result.verified).toBe(false);
    expect(result.level).toBe(0);
    expect(failedIds(result)).toContain('attestation.format');
  });

  it('a throwing bundle next to a good one still fails the whole verification', async () => {
    const result = await verifySlsaLevel(caseArtifact(c), { attestations: [caseBundleJson(c), throwingGetter(caseBundleJson(c), 'verificationMaterial')], ...POLICY });
    expect(result.verified).toBe(false);
    expect(result.level).toBe(0);
    expect(result.attestations.map((a) => a.about)).toEqual(['yes', 'unknown']);
  });

  it.skipIf(SKIP_NPM)('an npm response whose attestations getter throws: attestation.format fails, nothing escapes', async () => {
    const response = throwingGetter({} as Record<string, unknown>, 'attestations');
    const result = await verifyBundle(`${NPM_CORPUS}gundam-visor-cli-v1-tag.tgz`, response, POLICY);
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toContain('attestation.format');
  });

  it.skipIf(SKIP_NPM)("an npm response entry whose bundle getter throws: that entry fails", async () => {
    const response = JSON.parse(readFileSync(`${NPM_CORPUS}gundam-visor-cli-v1-tag.tgz.json`, 'utf8')) as { attestations: object[] };
    throwingGetter(response.attestations[0]!, 'bundle');
    const result = await verifyBundle(`${NPM_CORPUS}gundam-visor-cli-v1-tag.tgz`, response, { sourceRepository: 'github.com/ramonpetgrave64/gundam-visor' });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toContain('attestation.format');
  });

  it('a revoked proxy as the bundle: attestation.format fails', async () => {
    const { proxy, revoke } = Proxy.revocable(caseBundleJson(c), {});
    revoke();
    const result = await verifySlsaLevel(caseArtifact(c), { attestations: [proxy], ...POLICY });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toContain('attestation.format');
  });

  it('a list whose element getter throws: attestation.format fails', async () => {
    const list = [caseBundleJson(c)];
    throwingGetter(list, '0');
    const result = await verifySlsaLevel(caseArtifact(c), { attestations: list, ...POLICY });
    expect(result.verified).toBe(false);
  });
});

describe('faults inside the trust', () => {
  async function context(trust: (general: EvaluationContext['trust']) => EvaluationContext['trust']): Promise<{ context: EvaluationContext }> {
    const resolved = await resolveTrust({});
    const policy = normalizePolicy(POLICY, 1);
    const bytes = readFileSync(caseArtifact(c));
    return {
      context: {
        artifact: { digests: { sha256: Buffer.from(sha256(bytes), 'hex') }, data: bytes, digestOnly: false, label: 'artifact' },
        policy,
        builders: new BuilderTable([]),
        trust: trust(resolved.general),
        npmTrust: resolved.npm,
      },
    };
  }

  const document = () => ({ source: 'bundle', json: caseBundleJson(c), problem: undefined, npmPredicateType: undefined });

  it('the untouched context verifies the bundle (the faults below are the only difference)', async () => {
    const { context: ctx } = await context((t) => t);
    const evaluation = evaluateAttestation(prepareAttestation(document()), ctx);
    expect(evaluation.authentic).toBe(true);
    expect(evaluation.level).toBe(2);
  });

  it('certificate authorities that throw when read: a failed integrity check, not a pass', async () => {
    const { context: ctx } = await context((t) => ({
      ...t,
      material: throwingGetter({ ...t.material }, 'certificateAuthorities'),
    }));
    const evaluation = evaluateAttestation(prepareAttestation(document()), ctx);
    expect(evaluation.authentic).toBe(false);
    expect(evaluation.level).toBe(0);
    expect(evaluation.checks.some((check) => !check.passed && check.category === 'integrity')).toBe(true);
  });

  /** The conformance suite's key-signed bundle (logged, so its key is consulted at the log's time), with its key's trust broken by `breakKey`. */
  async function managedKey(breakKey: (key: TrustedKey) => TrustedKey) {
    const dir = `${CONFORMANCE}managed-key-happy-path/`;
    const artifact = readFileSync(`${CONFORMANCE}a.txt`);
    const resolved = await resolveTrust({ publicKeys: [readFileSync(`${dir}key.pub`, 'utf8')] });
    const ctx: EvaluationContext = {
      artifact: { digests: { sha256: Buffer.from(sha256(artifact), 'hex') }, data: artifact, digestOnly: false, label: 'a.txt' },
      policy: normalizePolicy({}, 0),
      builders: new BuilderTable([]),
      trust: { ...resolved.general, keys: resolved.general.keys.map(breakKey) },
      npmTrust: resolved.npm,
    };
    const json = JSON.parse(readFileSync(`${dir}bundle.sigstore.json`, 'utf8')) as unknown;
    return evaluateAttestation(prepareAttestation({ source: 'managed-key', json, problem: undefined, npmPredicateType: undefined }), ctx);
  }

  it.skipIf(SKIP_CONFORMANCE)('the untouched key verifies the conformance bundle', async () => {
    expect((await managedKey((k) => k)).authentic).toBe(true);
  });

  it.skipIf(SKIP_CONFORMANCE)("a key whose validity check throws: a failed check, not a pass", async () => {
    const evaluation = await managedKey((k) => ({
      ...k,
      timeConstrained: {
        publicKey: k.timeConstrained.publicKey,
        validFor: () => {
          throw new Error('injected fault in the key finder');
        },
      },
    }));
    expect(evaluation.authentic).toBe(false);
    expect(evaluation.checks.filter((check) => !check.passed)).toEqual([expect.objectContaining({ category: 'integrity' })]);
  });

  it.skipIf(SKIP_CONFORMANCE)('a key whose trust material throws when read: a failed check, not a pass', async () => {
    const evaluation = await managedKey((k) => throwingGetter({ ...k }, 'timeConstrained'));
    expect(evaluation.authentic).toBe(false);
    expect(evaluation.checks).toEqual([expect.objectContaining({ id: 'signature', passed: false })]);
    expect(evaluation.checks[0]!.detail).toContain('injected fault reading timeConstrained');
  });

  it('a policy check that throws after the signature verified: the attestation is not authentic', async () => {
    const { context: ctx } = await context((t) => t);
    const broken = { ...ctx, builders: { find: () => { throw new Error('injected fault in the builder table'); } } as unknown as BuilderTable };
    const evaluation = evaluateAttestation(prepareAttestation(document()), broken);
    expect(evaluation.authentic).toBe(false);
    expect(evaluation.about).toBe('unknown');
    expect(evaluation.checks).toEqual([expect.objectContaining({ id: 'signature', passed: false })]);
    expect(evaluation.checks[0]!.detail).toContain('injected fault in the builder table');
  });
});

describe('faults reading the attestations', () => {
  it('loadAttestations never throws a bare error for a hostile object', async () => {
    const hostile = throwingGetter({} as Record<string, unknown>, 'attestations');
    const documents = await loadAttestations(hostile);
    expect(documents).toHaveLength(1);
    expect(documents[0]!.problem).toContain('injected fault');
  });
});

it('the issuer policy is irrelevant to these faults (sanity: the real bundle verifies)', async () => {
  const result = await verifySlsaLevel(caseArtifact(c), { attestations: caseBundleJson(c), ...POLICY, certificateIssuer: GITHUB_ISSUER });
  expect(result.verified).toBe(true);
});
