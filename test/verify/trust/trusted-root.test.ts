/**
 * Trusted roots: refused when a key or CA has no validity start (the library would read it as
 * "forever"), parsed once per object or content, and read from a path, JSON text, bytes or an
 * object alike.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../../src/errors.js';
import { PUBLIC_GOOD_TRUSTED_ROOT, verifyBundle } from '../../../src/verify/index.js';
import { loadTrustedRoot, publicGoodTrustedRoot } from '../../../src/verify/trust/trusted-root.js';
import { resolveTrust } from '../../../src/verify/trust/resolve-trust.js';
import { CONFORMANCE, clone, skipWithoutCorpus } from '../support/corpus.js';

const SKIP_CONFORMANCE = skipWithoutCorpus(CONFORMANCE);

type Root = Record<string, Array<Record<string, Record<string, unknown>>>> & { mediaType: string };
const root = () => clone(PUBLIC_GOOD_TRUSTED_ROOT) as unknown as Root;

async function invalid(input: Parameters<typeof loadTrustedRoot>[0]): Promise<string> {
  const error = await loadTrustedRoot(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isSealkitError(error, 'TRUST_ROOT_INVALID'), String(error)).toBe(true);
  return (error as Error).message;
}

/** Where each list keeps its validity period. */
const VALIDITY: Record<string, (entry: Record<string, Record<string, unknown>>) => Record<string, unknown>> = {
  tlogs: (e) => e.publicKey!.validFor as Record<string, unknown>,
  ctlogs: (e) => e.publicKey!.validFor as Record<string, unknown>,
  certificateAuthorities: (e) => e.validFor!,
  timestampAuthorities: (e) => e.validFor!,
};

describe('structure', () => {
  it('the embedded public-good root loads', async () => {
    const loaded = await loadTrustedRoot(root());
    expect(loaded.material.certificateAuthorities.length).toBe(2);
    expect(loaded.material.tlogs.length).toBe(2);
    expect(loaded.material.ctlogs.length).toBe(2);
    expect(loaded.material.timestampAuthorities.length).toBe(1);
  });

  it.each(Object.keys(VALIDITY))('an entry of %s without validFor.start is refused', async (list) => {
    const copy = root();
    const entry = copy[list]!.at(-1)!;
    delete VALIDITY[list]!(entry).start;
    expect(await invalid(copy)).toContain(`${list}[${copy[list]!.length - 1}] has no validity start`);
  });

  it.each(Object.keys(VALIDITY))('an entry of %s with an unreadable start is refused', async (list) => {
    const copy = root();
    VALIDITY[list]!(copy[list]![0]!).start = 'yesterday';
    expect(await invalid(copy)).toContain(`${list}[0] has no validity start`);
  });

  it.each(Object.keys(VALIDITY))('an entry of %s with end: null is accepted (open-ended)', async (list) => {
    const copy = root();
    VALIDITY[list]!(copy[list]![0]!).end = null;
    await expect(loadTrustedRoot(copy)).resolves.toBeDefined();
  });

  it('an unreadable validity end is refused', async () => {
    const copy = root();
    VALIDITY.tlogs!(copy.tlogs![0]!).end = 'soon';
    expect(await invalid(copy)).toContain('tlogs[0] has an unreadable validity end');
  });

  it.each([
    ['an unknown mediaType', (r: Root) => Object.assign(r, { mediaType: 'application/vnd.dev.sigstore.trustedroot.v0.9+json' }), 'unknown mediaType'],
    ['no mediaType', (r: Root) => Object.assign(r, { mediaType: undefined }), 'unknown mediaType'],
    ['a list that is not a list', (r: Root) => Object.assign(r, { tlogs: {} }), 'tlogs is not a list'],
    ['an entry that is not an object', (r: Root) => Object.assign(r, { ctlogs: [42] }), 'ctlogs[0] is not an object'],
    ['a log without its key', (r: Root) => (delete r.tlogs![0]!.publicKey!.rawBytes, r), 'tlogs[0] has no public key'],
    ['a CA without certificates', (r: Root) => ((r.certificateAuthorities![0]!.certChain = { certificates: [] }), r), 'certificateAuthorities[0] has no certificate chain'],
  ])('%s is refused', async (_name, edit, message) => {
    expect(await invalid(edit(root()))).toContain(message);
  });

  it('every accepted mediaType spelling loads', async () => {
    for (const mediaType of [
      'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      'application/vnd.dev.sigstore.trustedroot.v0.1+json',
      'application/vnd.dev.sigstore.trustedroot.v0.2+json',
    ]) {
      await expect(loadTrustedRoot({ ...root(), mediaType })).resolves.toBeDefined();
    }
  });

  it.skipIf(SKIP_CONFORMANCE)('the conformance root without a tlog validity start is refused before any bundle is read', async () => {
    const path = `${CONFORMANCE}trust-root-tlog-missing-validity-start_fail/trusted_root.json`;
    // A missing root is refused with the same code: without this the test passes on no corpus.
    expect(existsSync(path), path).toBe(true);
    await expect(verifyBundle(`${CONFORMANCE}a.txt`, `${CONFORMANCE}trust-root-tlog-missing-validity-start_fail/bundle.sigstore.json`, { trustedRoot: path, certificateIdentityPattern: '.*', certificateIssuer: 'x' })).rejects.toMatchObject({
      code: 'TRUST_ROOT_INVALID',
    });
  });

  it('JSON that is not a root, not JSON, or not an object is refused', async () => {
    expect(await invalid('{not json')).toContain('is not JSON');
    // Text that does not start with { is taken for a path: a root is an object.
    expect(await invalid('[1, 2]')).toContain('cannot read the trusted root [1, 2]');
    expect(await invalid(Buffer.from('[]'))).toContain('it is not a JSON object');
  });
});

