/**
 * slsa-verifier's npm corpus (../shared/corpus/slsa-verifier-npm): real package tarballs with
 * the registry's attestations response ([provenance] signed keyless in GitHub Actions,
 * [publish] signed by the npm registry key). Every package verifies with its source at the
 * level its builder proves; every tampered response fails, naming the tampered attestation.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyBundle, verifySlsaLevel } from '../../src/verify/index.js';
import { NPM_CORPUS, checkOf, clone, failedChecks, failedIds, skipWithoutCorpus } from './support/corpus.js';

interface NpmPackage {
  name: string;
  repository: string;
  level: 2 | 3;
  /** The level checks that fail (what keeps it below L3). */
  levelFailures: string[];
  builderId: string;
}

const PACKAGES: NpmPackage[] = [
  {
    name: 'gundam-visor-cli-v1-tag',
    repository: 'github.com/ramonpetgrave64/gundam-visor',
    level: 2,
    levelFailures: ['builder.trusted', 'builder.bound'],
    builderId: 'https://github.com/actions/runner/github-hosted',
  },
  {
    name: 'provenance-npm-test-cli-v02-prega',
    repository: 'github.com/laurentsimon/provenance-npm-test',
    level: 2,
    levelFailures: ['builder.trusted', 'builder.bound'],
    builderId: 'https://github.com/actions/runner',
  },
  {
    name: 'provenance-npm-test-cli-v1-prega',
    repository: 'github.com/sigstore/sigstore-js',
    level: 2,
    levelFailures: ['builder.trusted', 'builder.bound'],
    builderId: 'https://github.com/actions/runner/github-hosted',
  },
  {
    // slsa-github-generator's Node.js builder, run by the BYOB low-perms delegator.
    name: 'provenance-npm-test-ossf',
    repository: 'github.com/laurentsimon/provenance-npm-test',
    level: 3,
    levelFailures: [],
    builderId: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_nodejs_slsa3.yml@refs/tags/v1.6.0',
  },
  {
    name: 'supreme-googles-cli-v02-tag',
    repository: 'github.com/trishankatdatadog/supreme-goggles',
    level: 2,
    levelFailures: ['builder.trusted', 'builder.bound'],
    builderId: 'https://github.com/actions/runner',
  },
];

const SKIP = skipWithoutCorpus(NPM_CORPUS);
const tarball = (name: string) => `${NPM_CORPUS}${name}.tgz`;
const responsePath = (name: string) => `${NPM_CORPUS}${name}.tgz.json`;
const response = (name: string) => JSON.parse(readFileSync(responsePath(name), 'utf8')) as { attestations: Array<{ predicateType: string; bundle: Record<string, unknown> }> };

describe.skipIf(SKIP).each(PACKAGES.map((p) => [p.name, p] as const))('%s', (_name, pkg) => {
  it(`verifies with its source repository at L${pkg.level}`, async () => {
    const result = await verifySlsaLevel(tarball(pkg.name), { attestations: responsePath(pkg.name), sourceRepository: pkg.repository });
    expect(result.verified).toBe(true);
    expect(result.level).toBe(pkg.level);
    expect(failedIds(result).sort()).toEqual([...pkg.levelFailures].sort());
    expect(checkOf(result, 'npm.publish')).toMatchObject({ passed: true, source: `${responsePath(pkg.name)}[publish]` });
    expect(result.provenance?.builderId).toBe(pkg.builderId);
    expect(result.signer?.kind).toBe('certificate');
    expect(result.attestations.map((a) => [a.source.slice(responsePath(pkg.name).length), a.about, a.authentic]).sort()).toEqual([
      ['[provenance]', 'yes', true],
      ['[publish]', 'yes', true],
    ]);
    // npm names tarballs by SHA-512: the artifact is hashed with it, and the subject matched by it.
    expect(result.artifact.sha512).toBe(createHash('sha512').update(readFileSync(tarball(pkg.name))).digest('hex'));
  });

  it('verifies in digest mode from its sha512 alone', async () => {
    const digest = `sha512:${createHash('sha512').update(readFileSync(tarball(pkg.name))).digest('hex')}`;
    const result = await verifySlsaLevel(digest, { attestations: response(pkg.name), sourceRepository: pkg.repository });
    expect(result).toMatchObject({ verified: true, level: pkg.level });
  });

  it('another repository: not verified (source.repository), the level is still reported', async () => {
    const result = await verifySlsaLevel(tarball(pkg.name), { attestations: responsePath(pkg.name), sourceRepository: 'github.com/npm/cli' });
    expect(result.verified).toBe(false);
    expect(failedChecks(result, 'source.repository')).toEqual([expect.objectContaining({ source: `${responsePath(pkg.name)}[provenance]` })]);
  });

  it('the tampered provenance (-invalidsigprov) fails, and the failed check names [provenance]', async () => {
    const name = `${pkg.name}-invalidsigprov`;
    const result = await verifySlsaLevel(tarball(name), { attestations: responsePath(name), sourceRepository: pkg.repository });
    expect(result).toMatchObject({ verified: false, level: 0 });
    const integrity = result.checks.filter((c) => !c.passed && c.category === 'integrity');
    expect(integrity.length).toBeGreaterThan(0);
    expect(integrity.every((c) => c.source === `${responsePath(name)}[provenance]`)).toBe(true);
    expect(checkOf(result, 'npm.publish').passed).toBe(true);
  });

  it('the tampered publish attestation (-invalidsigpub) fails, and the failed checks name [publish]', async () => {
    const name = `${pkg.name}-invalidsigpub`;
    const result = await verifySlsaLevel(tarball(name), { attestations: responsePath(name), sourceRepository: pkg.repository });
    expect(result).toMatchObject({ verified: false, level: 0 });
    const integrity = result.checks.filter((c) => !c.passed && c.category === 'integrity');
    expect(integrity.map((c) => c.id).sort()).toEqual(['npm.publish', 'tlog']);
    expect(integrity.every((c) => c.source === `${responsePath(name)}[publish]`)).toBe(true);
  });

  it('the response with its publish attestation removed fails npm.publish', async () => {
    const withoutPublish = response(pkg.name);
    withoutPublish.attestations = withoutPublish.attestations.filter((a) => !a.predicateType.includes('npm/attestation'));
    const result = await verifySlsaLevel(tarball(pkg.name), { attestations: withoutPublish, sourceRepository: pkg.repository });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedIds(result)).toContain('npm.publish');
    expect(checkOf(result, 'npm.publish').detail).toBe('the npm response holds no publish attestation');
  });
});

