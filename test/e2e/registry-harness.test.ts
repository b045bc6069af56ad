/**
 * The registry test harness (test/support/registry/) against itself and independent readers:
 * Debian's docker-registry started anonymous and with htpasswd auth on 127.0.0.1, fed by skopeo
 * with the real e2e image and the multi-platform index, read back with plain HTTP requests and
 * `skopeo inspect`.
 */
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedBlobPath, rawBlob, rawManifest, rawRequest, rawTags, sha256, skopeoInspectDigest, skopeoInspectRaw } from '../support/registry/raw.js';
import { freePort, skipRegistryTests, startRegistry, type RunningRegistry } from '../support/registry/registry-server.js';
import { loadMultiPlatformImage, pushImage, pushIndex, type MultiPlatformImage } from '../support/registry/seed.js';
import { loadRealImage, type RealImage } from './image-oracles.js';

const USER = { username: 'release-bot', password: 'correct horse battery staple' };
const REPO = 'sealkit-e2e/bookworm';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

interface Manifest {
  mediaType?: string;
  config: { digest: string; mediaType: string };
  layers: Array<{ digest: string; mediaType: string; size: number }>;
}
interface Index {
  mediaType?: string;
  manifests: Array<{ digest: string; mediaType: string; size: number; platform?: { os: string; architecture: string } }>;
}

