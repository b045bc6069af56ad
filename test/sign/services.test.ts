import { describe, expect, it } from 'vitest';
import { PUBLIC_GOOD_FULCIO_URL, PUBLIC_GOOD_REKOR_URL, resolveServices } from '../../src/sign/services.js';
import { SIGNING_CONFIG_MEDIA_TYPE } from '../../src/sign/signing-config.js';

describe('resolveServices', () => {
  it('defaults keyless signing to the public-good Fulcio and Rekor v1, without a TSA', async () => {
    const services = await resolveServices({}, true);
    expect(services.fulcio?.url).toBe(PUBLIC_GOOD_FULCIO_URL);
    expect(services.tlogs).toEqual([{ name: 'Rekor', url: PUBLIC_GOOD_REKOR_URL, version: 1 }]);
    expect(services.tsas).toEqual([]);
    expect(services.http).toMatchObject({ timeout: 15_000, retries: 2 });
  });

  it('keeps key-based signing offline unless a log or TSA is named', async () => {
    expect((await resolveServices({}, false)).tlogs).toEqual([]);
    expect((await resolveServices({}, false)).fulcio).toBeUndefined();
    expect((await resolveServices({ rekorUrl: 'https://rekor.internal/' }, false)).tlogs[0]?.url).toBe('https://rekor.internal');
    expect((await resolveServices({ tlog: true }, false)).tlogs[0]?.url).toBe(PUBLIC_GOOD_REKOR_URL);
    expect((await resolveServices({ tsaUrl: 'https://tsa.internal' }, false)).tsas[0]?.url).toBe('https://tsa.internal');
  });

  it('lets explicit URLs override the signing config', async () => {
    const config = {
      mediaType: SIGNING_CONFIG_MEDIA_TYPE,
      caUrls: [{ url: 'https://ca.config', majorApiVersion: 1 }],
      rekorTlogUrls: [{ url: 'https://rekor.config', majorApiVersion: 1 }],
      tsaUrls: [{ url: 'https://tsa.config', majorApiVersion: 1 }],
      rekorTlogConfig: { selector: 'ANY' },
      tsaConfig: { selector: 'ANY' },
    };
    const services = await resolveServices({ signingConfig: config, fulcioUrl: 'https://ca.override' }, true);
    expect(services.fulcio?.url).toBe('https://ca.override');
    expect(services.tlogs[0]?.url).toBe('https://rekor.config');
    expect(services.tsas[0]?.url).toBe('https://tsa.config');
  });

  it('refuses combinations that cannot verify or cannot work', async () => {
    const cases: [object, boolean, RegExp][] = [
      [{ tlog: false }, true, /transparency log or a timestamp authority/],
      [{ rekorVersion: 2 }, true, /no fixed public-good URL/],
      [{ rekorVersion: 2, rekorUrl: 'https://log.example' }, true, /needs a timestamp authority/],
      [{ rekorVersion: 2, rekorUrl: 'https://log.example' }, false, /Rekor v1 only/],
      [{ rekorVersion: 3 }, true, /1 or 2/],
      [{ fulcioUrl: 'not a url' }, true, /fulcioUrl is not a URL/],
      [{ rekorUrl: 'ftp://x.example' }, true, /http\(s\)/],
      [{ timeout: 0 }, true, /timeout/],
      [{ retries: -1 }, true, /retries/],
    ];
    for (const [options, keyless, message] of cases) {
      await expect(resolveServices(options, keyless)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
    }
    await expect(resolveServices({ tlog: false, tsaUrl: 'https://tsa.example' }, true)).resolves.toBeDefined();
  });
});
