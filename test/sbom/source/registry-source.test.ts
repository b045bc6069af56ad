/**
 * Registry sources against an in-memory OCI registry on 127.0.0.1: the image a registry serves
 * scans as the same OCI layout does from an archive; indexes, link targets, progress, abort, and
 * blobs the registry serves altered.
 */
import { mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SealkitError } from '../../../src/errors.js';
import { generateSbom } from '../../../src/sbom/generate.js';
import type { Sbom } from '../../../src/sbom/model.js';
import { openSource } from '../../../src/sbom/source/open-source.js';
import { looksLikeImageReference } from '../../../src/sbom/source/registry-source.js';
import type { SbomProgress } from '../../../src/sbom/source/scanned-source.js';
import { Selection } from '../../../src/sbom/source/selection.js';
import { TreeView } from '../../../src/sbom/source/tree-view.js';
import { ociLayoutFiles, sha256, tarOf, tempDir, writeTar, type TestImage } from '../../support/image-builder.js';
import { startMemoryRegistry, type MemoryRegistry } from '../../registry/support/memory-registry.js';

const TIMESTAMP = new Date('2025-01-01T00:00:00Z');
const INDEX = 'application/vnd.oci.image.index.v1+json';

function dpkg(name: string, version: string): string {
  return `Package: ${name}\nStatus: install ok installed\nVersion: ${version}\nArchitecture: amd64\n\n`;
}

const app: TestImage = {
  tag: 'v1',
  layers: [
    { entries: [{ path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' }, { path: 'var/lib/dpkg/status', content: dpkg('base-files', '12.4') }] },
    { entries: [{ path: 'var/lib/dpkg/status', content: dpkg('base-files', '12.4') + dpkg('curl', '7.88.1-10') }], compression: 'zstd' },
    { entries: [{ path: 'opt/notes.txt', content: 'plain layer\n' }], compression: 'none' },
  ],
};

/** Puts an OCI layout's blobs and manifests into the registry; tags `tag` with the layout's only manifest, or its index. */
async function seed(
  registry: MemoryRegistry,
  repo: string,
  tag: string,
  images: readonly TestImage[],
  extraIndexEntries: unknown[] = [],
): Promise<{ files: Map<string, Buffer>; digest: string; manifestDigest: string; manifest: { layers: Array<{ digest: string }> } }> {
  const files = await ociLayoutFiles(images);
  const index = JSON.parse((files.get('index.json') as Buffer).toString()) as { manifests: Array<{ digest: string; mediaType: string }> };
  for (const [name, data] of files) {
    if (!name.startsWith('blobs/')) continue;
    registry.blobs.set(sha256(data), data);
  }
  for (const entry of index.manifests) {
    registry.manifests.set(entry.digest, { bytes: files.get(`blobs/sha256/${entry.digest.slice(7)}`) as Buffer, mediaType: entry.mediaType });
  }
  let digest: string;
  if (images.length === 1 && extraIndexEntries.length === 0) {
    digest = (index.manifests[0] as { digest: string }).digest;
  } else {
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [...extraIndexEntries, ...index.manifests] }));
    digest = sha256(bytes);
    registry.manifests.set(digest, { bytes, mediaType: INDEX });
  }
  registry.tags.set(`${repo}:${tag}`, digest);
  const manifestDigest = (index.manifests[0] as { digest: string }).digest;
  const first = files.get(`blobs/sha256/${manifestDigest.slice(7)}`) as Buffer;
  return { files, digest, manifestDigest, manifest: JSON.parse(first.toString()) as { layers: Array<{ digest: string }> } };
}

function model(sbom: Sbom) {
  const { layers, imageId, platform, manifestDigest } = sbom.source;
  return { packages: sbom.packages, relationships: sbom.relationships, distro: sbom.distro, warnings: sbom.warnings, layers, imageId, platform, manifestDigest };
}

async function failure(work: Promise<unknown>): Promise<SealkitError> {
  const error = await work.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(SealkitError);
  return error as SealkitError;
}

