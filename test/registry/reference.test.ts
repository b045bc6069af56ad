import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { ImageReference, parseReference } from '../../src/registry/reference.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseReference', () => {
  it.each([
    ['debian', 'docker.io', 'library/debian', 'latest', undefined],
    ['debian:12', 'docker.io', 'library/debian', '12', undefined],
    ['org/app:1.0', 'docker.io', 'org/app', '1.0', undefined],
    ['index.docker.io/org/app', 'docker.io', 'org/app', 'latest', undefined],
    ['ghcr.io/org/team/app:v1', 'ghcr.io', 'org/team/app', 'v1', undefined],
    ['127.0.0.1:5000/app:tag', '127.0.0.1:5000', 'app', 'tag', undefined],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    [`127.0.0.1:5000/app@${DIGEST}`, '127.0.0.1:5000', 'app', undefined, DIGEST],
    [`registry.example:443/a/b:c@${DIGEST}`, 'registry.example:443', 'a/b', 'c', DIGEST],
    ['[::1]:5000/app:x', '[::1]:5000', 'app', 'x', undefined],
  ])('%s', (text, registry, repository, tag, digest) => {
    const ref = parseReference(text);
    expect({ registry: ref.registry, repository: ref.repository, tag: ref.tag, digest: ref.digest }).toEqual({ registry, repository, tag, digest });
    expect(parseReference(ref.toString())).toEqual(ref);
  });

  it.each([
    '',
    'UPPER/app',
    'host.example/app:bad tag',
    'host.example/app:-tag',
    `host.example/app@sha256:${'g'.repeat(64)}`,
    'host.example/app@sha256:abc',
    'host.example//app',
    'host.example/app/',
    `host.example/${'a'.repeat(256)}`,
  ])('refuses %j with INVALID_ARGUMENT', (text) => {
    let error: unknown;
    try {
      parseReference(text);
    } catch (caught) {
      error = caught;
    }
    expect(isSealkitError(error, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('pins to a digest and keeps the tag for display; identifier asks for the digest', () => {
    const ref = parseReference('host.example/app:1').withDigest(DIGEST);
    expect(ref.toString()).toBe(`host.example/app:1@${DIGEST}`);
    expect(ref.identifier).toBe(DIGEST);
    expect(ref.withTag('2').toString()).toBe('host.example/app:2');
    expect(ref.name).toBe('host.example/app');
  });

  it('needs a tag or a digest when built from parts', () => {
    expect(() => new ImageReference({ registry: 'host.example', repository: 'app' })).toThrow(/tag or a digest/);
  });
});
