import { describe, expect, it } from 'vitest';
import { explicitProvenance, type ExplicitProvenance } from '../../../src/attest/ci/explicit.js';
import { UsageError } from '../../../src/errors.js';

const COMMIT = 'a288201509dd9a85da4141e07522bad412938dbe';
const minimal: ExplicitProvenance = {
  buildType: 'https://ci.acme.example/buildtypes/pipeline/v1',
  builderId: 'https://ci.acme.example/builders/linux',
};

describe('explicitProvenance', () => {
  it('builds the smallest predicate from buildType and builderId', () => {
    expect(explicitProvenance(minimal)).toStrictEqual({
      buildDefinition: { buildType: minimal.buildType, externalParameters: {} },
      runDetails: { builder: { id: minimal.builderId } },
    });
  });

  it('puts every field where SLSA v1 wants it', () => {
    const predicate = explicitProvenance({
      ...minimal,
      builderVersion: { jenkins: '2.452' },
      externalParameters: { repository: 'https://git.acme.example/widget', ref: 'refs/heads/main', target: '//:release' },
      internalParameters: { agent: 'linux-7' },
      resolvedDependencies: [
        { uri: 'git+https://git.acme.example/widget@refs/heads/main', digest: { gitCommit: COMMIT } },
        { name: 'base-image', digest: { sha256: 'ab'.repeat(32) }, annotations: { pinned: true } },
      ],
      invocationId: 'https://ci.acme.example/jobs/77',
      startedOn: new Date('2025-01-31T12:00:00.000Z'),
      finishedOn: '2025-01-31T13:05:00+01:00',
      byproducts: [{ name: 'build.log', uri: 'https://ci.acme.example/jobs/77/log', mediaType: 'text/plain' }, { name: 'n', content: 'aGk=' }],
    });
    expect(predicate).toStrictEqual({
      buildDefinition: {
        buildType: minimal.buildType,
        externalParameters: { repository: 'https://git.acme.example/widget', ref: 'refs/heads/main', target: '//:release' },
        internalParameters: { agent: 'linux-7' },
        resolvedDependencies: [
          { uri: 'git+https://git.acme.example/widget@refs/heads/main', digest: { gitCommit: COMMIT } },
          { name: 'base-image', digest: { sha256: 'ab'.repeat(32) }, annotations: { pinned: true } },
        ],
      },
      runDetails: {
        builder: { id: minimal.builderId, version: { jenkins: '2.452' } },
        metadata: {
          invocationId: 'https://ci.acme.example/jobs/77',
          startedOn: '2025-01-31T12:00:00.000Z',
          finishedOn: '2025-01-31T13:05:00+01:00',
        },
        byproducts: [{ name: 'build.log', uri: 'https://ci.acme.example/jobs/77/log', mediaType: 'text/plain' }, { name: 'n', content: 'aGk=' }],
      },
    });
  });

  it.each([
    [{ builderId: minimal.builderId }, /buildType is required/],
    [{ buildType: minimal.buildType }, /builderId is required/],
    [{ ...minimal, buildType: 'pipeline-v1' }, /buildType must be an absolute URI/],
    [{ ...minimal, builderId: 42 }, /builderId must be a non-empty string/],
    [{ ...minimal, builderId: 'https://ci example/x' }, /builderId must be an absolute URI/],
    [{ ...minimal, builderID: 'https://x.example' }, /unknown field builderID/],
    [{ ...minimal, externalParameters: ['a'] }, /externalParameters must be an object/],
    [{ ...minimal, internalParameters: 'x' }, /internalParameters must be an object/],
    [{ ...minimal, builderVersion: { jenkins: 2 } }, /builderVersion.jenkins must be a string/],
    [{ ...minimal, resolvedDependencies: {} }, /resolvedDependencies must be an array/],
    [{ ...minimal, resolvedDependencies: [{ name: 'src' }] }, /resolvedDependencies\[0\] needs a uri or a digest/],
    [{ ...minimal, resolvedDependencies: [{ uri: 'src' }] }, /resolvedDependencies\[0\]\.uri must be an absolute URI/],
    [{ ...minimal, resolvedDependencies: [{ digest: {} }] }, /resolvedDependencies\[0\]\.digest must be an object/],
    [{ ...minimal, resolvedDependencies: [{ digest: { gitCommit: 'abc' } }] }, /gitCommit must be 40 or 64 hexadecimal digits/],
    [{ ...minimal, resolvedDependencies: [{ digest: { sha256: 'zz'.repeat(32) } }] }, /sha256 must be 64 hexadecimal digits/],
    [{ ...minimal, resolvedDependencies: [{ uri: 'https://x.example', sha: COMMIT }] }, /resolvedDependencies\[0\] has unknown field sha/],
    [{ ...minimal, byproducts: [{ name: 'log' }] }, /byproducts\[0\] needs a uri, a digest or content/],
    [{ ...minimal, byproducts: [{ content: 'not base64!' }] }, /content must be base64/],
    [{ ...minimal, invocationId: '' }, /invocationId must be a non-empty string/],
    [{ ...minimal, startedOn: '31/01/2025' }, /startedOn must be a Date or an RFC 3339 time/],
    [{ ...minimal, finishedOn: new Date('nope') }, /finishedOn is an invalid Date/],
    [{ ...minimal, startedOn: '2025-01-31T12:05:00Z', finishedOn: '2025-01-31T12:00:00Z' }, /finishedOn is before/],
  ])('refuses %j', (provenance, message) => {
    expect(() => explicitProvenance(provenance as ExplicitProvenance)).toThrow(message);
    expect(() => explicitProvenance(provenance as ExplicitProvenance)).toThrow(UsageError);
  });

  it('refuses what is not an object', () => {
    for (const value of [null, 'x', [minimal]]) {
      expect(() => explicitProvenance(value as unknown as ExplicitProvenance)).toThrow(/provenance must be an object/);
    }
  });
});