describe.skipIf(SKIP)('npm responses, adversarially', () => {
  const name = 'gundam-visor-cli-v1-tag';
  const policy = { sourceRepository: 'github.com/ramonpetgrave64/gundam-visor' };

  it("another package's tarball: no attestation is about it", async () => {
    const result = await verifySlsaLevel(tarball('supreme-googles-cli-v02-tag'), { attestations: responsePath(name), ...policy });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(checkOf(result, 'attestations.match').passed).toBe(false);
    expect(result.attestations.every((a) => a.about === 'no')).toBe(true);
  });

  it('a tarball with one byte changed: no attestation is about it', async () => {
    const bytes = readFileSync(tarball(name));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    const result = await verifySlsaLevel(bytes, { attestations: responsePath(name), ...policy });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(checkOf(result, 'attestations.match').passed).toBe(false);
  });

  it('the provenance listed under the publish predicate type: attestation.format fails', async () => {
    const swapped = response(name);
    const [provenance, publish] = [swapped.attestations.find((a) => a.predicateType.startsWith('https://slsa.dev'))!, swapped.attestations.find((a) => a.predicateType.includes('npm/attestation'))!];
    [provenance.bundle, publish.bundle] = [publish.bundle, provenance.bundle];
    const result = await verifySlsaLevel(tarball(name), { attestations: swapped, ...policy });
    expect(result).toMatchObject({ verified: false, level: 0 });
    expect(failedChecks(result, 'attestation.format').length).toBe(2);
  });

  it('a response holding only the publish attestation proves no source (verifyBundle and verifySlsaLevel)', async () => {
    const publishOnly = response(name);
    publishOnly.attestations = publishOnly.attestations.filter((a) => a.predicateType.includes('npm/attestation'));
    const bundle = await verifyBundle(tarball(name), publishOnly, policy);
    expect(bundle.verified).toBe(false);
    expect(failedIds(bundle)).toEqual(['source.repository']);
    const slsa = await verifySlsaLevel(tarball(name), { attestations: publishOnly, ...policy });
    expect(slsa).toMatchObject({ verified: false, level: 0 });
  });

  it('the publish bundle passed on its own (not as an npm response) verifies with the registry key, and proves no level', async () => {
    const publish = response(name).attestations.find((a) => a.predicateType.includes('npm/attestation'))!.bundle;
    const result = await verifyBundle(tarball(name), publish);
    expect(result).toMatchObject({ verified: true, level: 0, signer: { kind: 'key', keyId: expect.stringMatching(/^SHA256:/) } });
  });

  it('the publish bundle with its key hint changed to a key sealkit was given: not tried, not trusted', async () => {
    const publish = clone(response(name).attestations.find((a) => a.predicateType.includes('npm/attestation'))!.bundle) as { verificationMaterial: { publicKey: { hint: string } } };
    publish.verificationMaterial.publicKey.hint = 'SHA256:not-a-registry-key';
    const result = await verifyBundle(tarball(name), publish as unknown as Record<string, unknown>);
    expect(result.verified).toBe(false);
    expect(failedIds(result)).toEqual(['public-key']);
  });
});
