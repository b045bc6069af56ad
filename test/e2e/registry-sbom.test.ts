/**
 * `registry:` sources against Debian's docker-registry on 127.0.0.1, fed by skopeo with the real
 * e2e images: the SBOM pulled from a registry, by tag and by digest, anonymous and behind
 * htpasswd, is the archive's SBOM; an index gives the platform asked for; wrong credentials, a
 * missing tag and a blob altered in the registry's storage each end in their own error code.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { REGISTRY_PASSWORD_ENV } from '../../src/cli/registry-options.js';
import { SealkitError } from '../../src/errors.js';
import { serializeSbom } from '../../src/index.js';
import { generateSbom, type GenerateSbomOptions } from '../../src/sbom/generate.js';
import type { Sbom } from '../../src/sbom/model.js';
import { captureIo } from '../support/capture-io.js';
import { tempDir } from '../support/image-builder.js';
import { sha256, storedBlobPath } from '../support/registry/raw.js';
import { skipRegistryTests, startRegistry, type RunningRegistry } from '../support/registry/registry-server.js';
import { loadMultiPlatformImage, pushImage, pushIndex, type MultiPlatformImage } from '../support/registry/seed.js';
import { loadRealImage, type RealImage } from './image-oracles.js';
import { loadPolyglotImage, type PolyglotImage } from './polyglot-oracles.js';

const USER = { username: 'sbom-reader', password: 'registry sbom e2e 4b1d' };
const REPO = 'sealkit-e2e/bookworm';
const TIMESTAMP = new Date('2025-01-01T00:00:00Z');
const ENV = { SOURCE_DATE_EPOCH: '1735689600' };

/** What must be equal between an SBOM of an archive and one of the same image in a registry. */
function content(sbom: Sbom) {
  const { layers, imageId, platform, manifestDigest } = sbom.source;
  return { packages: sbom.packages, relationships: sbom.relationships, distro: sbom.distro, warnings: sbom.warnings, layers, imageId, platform, manifestDigest };
}

async function failure(work: Promise<unknown>): Promise<SealkitError> {
  const error = await work.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(SealkitError);
  return error as SealkitError;
}