describe('forms and caching', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealkit-root-'));
  const text = JSON.stringify(PUBLIC_GOOD_TRUSTED_ROOT);
  const path = join(dir, 'trusted_root.json');
  writeFileSync(path, text);

  it('the same object twice gives the same material instance (parsed once)', async () => {
    const object = root();
    const first = await loadTrustedRoot(object);
    const second = await loadTrustedRoot(object);
    expect(second).toBe(first);
    expect(second.material).toBe(first.material);
  });

  it('a path, the JSON text and its bytes load the same root, parsed once by content', async () => {
    const fromPath = await loadTrustedRoot(path);
    const fromText = await loadTrustedRoot(text);
    const fromBytes = await loadTrustedRoot(Buffer.from(text));
    expect(fromText.material).toBe(fromPath.material);
    expect(fromBytes.material).toBe(fromPath.material);
    expect(fromPath.label).toBe(path);
    expect(fromText.label).toBe('the trustedRoot option');
  });

  it('JSON text with leading whitespace is text, not a path', async () => {
    await expect(loadTrustedRoot(`\n  ${text}`)).resolves.toMatchObject({ label: 'the trustedRoot option' });
  });

  it('a missing file, a directory and an oversized file are TRUST_ROOT_INVALID', async () => {
    expect(await invalid(join(dir, 'missing.json'))).toContain('cannot read the trusted root');
    expect(await invalid(dir)).toContain('not a regular file');
    const big = join(dir, 'big.json');
    writeFileSync(big, Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(await invalid(big)).toContain('too large');
  });

  it('a value that is none of the forms is a usage error', async () => {
    await expect(loadTrustedRoot(42 as unknown as string)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('the embedded root is parsed once per process and used by default', async () => {
    expect(publicGoodTrustedRoot()).toBe(publicGoodTrustedRoot());
    const trust = await resolveTrust({});
    expect(trust.general.material).toBe(publicGoodTrustedRoot().material);
    expect(trust.npm.material).toBe(publicGoodTrustedRoot().material);
    expect(trust.general.rootLabel).toContain('public-good');
  });
});

describe('resolveTrust', () => {
  it('trustedRoot and tuf together are a usage error', async () => {
    await expect(resolveTrust({ trustedRoot: root(), tuf: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('npm publish attestations get the registry keys only, strictly by hint, never certificates, with a witness', async () => {
    const trust = await resolveTrust({ publicKeys: [] });
    expect(trust.npm).toMatchObject({ strictHint: true, allowCertificates: false, keyWitness: 'tlog' });
    expect(trust.npm.keys.length).toBeGreaterThan(0);
    expect(trust.general).toMatchObject({ strictHint: false, allowCertificates: true, keyWitness: 'none', keys: [] });
  });

  it('requireKeyWitness raises the key-signed threshold', async () => {
    expect((await resolveTrust({ requireKeyWitness: true })).general.keyWitness).toBe('timestamp');
  });
});
