/**
 * The engine under verifyBundle and verifySlsaLevel: how the per-attestation checks become one
 * verdict. Every policy field the caller gives must be checked against at least one authentic
 * attestation about the artifact; an attestation that cannot speak to a field (the npm
 * registry's publish attestation, a key-signed bundle for an identity) does not satisfy it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyBundle, verifySlsaLevel } from '../../src/verify/index.js';
import { Readable } from 'node:stream';
import { assertSlsaLevel } from '../../src/verify/index.js';
import { check, allPassed } from '../../src/verify/checks.js';
import { NPM_CORPUS, caseArtifact, caseBundlePath, checkOf, failedChecks, failedIds, GITHUB_ISSUER, provenanceCase, skipWithoutCorpus } from './support/corpus.js';
import { dsseBundle, messageBundle, newKey, sha256, statement } from './support/crafted-bundles.js';

const SKIP_NPM = skipWithoutCorpus(NPM_CORPUS);
const PACKAGE = `${NPM_CORPUS}gundam-visor-cli-v1-tag.tgz`;
const response = () => JSON.parse(readFileSync(`${PACKAGE}.json`, 'utf8')) as { attestations: Array<{ predicateType: string; bundle: unknown }> };
const publishOnly = () => ({ attestations: response().attestations.filter((a) => a.predicateType.includes('npm/attestation')) });

describe('policy coverage: a policy field no attestation speaks to fails', () => {
  it.skipIf(SKIP_NPM)('the npm publish attestation alone does not prove a source repository', async () => {
    const result = await verifyBundle(PACKAGE, publishOnly(), { sourceRepository: 'github.com/victim/repo' });
    expect(result.verified).toBe(false);
    expect(failedChecks(result, 'source.repository')).toHaveLength(1);
    expect(failedChecks(result, 'source.repository')[0]!.detail).toContain('no attestation about the artifact');
    // Its integrity is not in question: only the policy fails.
    expect(failedIds(result)).toEqual(['source.repository']);
  });

  it.skipIf(SKIP_NPM)('the npm publish attestation alone does not prove a certificate identity, issuer or ref', async () => {
    const bundle = publishOnly().attestations[0]!.bundle as Record<string, unknown>;
    const result = await verifyBundle(PACKAGE, bundle, {
      certificateIdentity: 'https://github.com/victim/repo/.github/workflows/release.yml@refs/tags/v1.0.1',
      certificateIssuer: GITHUB_ISSUER,
      sourceRef: 'refs/tags/v1.0.1',
    });
    expect(result.verified).toBe(false);
    expect(failedIds(result).sort()).toEqual(['identity.issuer', 'identity.subject', 'source.ref']);
  });

  it.skipIf(SKIP_NPM)('the same npm response with its provenance still verifies for the right repository', async () => {
    const result = await verifyBundle(PACKAGE, response(), { sourceRepository: 'github.com/ramonpetgrave64/gundam-visor' });
    expect(failedIds(result)).toEqual(['builder.trusted', 'builder.bound']);
    expect(result.verified).toBe(true);
  });

  it('a bundle signed by a trusted key does not prove a certificate identity', async () => {
    const key = newKey();
    const artifact = Buffer.from('payload');
    const result = await verifyBundle(artifact, messageBundle(artifact, key), {
      publicKeys: [key.pem],
      certificateIdentity: 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main',
    });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toEqual(['identity.subject']);
    // Without an identity in the policy, the trusted key is enough.
    expect((await verifyBundle(artifact, messageBundle(artifact, key), { publicKeys: [key.pem] })).verified).toBe(true);
  });

  it('builderIds with an attestation that is not provenance: builder.id fails', async () => {
    const key = newKey();
    const artifact = Buffer.from('payload');
    const sbom = dsseBundle(statement([{ name: 'a', digest: { sha256: sha256(artifact) } }], 'https://cyclonedx.org/bom', {}), key);
    const result = await verifyBundle(artifact, sbom, { publicKeys: [key.pem], builderIds: ['https://github.com/acme/builder/.github/workflows/b.yml'] });
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toEqual(['builder.id']);
  });

  it('an inferred issuer is not required of a key-signed provenance', async () => {
    const key = newKey();
    const artifact = Buffer.from('payload');
    const provenance = statement([{ digest: { sha256: sha256(artifact) } }], 'https://slsa.dev/provenance/v1', {
      buildDefinition: {
        buildType: 'https://example.com/build/v1',
        externalParameters: {},
        resolvedDependencies: [{ uri: 'git+https://github.com/acme/widget@refs/heads/main', digest: { gitCommit: 'a'.repeat(40) } }],
      },
      runDetails: { builder: { id: 'https://example.com/builder' } },
    });
    const result = await verifySlsaLevel(artifact, { attestations: dsseBundle(provenance, key), publicKeys: [key.pem], sourceRepository: 'github.com/acme/widget' });
    expect(result.level).toBe(1);
    expect(result.verified).toBe(true);
    expect(failedIds(result).filter((id) => !id.startsWith('builder.') && !['provenance.signed', 'platform.hosted', 'provenance.certificate'].includes(id))).toEqual([]);
  });
});

describe('inputs', () => {
  const c = provenanceCase('gh-attest-bcr-publish');
  const policy = { sourceRepository: 'github.com/aspect-build/rules_lint' };

  it('the artifact as a path, bytes, a stream, sha256:<hex> and { sha256 } all verify alike', async () => {
    const bytes = readFileSync(caseArtifact(c));
    const hex = sha256(bytes);
    for (const artifact of [caseArtifact(c), bytes, Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]), `sha256:${hex}`, { sha256: hex }, { sha256: `sha256:${hex}` }]) {
      const result = await verifySlsaLevel(artifact, { attestations: caseBundlePath(c), ...policy });
      expect(result, String(artifact).slice(0, 30)).toMatchObject({ verified: true, level: 2, artifact: { sha256: hex } });
    }
  });

  it('no artifact, a missing file, or a malformed digest: errors, not results', async () => {
    await expect(verifySlsaLevel(undefined as unknown as string, { attestations: caseBundlePath(c), ...policy })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(verifySlsaLevel('/nonexistent/artifact.tgz', { attestations: caseBundlePath(c), ...policy })).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
    await expect(verifySlsaLevel({ sha256: 'abc' }, { attestations: caseBundlePath(c), ...policy })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a digest-looking string that is one hex digit short is a path, and unreadable', async () => {
    await expect(verifySlsaLevel(`sha256:${'a'.repeat(63)}`, { attestations: caseBundlePath(c), ...policy })).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
  });

  it('verifySlsaLevel without attestations, or with a bad policy, is a usage error', async () => {
    await expect(verifySlsaLevel(caseArtifact(c), {} as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(verifySlsaLevel(caseArtifact(c), { attestations: caseBundlePath(c), sourceRef: 'main' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('an aborted signal stops verification with ABORTED', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(verifySlsaLevel(caseArtifact(c), { attestations: caseBundlePath(c), ...policy, signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('assertSlsaLevel returns the result when verified and throws VERIFICATION_FAILED for an integrity failure', async () => {
    await expect(assertSlsaLevel(caseArtifact(c), { attestations: caseBundlePath(c), ...policy })).resolves.toMatchObject({ verified: true });
    await expect(assertSlsaLevel(Buffer.from('other'), { attestations: caseBundlePath(c), ...policy })).rejects.toMatchObject({ code: 'VERIFICATION_FAILED' });
  });

  it('verifyBundle requires no level; verifySlsaLevel requires L1 by default', async () => {
    const key = newKey();
    const artifact = Buffer.from('payload');
    const bundle = messageBundle(artifact, key);
    expect((await verifyBundle(artifact, bundle, { publicKeys: [key.pem] })).checks.some((k) => k.id === 'level.minimum')).toBe(false);
    const slsa = await verifySlsaLevel(artifact, { attestations: bundle, publicKeys: [key.pem] });
    expect(slsa.verified).toBe(false);
    expect(checkOf(slsa, 'level.minimum').detail).toBe('SLSA Build L0 proven, but L1 is required');
    expect((await verifySlsaLevel(artifact, { attestations: bundle, publicKeys: [key.pem], minLevel: 0 })).verified).toBe(true);
  });
});

describe('checks', () => {
  it('each id has its category and, for level checks, its level', () => {
    expect(check('signature', false, 'x')).toEqual({ id: 'signature', passed: false, detail: 'x', category: 'integrity' });
    expect(check('source.ref', true, 'x', 's')).toEqual({ id: 'source.ref', passed: true, detail: 'x', category: 'policy', source: 's' });
    expect(check('builder.bound', true, 'x')).toMatchObject({ category: 'level', level: 3 });
    expect(check('platform.hosted', true, 'x')).toMatchObject({ category: 'level', level: 2 });
    expect(check('provenance.predicate', true, 'x')).toMatchObject({ category: 'level', level: 1 });
  });

  it('allPassed looks at one category only', () => {
    const checks = [check('signature', true, ''), check('identity.subject', false, ''), check('builder.trusted', false, '')];
    expect([allPassed(checks, 'integrity'), allPassed(checks, 'policy'), allPassed(checks, 'level')]).toEqual([true, false, false]);
  });
});
