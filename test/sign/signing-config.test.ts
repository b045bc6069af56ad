import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signArtifact } from '../../src/sign/index.js';
import { SIGNING_CONFIG_MEDIA_TYPE, loadSigningConfig, selectServices } from '../../src/sign/signing-config.js';
import { TEST_ISSUER, TEST_SUBJECT, mintIdentityToken, startSigstoreStack, verifyBundle, type SigstoreStack } from './support/index.js';

const service = (url: string, majorApiVersion: number, start: string, extra: Record<string, unknown> = {}) => ({
  url,
  majorApiVersion,
  validFor: { start },
  operator: 'sigstore.dev',
  ...extra,
});

/** Shaped like the public-good signing_config.json (v0.2). */
const PUBLIC_LIKE = {
  mediaType: SIGNING_CONFIG_MEDIA_TYPE,
  caUrls: [service('https://fulcio.example', 1, '2023-04-14T21:38:40Z')],
  oidcUrls: [service('https://oauth2.example/auth', 1, '2025-04-16T00:00:00Z')],
  rekorTlogUrls: [
    service('https://log2025-1.rekor.example', 2, '2025-09-23T00:00:00Z'),
    service('https://rekor.example', 1, '2021-01-12T11:53:27Z'),
    service('https://rekor-retired.example', 1, '2020-01-01T00:00:00Z', { validFor: { start: '2020-01-01T00:00:00Z', end: '2021-01-01T00:00:00Z' } }),
  ],
  tsaUrls: [service('https://timestamp.example/api/v1/timestamp', 1, '2025-07-04T00:00:00Z')],
  rekorTlogConfig: { selector: 'ANY' },
  tsaConfig: { selector: 'ANY' },
};
const NOW = new Date('2026-01-01T00:00:00Z');

describe('selectServices', () => {
  it('picks the newest usable CA, log and TSA, preferring the highest log API version', async () => {
    const config = await loadSigningConfig(PUBLIC_LIKE);
    expect(selectServices(config, NOW)).toEqual({
      caUrl: 'https://fulcio.example',
      tlogs: [{ url: 'https://log2025-1.rekor.example', majorApiVersion: 2 }],
      tsaUrls: ['https://timestamp.example/api/v1/timestamp'],
    });
    expect(selectServices(config, NOW, 1).tlogs).toEqual([{ url: 'https://rekor.example', majorApiVersion: 1 }]);
    // before the v2 log started, only v1 is usable
    expect(selectServices(config, new Date('2024-01-01T00:00:00Z')).tlogs[0]?.url).toBe('https://rekor.example');
  });

  it('honours ALL and EXACT across distinct operators', async () => {
    const logs = [
      service('https://a.example', 1, '2024-01-01T00:00:00Z', { operator: 'a' }),
      service('https://a2.example', 1, '2023-01-01T00:00:00Z', { operator: 'a' }),
      service('https://b.example', 1, '2022-01-01T00:00:00Z', { operator: 'b' }),
    ];
    const all = await loadSigningConfig({ ...PUBLIC_LIKE, rekorTlogUrls: logs, rekorTlogConfig: { selector: 'ALL' } });
    expect(selectServices(all, NOW).tlogs.map((t) => t.url)).toEqual(['https://a.example', 'https://b.example']);
    const exact = await loadSigningConfig({ ...PUBLIC_LIKE, rekorTlogUrls: logs, rekorTlogConfig: { selector: 'EXACT', count: 3 } });
    expect(() => selectServices(exact, NOW)).toThrow(expect.objectContaining({ code: 'SIGNING_CONFIG_INVALID' }));
  });

  it('rejects what is not a v0.2 signing config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealkit-sc-'));
    try {
      await writeFile(join(dir, 'bad.json'), '{ nope');
      await expect(loadSigningConfig(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'SIGNING_CONFIG_INVALID', details: { path: join(dir, 'bad.json') } });
      await expect(loadSigningConfig(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'SIGNING_CONFIG_INVALID' });
      await expect(loadSigningConfig({ ...PUBLIC_LIKE, mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.1+json' })).rejects.toMatchObject({
        code: 'SIGNING_CONFIG_INVALID',
        message: expect.stringContaining('v0.2'),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('signing with a signing config', () => {
  let stack: SigstoreStack;
  let dir: string;
  beforeAll(async () => {
    stack = await startSigstoreStack();
    dir = await mkdtemp(join(tmpdir(), 'sealkit-sc-'));
  });
  afterAll(async () => {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uses the services it names, and the bundle verifies', async () => {
    const path = join(dir, 'signing_config.json');
    await writeFile(
      path,
      JSON.stringify({
        ...PUBLIC_LIKE,
        caUrls: [service(stack.fulcio.url, 1, '2020-01-01T00:00:00Z')],
        rekorTlogUrls: [service(stack.rekor.url, 1, '2020-01-01T00:00:00Z')],
        tsaUrls: [service(`${stack.tsa.url}/api/v1/timestamp`, 1, '2020-01-01T00:00:00Z')],
      }),
    );
    const artifact = Buffer.from('configured');
    const signed = await signArtifact(artifact, { identityToken: mintIdentityToken(), signingConfig: path, env: {} });
    expect(signed.tlogEntries.map((e) => e.url)).toEqual([stack.rekor.url]);
    expect(signed.timestampAuthorities).toEqual([`${stack.tsa.url}/api/v1/timestamp`]);
    verifyBundle(signed.bundle, {
      trustedRoot: stack.trustedRoot,
      artifact,
      identity: { subject: TEST_SUBJECT, issuer: TEST_ISSUER },
      timestampThreshold: 2,
    });
  });
});