const timings: Record<string, number> = {};
async function timed<T>(name: string, work: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

describe.skipIf(skipRegistryTests({ auth: true }))('registry test harness', () => {
  let image: RealImage;
  let multi: MultiPlatformImage;
  let anonymous: RunningRegistry;
  let secured: RunningRegistry;
  let ociArchive: string;
  /** The OCI archive's manifest digest, from the image.json the image build wrote. */
  let manifestDigest: string;
  const indexDigests: Record<string, string> = {};

  beforeAll(async () => {
    image = await timed('real image (cache)', () => loadRealImage());
    multi = await timed('multi-platform image (cache)', () => loadMultiPlatformImage());
    ociArchive = path.join(image.dir, image.description.archives['oci-archive']);
    manifestDigest = String((image.description as unknown as { manifestDigest?: unknown }).manifestDigest);
    expect(manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    [anonymous, secured] = await timed('start both registries', () => Promise.all([startRegistry(), startRegistry({ auth: USER })]));
    await timed('seed oci-archive, anonymous', () => pushImage(ociArchive, 'oci-archive', anonymous, `${REPO}:real`));
    await timed('seed oci-archive, htpasswd', () => pushImage(ociArchive, 'oci-archive', secured, `${REPO}:real`));
    indexDigests.anonymous = await timed('seed index, anonymous', async () => (await pushIndex(anonymous, `${REPO}:multi`)).digest);
    indexDigests.secured = await timed('seed index, htpasswd', async () => (await pushIndex(secured, `${REPO}:multi`)).digest);
  });

  afterAll(async () => {
    await timed('stop both registries', () => Promise.all([anonymous?.stop(), secured?.stop()]));
    console.log(`registry harness timings (ms): ${JSON.stringify(timings)}`);
  });

  it('answers GET /v2/ with 200 anonymously, and with 401 and a basic challenge behind htpasswd', async () => {
    expect(anonymous.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(anonymous.url).toBe(`http://${anonymous.host}`);
    expect(anonymous.auth).toBeUndefined();
    expect((await rawRequest(anonymous, '/v2/')).status).toBe(200);

    const challenge = await rawRequest(secured, '/v2/', { auth: null });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
    expect((await rawRequest(secured, '/v2/')).status).toBe(200);
    expect(readFileSync(secured.configPath, 'utf8')).toMatch(/htpasswd/);
    expect(readFileSync(anonymous.configPath, 'utf8')).not.toMatch(/htpasswd/);
  });

  it('refuses wrong credentials and anonymous reads behind htpasswd, to skopeo as to plain requests', async () => {
    const wrong = { username: USER.username, password: 'not-the-password-7f3a' };
    expect((await rawRequest(secured, '/v2/', { auth: wrong })).status).toBe(401);
    expect((await rawRequest(secured, `/v2/${REPO}/manifests/real`, { auth: null })).status).toBe(401);
    expect((await rawRequest(secured, `/v2/${REPO}/manifests/real`, { auth: wrong })).status).toBe(401);
    const failures = await Promise.all([
      pushImage(ociArchive, 'oci-archive', secured, `${REPO}:wrong`, { credentials: wrong }).then(() => undefined, (error: Error) => error),
      skopeoInspectDigest(secured, `${REPO}:real`, wrong).then(() => undefined, (error: Error) => error),
    ]);
    for (const failure of failures) {
      expect(failure?.message).toMatch(/unauthorized|authentication required|401/i);
      // skopeo gets credentials in a short-lived auth file, never on its command line.
      expect(failure?.message).not.toContain(wrong.password);
    }
    expect(await rawTags(secured, REPO)).not.toContain('wrong');
  });

  it('keeps the OCI archive\'s manifest digest in both registries, as plain requests and skopeo see it', async () => {
    const expected = manifestDigest;
    for (const registry of [anonymous, secured]) {
      const manifest = await rawManifest(registry, REPO, 'real');
      expect(manifest.digest).toBe(expected);
      expect(manifest.headerDigest).toBe(expected);
      expect(manifest.mediaType).toBe(OCI_MANIFEST);
      const json = manifest.json as Manifest;
      expect(json.config.digest).toBe(image.description.imageId);
      expect(json.layers.map((layer) => layer.digest)).toEqual(image.description.layers.map((layer) => layer.digest));
      expect(await skopeoInspectDigest(registry, `${REPO}:real`)).toBe(expected);
      expect((await skopeoInspectRaw(registry, `${REPO}@${expected}`)).digest).toBe(expected);
      expect(sha256(await rawBlob(registry, REPO, image.description.imageId))).toBe(image.description.imageId);
    }
  });

  it('lists the multi-platform index with both platforms, the real image being the host\'s', async () => {
    const { description } = multi;
    expect(indexDigests).toEqual({ anonymous: description.indexDigest, secured: description.indexDigest });
    for (const registry of [anonymous, secured]) {
      const index = await rawManifest(registry, REPO, 'multi');
      expect(index.digest).toBe(description.indexDigest);
      expect(index.mediaType).toBe(OCI_INDEX);
      const json = index.json as Index;
      const platforms = json.manifests.map((entry) => `${entry.platform?.os}/${entry.platform?.architecture}`);
      expect(platforms.sort()).toEqual(['linux/amd64', 'linux/arm64']);
      expect(json.manifests.map((entry) => entry.digest)).toEqual(description.manifests.map((entry) => entry.digest));
      const real = json.manifests.find((entry) => `${entry.platform?.os}/${entry.platform?.architecture}` === image.description.platform);
      expect(real?.digest).toBe(manifestDigest);
      // Every platform's image arrived whole: manifest, config and layers.
      for (const entry of json.manifests) {
        const child = await rawManifest(registry, REPO, entry.digest);
        expect(child.digest).toBe(entry.digest);
        expect(child.body.length).toBe(entry.size);
        const manifest = child.json as Manifest;
        for (const blob of [manifest.config, ...manifest.layers]) {
          expect((await rawRequest(registry, `/v2/${REPO}/blobs/${blob.digest}`, { method: 'HEAD' })).status, blob.digest).toBe(200);
        }
      }
      expect((await skopeoInspectRaw(registry, `${REPO}:multi`)).digest).toBe(description.indexDigest);
      expect(await rawTags(registry, REPO)).toEqual(['multi', 'real']);
    }
    const other = description.manifests.find((entry) => entry.role === 'busybox-static');
    const dpkg = JSON.parse(readFileSync(path.join(multi.dir, description.oracles.otherDpkg), 'utf8')) as Array<{ name: string; arch: string }>;
    expect(dpkg.map((row) => `${row.name}:${row.arch}`)).toEqual([`busybox-static:${other?.platform.split('/')[1]}`]);
  });

  it('pushes a docker-archive as a Docker v2 manifest over the same config', async () => {
    const archive = path.join(image.dir, image.description.archives['docker-archive']);
    const digest = await timed('seed docker-archive, anonymous', () => pushImage(archive, 'docker-archive', anonymous, `${REPO}:docker`));
    const manifest = await rawManifest(anonymous, REPO, 'docker');
    expect(manifest.digest).toBe(digest);
    expect(manifest.mediaType).toBe(DOCKER_MANIFEST);
    expect((manifest.json as Manifest).config.digest).toBe(image.description.imageId);
    expect(await skopeoInspectDigest(anonymous, `${REPO}:docker`)).toBe(digest);
  });

  it('shows where the registry stores a blob, and logs every request', async () => {
    const file = storedBlobPath(anonymous, image.description.imageId);
    expect(sha256(readFileSync(file))).toBe(image.description.imageId);
    const requests = anonymous.requests();
    expect(requests).toContainEqual({ method: 'GET', path: '/v2/', status: 200 });
    expect(requests.some((r) => r.method === 'PUT' && r.path === `/v2/${REPO}/manifests/real` && r.status === 201)).toBe(true);
    expect(secured.requests()).toContainEqual({ method: 'GET', path: '/v2/', status: 401 });
    expect(anonymous.logs()).toMatch(/listening on 127\.0\.0\.1:\d+/);
  });

  it('stops a registry: its port closes and its folder is removed', async () => {
    const registry = await timed('start one more (anonymous)', () => startRegistry());
    expect((await rawRequest(registry, '/v2/')).status).toBe(200);
    await timed('stop it', () => registry.stop());
    expect(existsSync(registry.dir)).toBe(false);
    const [, port] = registry.host.split(':');
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    await registry.stop();
  });

  it('tries another port when the one it chose was taken before the registry could bind it', async () => {
    // It accepts and never answers, as a port taken by something else may; its sockets are ended at the close.
    const sockets = new Set<net.Socket>();
    const squatter = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const address = squatter.address();
    const busy = typeof address === 'object' && address ? address.port : 0;
    const offered: number[] = [];
    try {
      const registry = await startRegistry({
        choosePort: async () => {
          const port = offered.length === 0 ? busy : await freePort();
          offered.push(port);
          return port;
        },
      });
      try {
        expect(offered).toHaveLength(2);
        expect(offered[0]).toBe(busy);
        expect(registry.host).toBe(`127.0.0.1:${offered[1]}`);
        expect((await rawRequest(registry, '/v2/')).status).toBe(200);
      } finally {
        await registry.stop();
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
