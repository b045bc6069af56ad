/**
 * A small in-memory OCI registry on 127.0.0.1 for what Debian's distribution 2.8 lacks: the
 * OCI 1.1 referrers API (switchable), and tags in cosign's older layout. Manifests, blobs,
 * monolithic uploads and tag lists only; no auth.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { json, startFakeServer, type FakeServer } from './fake-registry.js';

/** A running in-memory registry. */
export interface MemoryRegistry extends FakeServer {
  manifests: Map<string, { bytes: Buffer; mediaType: string }>;
  tags: Map<string, string>;
  blobs: Map<string, Buffer>;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts it; with `referrersApi` it answers `GET /v2/<name>/referrers/<digest>` and sets `OCI-Subject`. */
export async function startMemoryRegistry(options: { referrersApi: boolean }): Promise<MemoryRegistry> {
  const manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  const tags = new Map<string, string>();
  const blobs = new Map<string, Buffer>();
  const server = await startFakeServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/v2\/(.+?)\/(manifests|blobs|referrers|tags)\/(.*)$/.exec(url.pathname);
    if (match === null) return json(res, 404, { errors: [{ code: 'NAME_UNKNOWN' }] });
    const [, repo = '', kind, rest = ''] = match;
    if (kind === 'manifests') {
      if (req.method === 'PUT') {
        const bytes = await body(req);
        const digest = sha256(bytes);
        manifests.set(digest, { bytes, mediaType: req.headers['content-type'] ?? '' });
        if (!rest.startsWith('sha256:')) tags.set(`${repo}:${rest}`, digest);
        const subject = (JSON.parse(bytes.toString('utf8')) as { subject?: { digest: string } }).subject;
        res.writeHead(201, {
          'docker-content-digest': digest,
          ...(options.referrersApi && subject ? { 'oci-subject': subject.digest } : {}),
        });
        return res.end();
      }
      const digest = rest.startsWith('sha256:') ? rest : tags.get(`${repo}:${rest}`);
      const found = digest === undefined ? undefined : manifests.get(digest);
      if (found === undefined || digest === undefined) return json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
      res.writeHead(200, { 'content-type': found.mediaType, 'docker-content-digest': digest, 'content-length': String(found.bytes.length) });
      return res.end(req.method === 'HEAD' ? undefined : found.bytes);
    }
    if (kind === 'blobs') {
      if (rest.startsWith('uploads/')) {
        if (req.method === 'POST') {
          res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/session` });
          return res.end();
        }
        const data = await body(req);
        const digest = url.searchParams.get('digest') ?? '';
        if (sha256(data) !== digest) return json(res, 400, { errors: [{ code: 'DIGEST_INVALID' }] });
        blobs.set(digest, data);
        res.writeHead(201, { 'docker-content-digest': digest });
        return res.end();
      }
      const data = blobs.get(rest);
      if (data === undefined) return json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
      res.writeHead(200, { 'content-length': String(data.length) });
      return res.end(req.method === 'HEAD' ? undefined : data);
    }
    if (kind === 'referrers') {
      if (!options.referrersApi) return json(res, 404, { errors: [{ code: 'NOT_FOUND' }] });
      const wanted = url.searchParams.get('artifactType');
      const list = [...manifests.entries()].flatMap(([digest, { bytes, mediaType }]) => {
        const doc = JSON.parse(bytes.toString('utf8')) as { subject?: { digest: string }; artifactType?: string; annotations?: Record<string, string> };
        if (doc.subject?.digest !== rest || (wanted !== null && doc.artifactType !== wanted)) return [];
        return [{ mediaType, digest, size: bytes.length, artifactType: doc.artifactType, ...(doc.annotations ? { annotations: doc.annotations } : {}) }];
      });
      return json(res, 200, { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: list }, {
        'content-type': 'application/vnd.oci.image.index.v1+json',
        ...(wanted === null ? {} : { 'oci-filters-applied': 'artifactType' }),
      });
    }
    const names = [...tags.keys()].filter((k) => k.startsWith(`${repo}:`)).map((k) => k.slice(repo.length + 1));
    return json(res, 200, { name: repo, tags: names });
  });
  return { ...server, manifests, tags, blobs };
}