describe('registry source', () => {
  let registry: MemoryRegistry;
  let dir: string;
  let digest: string;
  let archive: Sbom;

  beforeAll(async () => {
    registry = await startMemoryRegistry({ referrersApi: false });
    dir = await tempDir();
    const seeded = await seed(registry, 'team/app', 'v1', [app]);
    digest = seeded.digest;
    archive = await generateSbom(`oci-archive:${await writeTar(join(dir, 'app.tar'), seeded.files)}`, { timestamp: TIMESTAMP });
  });

  afterAll(async () => {
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('scans the image a tag names as its OCI archive scans, and names it by registry, tag and manifest digest', async () => {
    const location = `registry:${registry.host}/team/app:v1`;
    const sbom = await generateSbom(location, { timestamp: TIMESTAMP });
    expect(model(sbom)).toEqual(model(archive));
    expect(sbom.packages.map((p) => p.name)).toEqual(['base-files', 'curl']);
    expect(sbom.source).toMatchObject({ kind: 'image', scheme: 'registry', location, name: `${registry.host}/team/app`, tag: 'v1', manifestDigest: digest });
    expect(sbom.source.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+zstd',
      'application/vnd.oci.image.layer.v1.tar',
    ]);
    expect(sbom.source.layers.map((l) => l.createdBy)).toEqual(['step 0', 'step 1', 'step 2']);
  });

  it('takes a bare digest reference, and a bare host/repo:tag, when no such path exists', async () => {
    const bare = await generateSbom(`${registry.host}/team/app@${digest}`, { timestamp: TIMESTAMP });
    expect(model(bare)).toEqual(model(archive));
    expect(bare.source.tag).toBeUndefined();
    const tagged = await generateSbom(`${registry.host}/team/app:v1`, { timestamp: TIMESTAMP });
    expect(tagged.source.scheme).toBe('registry');
  });

  it('keeps an existing relative path a path, even when it reads as a reference', async () => {
    const cwd = process.cwd();
    await mkdir(join(dir, 'registry.local/app'), { recursive: true });
    process.chdir(dir);
    try {
      const sbom = await generateSbom('registry.local/app', { timestamp: TIMESTAMP });
      expect(sbom.source.scheme).toBe('dir');
    } finally {
      process.chdir(cwd);
    }
  });

  it('tells references from paths', () => {
    for (const text of ['ghcr.io/org/app:1.0', 'localhost/app', '127.0.0.1:5000/app', `app@sha256:${'a'.repeat(64)}`, `[::1]:5000/app:v1`]) {
      expect(looksLikeImageReference(text), text).toBe(true);
    }
    for (const text of ['build/image.tar', './ghcr.io/app', '../x.y/app', '/abs.d/app', 'image.tar', 'app:1.0', 'x.y/App', 'dir.d/a b']) {
      expect(looksLikeImageReference(text), text).toBe(false);
    }
  });

  it('follows an index to the platform asked for, never to an attestation manifest, and records the index digest', async () => {
    const arm: TestImage = { architecture: 'arm64', variant: 'v8', layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: dpkg('busybox', '1.35') }] }] };
    const provenance = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('{}'), size: 2 }, layers: [] }));
    registry.manifests.set(sha256(provenance), { bytes: provenance, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    const attestation = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256(provenance),
      size: provenance.length,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': digest },
    };
    const { digest: indexDigest, manifestDigest } = await seed(registry, 'team/multi', 'v1', [app, arm], [attestation]);
    const location = `registry:${registry.host}/team/multi:v1`;
    const amd = await generateSbom(location, { timestamp: TIMESTAMP });
    expect(amd.source).toMatchObject({ indexDigest, manifestDigest, platform: 'linux/amd64' });
    // the layout was built again (its tar headers carry new times): same packages, other layers
    expect(amd.packages.map((p) => p.purl)).toEqual(archive.packages.map((p) => p.purl));
    const arm64 = await generateSbom(location, { timestamp: TIMESTAMP, platform: 'linux/arm64/v8' });
    expect(arm64.source).toMatchObject({ indexDigest, platform: 'linux/arm64/v8' });
    expect(arm64.packages.map((p) => p.name)).toEqual(['busybox']);
    const unknown = await failure(generateSbom(location, { timestamp: TIMESTAMP, platform: 'unknown/unknown' }));
    expect(unknown.code).toBe('PLATFORM_NOT_FOUND');
    expect(unknown.message).toMatch(/attestation/);
    const missing = await failure(generateSbom(location, { timestamp: TIMESTAMP, platform: 'linux/s390x' }));
    expect(missing.code).toBe('PLATFORM_NOT_FOUND');
    expect(missing.message).toContain(`${registry.host}/team/multi:v1`);
  });

  it('fetches a link target nobody asked for from the registry in a second pass', async () => {
    const linked: TestImage = {
      layers: [{ entries: [{ path: 'opt/real/os-release', content: 'ID=custom\n' }, { path: 'etc/os-release', symlink: '/opt/real/os-release' }] }],
    };
    await seed(registry, 'team/links', 'v1', [linked]);
    const selection = new Selection();
    selection.addPattern('etc/os-release', 1024, false);
    const scanned = await openSource(`registry:${registry.host}/team/links:v1`, { platform: 'linux/amd64', selectionFor: () => selection });
    const view = () => new TreeView(scanned.tree, scanned.tree.layerCount - 1);
    expect(view().read('/etc/os-release')).toBeUndefined();
    expect(await scanned.fetchMissing()).toBe(true);
    expect(view().read('/etc/os-release')?.toString()).toBe('ID=custom\n');
    expect(await scanned.fetchMissing()).toBe(false);
    await scanned.close();
  });

  it('reports layer progress up to the compressed size of every layer', async () => {
    const events: SbomProgress[] = [];
    await generateSbom(`registry:${registry.host}/team/app:v1`, { timestamp: TIMESTAMP, onProgress: (event) => events.push(event) });
    const layers = events.filter((e): e is Extract<SbomProgress, { phase: 'layers' }> => e.phase === 'layers');
    const total = archive.source.layers.reduce((sum, l) => sum + (l.size ?? 0), 0);
    expect(layers.map((e) => e.layer)).toContain(3);
    expect(layers.every((e) => e.layers === 3 && e.bytesTotal === total)).toBe(true);
    expect(layers.at(-1)?.bytesRead).toBe(total);
    expect(events.at(-1)?.phase).toBe('catalog');
  });

  it('stops with ABORTED when the signal fires while layers stream', async () => {
    const controller = new AbortController();
    const error = await failure(
      generateSbom(`registry:${registry.host}/team/app:v1`, {
        signal: controller.signal,
        onProgress: (event) => {
          if (event.phase === 'layers' && event.bytesRead > 0) controller.abort();
        },
      }),
    );
    expect(error.code).toBe('ABORTED');
  });

  describe('blobs the registry serves altered', () => {
    // incompressible, so that the blob spans many reads and a parse error comes long before its end
    const image: TestImage = {
      layers: [{ entries: [{ path: 'var/lib/dpkg/status', content: dpkg('curl', '7.88.1-10') }, { path: 'opt/noise.bin', content: randomBytes(4 * 1024 * 1024) }] }],
    };

    async function servedAltered(repo: string, alter: (blob: Buffer) => Buffer): Promise<SealkitError> {
      const { manifest } = await seed(registry, repo, 'v1', [image]);
      const layerDigest = manifest.layers[0]!.digest;
      const original = registry.blobs.get(layerDigest) as Buffer;
      registry.blobs.set(layerDigest, alter(original));
      try {
        const error = await failure(generateSbom(`registry:${registry.host}/${repo}:v1`, { timestamp: TIMESTAMP }));
        expect(error.message).toContain(layerDigest);
        return error;
      } finally {
        registry.blobs.set(layerDigest, original);
      }
    }

    it('bytes changed at its start, which break the gzip stream at once, are a digest mismatch, not a corrupt layer', async () => {
      const error = await servedAltered('altered/start', (blob) => {
        const copy = Buffer.from(blob);
        // the first deflate block header, right after the 10-byte gzip header: block type 3 is invalid
        copy.fill(0xff, 10, 16);
        return copy;
      });
      expect(error.code).toBe('REGISTRY_DIGEST_MISMATCH');
    });

    it('another valid layer in its place is a digest mismatch', async () => {
      const other = gzipSync(await tarOf([{ path: 'var/lib/dpkg/status', content: dpkg('evil', '6.6.6') }]));
      expect((await servedAltered('altered/swapped', () => other)).code).toBe('REGISTRY_DIGEST_MISMATCH');
    });

    it('a blob cut short is a digest mismatch', async () => {
      expect((await servedAltered('altered/short', (blob) => blob.subarray(0, blob.length - 100))).code).toBe('REGISTRY_DIGEST_MISMATCH');
    });
  });

  it('a layer that is what its digest says but no tar stream stays a corrupt layer', async () => {
    const junk: TestImage = { layers: [{ raw: gzipSync(Buffer.from('not a tar archive, but gzip all the same '.repeat(40))) }] };
    const error = await failure(seed(registry, 'team/junk', 'v1', [junk]).then(() => generateSbom(`registry:${registry.host}/team/junk:v1`, { timestamp: TIMESTAMP })));
    expect(error.code).toBe('LAYER_CORRUPT');
  });

  it('refuses a config whose diffIDs do not match the layers', async () => {
    const bad: TestImage = { layers: [{ entries: [{ path: 'a', content: 'a' }] }] };
    const { manifest } = await seed(registry, 'team/bad', 'v1', [bad]);
    // a manifest listing the layer twice against a config listing it once
    manifest.layers.push(manifest.layers[0]!);
    const bytes = Buffer.from(JSON.stringify(manifest));
    registry.manifests.set(sha256(bytes), { bytes, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    registry.tags.set('team/bad:v1', sha256(bytes));
    const error = await failure(generateSbom(`registry:${registry.host}/team/bad:v1`, { timestamp: TIMESTAMP }));
    expect(error.code).toBe('MANIFEST_INVALID');
  });
});