describe.skipIf(skipRegistryTests({ auth: true }))('SBOM from a registry (Debian docker-registry)', () => {
  let image: RealImage;
  let polyglot: PolyglotImage;
  let multi: MultiPlatformImage;
  let anonymous: RunningRegistry;
  let secured: RunningRegistry;
  let archive: Sbom;
  let polyglotArchive: Sbom;
  let digest: string;
  let work: string;
  const options: GenerateSbomOptions = { timestamp: TIMESTAMP };

  beforeAll(async () => {
    image = loadRealImage();
    polyglot = loadPolyglotImage();
    multi = loadMultiPlatformImage();
    work = await tempDir();
    const ociArchive = path.join(image.dir, image.description.archives['oci-archive']);
    const polyglotOci = path.join(polyglot.dir, polyglot.description.archives['oci-archive']);
    [anonymous, secured] = await Promise.all([startRegistry(), startRegistry({ auth: USER })]);
    let polyglotDigest: string;
    [digest, , polyglotDigest] = await Promise.all([
      pushImage(ociArchive, 'oci-archive', anonymous, `${REPO}:real`),
      pushImage(ociArchive, 'oci-archive', secured, `${REPO}:real`),
      pushImage(polyglotOci, 'oci-archive', anonymous, 'sealkit-e2e/polyglot:1'),
      pushIndex(anonymous, `${REPO}:multi`),
    ]);
    expect(polyglotDigest).toMatch(/^sha256:/);
    [archive, polyglotArchive] = await Promise.all([
      generateSbom(`oci-archive:${ociArchive}`, options),
      generateSbom(`oci-archive:${polyglotOci}`, options),
    ]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([anonymous?.stop(), secured?.stop()]);
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('pulls the real image by tag: the archive\'s SBOM, named by the registry, its tag and manifest digest', async () => {
    const location = `registry:${anonymous.host}/${REPO}:real`;
    const sbom = await generateSbom(location, options);
    expect(archive.source.manifestDigest).toBe(digest);
    expect(content(sbom)).toEqual(content(archive));
    expect(sbom.packages.length).toBeGreaterThan(100);
    expect(sbom.source).toMatchObject({ kind: 'image', scheme: 'registry', location, name: `${anonymous.host}/${REPO}`, tag: 'real', manifestDigest: digest });
    expect(sbom.source.indexDigest).toBeUndefined();
    const cyclonedx = JSON.parse(serializeSbom(sbom, 'cyclonedx-json')) as { metadata: { component: { name: string; version: string } } };
    expect(cyclonedx.metadata.component.version).toBe(digest);
  });

  it('pulls by a bare digest reference, with no scheme, and by digest with the scheme', async () => {
    const bare = await generateSbom(`${anonymous.host}/${REPO}@${digest}`, options);
    expect(content(bare)).toEqual(content(archive));
    expect(bare.source.scheme).toBe('registry');
    expect(bare.source.tag).toBeUndefined();
    const pinned = await generateSbom(`registry:${anonymous.host}/${REPO}:real@${digest}`, options);
    expect(content(pinned)).toEqual(content(archive));
  });

  it('pulls the polyglot image: every ecosystem as from its archive', async () => {
    const sbom = await generateSbom(`registry:${anonymous.host}/sealkit-e2e/polyglot:1`, options);
    expect(content(sbom)).toEqual(content(polyglotArchive));
    expect(new Set(sbom.packages.map((p) => p.type)).size).toBeGreaterThanOrEqual(6);
  });

  it('pulls behind htpasswd with the given credentials, and refuses wrong or missing ones', async () => {
    const location = `registry:${secured.host}/${REPO}:real`;
    const sbom = await generateSbom(location, { ...options, registry: { credentials: { [secured.host]: USER }, dockerConfig: false } });
    expect(content(sbom)).toEqual(content(archive));
    const wrong = await failure(generateSbom(location, { ...options, registry: { credentials: { [secured.host]: { ...USER, password: 'wrong-7f3a' } }, dockerConfig: false } }));
    expect(wrong.code).toBe('REGISTRY_UNAUTHORIZED');
    expect(wrong.message).toContain(secured.host);
    expect(wrong.message).not.toContain('wrong-7f3a');
    const none = await failure(generateSbom(location, { ...options, registry: { dockerConfig: false } }));
    expect(none.code).toBe('REGISTRY_UNAUTHORIZED');
  });

  it('reports a missing tag as REGISTRY_NOT_FOUND naming the registry and the reference', async () => {
    const error = await failure(generateSbom(`registry:${anonymous.host}/${REPO}:no-such-tag`, options));
    expect(error.code).toBe('REGISTRY_NOT_FOUND');
    expect(error.message).toContain(`${anonymous.host}/${REPO}:no-such-tag`);
  });

  it('follows the multi-platform index to the platform asked for, recording the index digest', async () => {
    const { indexDigest, manifests } = multi.description;
    const real = manifests.find((m) => m.role === 'real');
    const other = manifests.find((m) => m.role !== 'real');
    const location = `registry:${anonymous.host}/${REPO}:multi`;
    const byDefault = await generateSbom(location, options);
    expect(byDefault.source).toMatchObject({ manifestDigest: real?.digest, indexDigest, platform: real?.platform, imageId: real?.imageId });
    expect(byDefault.packages).toEqual(archive.packages);
    const picked = await generateSbom(location, { ...options, platform: other?.platform as string });
    expect(picked.source).toMatchObject({ manifestDigest: other?.digest, indexDigest, platform: other?.platform, imageId: other?.imageId });
    expect(picked.source.layers.map((l) => l.digest)).toEqual(other?.layers.map((l) => l.digest));
    const otherDpkg = JSON.parse(readFileSync(path.join(multi.dir, multi.description.oracles.otherDpkg), 'utf8')) as unknown[];
    expect(picked.packages.filter((p) => p.type === 'deb')).toHaveLength(otherDpkg.length);
    const missing = await failure(generateSbom(location, { ...options, platform: 'linux/s390x' }));
    expect(missing.code).toBe('PLATFORM_NOT_FOUND');
    expect(missing.message).toContain(anonymous.host);
  });

  it('runs as `sealkit sbom registry:REF` with the registry flags and the password from the environment', async () => {
    const output = path.join(work, 'cli.cdx.json');
    const io = captureIo(work, { ...ENV, [REGISTRY_PASSWORD_ENV]: USER.password });
    const code = await main(['sbom', `registry:${secured.host}/${REPO}:real`, '--registry-username', USER.username, '--output', output], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    type Bom = { metadata: { component: { version: string } }; components: unknown[]; dependencies: Array<{ ref: string }> };
    const bom = JSON.parse(readFileSync(output, 'utf8')) as Bom;
    const fromArchive = JSON.parse(serializeSbom(archive, 'cyclonedx-json')) as Bom;
    expect(bom.metadata.component.version).toBe(digest);
    expect(bom.components).toEqual(fromArchive.components);
    // the image's own entry is named after where it came from; the packages' are the same
    const ofPackages = (document: Bom) => document.dependencies.filter((entry) => !entry.ref.startsWith('source:'));
    expect(ofPackages(bom)).toEqual(ofPackages(fromArchive));
    expect(ofPackages(bom).length).toBeGreaterThan(100);

    const wrong = captureIo(work, ENV);
    const failed = await main(['sbom', `registry:${secured.host}/${REPO}:real`, '--registry-username', USER.username, '--registry-password', 'nope-91c'], wrong);
    expect(failed).toBe(1);
    expect(wrong.err()).toMatch(new RegExp(`^sealkit: REGISTRY_UNAUTHORIZED: .*${secured.host.replace(/\./g, '\\.')}.*\\n$`));
    expect(wrong.err()).not.toContain('nope-91c');
  });

  it('fails with REGISTRY_DIGEST_MISMATCH, and writes no SBOM, when a layer blob was altered in the registry storage', async () => {
    const layers = image.description.layers;
    for (const [layer, at] of [
      [layers[0], 'middle'],
      [layers[layers.length - 1], 'end'],
    ] as const) {
      const file = storedBlobPath(anonymous, layer!.digest);
      const original = readFileSync(file);
      expect(sha256(original)).toBe(layer!.digest);
      const tampered = Buffer.from(original);
      const offset = at === 'middle' ? Math.floor(tampered.length / 2) : tampered.length - 1;
      tampered[offset] = (tampered[offset] as number) ^ 0xff;
      writeFileSync(file, tampered);
      try {
        const error = await failure(generateSbom(`registry:${anonymous.host}/${REPO}@${digest}`, options));
        expect(error.code).toBe('REGISTRY_DIGEST_MISMATCH');
        expect(error.message).toContain(layer!.digest);
        const output = path.join(work, `tampered-${at}.json`);
        const io = captureIo(work, ENV);
        expect(await main(['sbom', `registry:${anonymous.host}/${REPO}:real`, '--output', output], io)).toBe(1);
        expect(io.err()).toMatch(/^sealkit: REGISTRY_DIGEST_MISMATCH: [^\n]+\n$/);
        expect(existsSync(output)).toBe(false);
      } finally {
        writeFileSync(file, original);
      }
    }
  });
});
