/**
 * The one online path of verification: a TUF update of the trusted root, against a real TUF
 * repository served over HTTP on 127.0.0.1 (metadata signed by `@tufjs/repo-mock`'s keys,
 * read by `@sigstore/tuf` as it reads the public-good repository). The refreshed root is the
 * one verification uses; a repository that serves something else fails closed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tufHandlers } from '@tufjs/repo-mock/dist/handler.js';
import { initializeTUFRepo } from '@tufjs/repo-mock/dist/repo.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestProvenance } from '../../../src/attest/index.js';
import { fetchTrustedRoot } from '../../../src/verify/trust/tuf-refresh.js';
import { verifySlsaLevel } from '../../../src/verify/index.js';
import { closeServer, keylessOptions, startSigstoreStack, type SigstoreStack } from '../../sign/support/index.js';

let stack: SigstoreStack;
let scratch: string;
const servers: Server[] = [];

beforeAll(async () => {
  stack = await startSigstoreStack();
  scratch = mkdtempSync(join(tmpdir(), 'sealkit-tuf-'));
});
afterAll(async () => {
  await Promise.all([stack.close(), ...servers.map((s) => closeServer(s))]);
  rmSync(scratch, { recursive: true, force: true });
});

/** Serves a TUF repository whose `trusted_root.json` target is `content`; returns its URL and initial root. */
async function serveRepository(content: string, tamper?: (path: string, body: string | Buffer) => string | Buffer) {
  const repository = initializeTUFRepo([{ name: 'trusted_root.json', content }]);
  const handlers = tufHandlers(repository, { metadataPathPrefix: '' });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const handler = handlers.find((h) => h.path === path);
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    const answer = handler.fn();
    res.writeHead(answer.statusCode, { 'content-type': answer.contentType ?? 'application/octet-stream' });
    res.end(tamper ? tamper(path, answer.response) : answer.response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const rootPath = join(scratch, `root-${portOf(server)}.json`);
  writeFileSync(rootPath, JSON.stringify(repository.rootMeta.toJSON()));
  return { mirrorUrl: `http://127.0.0.1:${portOf(server)}`, rootPath, cachePath: mkdtempSync(join(scratch, 'cache-')) };
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

describe('online trusted-root refresh (tuf option)', () => {
  it('fetches the root a TUF repository signs, and verification uses it', async () => {
    const repository = await serveRepository(JSON.stringify(stack.trustedRoot));
    expect(await fetchTrustedRoot(repository)).toMatchObject({ mediaType: stack.trustedRoot.mediaType, tlogs: [{ baseUrl: stack.rekor.url }] });

    const artifact = Buffer.from('refreshed-root artifact');
    const { bundle } = await attestProvenance({ artifact, name: 'artifact' }, {
      ...keylessOptions(stack),
      provenance: { buildType: 'https://example.com/build/v1', builderId: 'https://example.com/builder' },
    });
    const policy = { attestations: bundle, certificateIdentity: 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main', certificateIssuer: 'https://token.actions.example.test' };
    const refreshed = await verifySlsaLevel(artifact, { ...policy, tuf: repository });
    expect(refreshed).toMatchObject({ verified: true, level: 1 });
    expect(refreshed.checks.find((c) => c.id === 'tlog')?.detail).toContain(`refreshed from ${repository.mirrorUrl}`);
    // The embedded public-good root does not trust the local services.
    const embedded = await verifySlsaLevel(artifact, policy);
    expect(embedded.verified).toBe(false);
  });

  it('fails closed with TRUST_ROOT_INVALID when the target does not match its signed metadata', async () => {
    const other = JSON.stringify({ ...stack.trustedRoot, tlogs: [] });
    const repository = await serveRepository(JSON.stringify(stack.trustedRoot), (path, body) => (path.endsWith('trusted_root.json') ? other : body));
    await expect(fetchTrustedRoot(repository)).rejects.toMatchObject({ code: 'TRUST_ROOT_INVALID' });
    await expect(verifySlsaLevel(Buffer.from('x'), { attestations: '{}', tuf: repository })).rejects.toMatchObject({ code: 'TRUST_ROOT_INVALID' });
  });

  it('fails closed when the repository cannot be reached, never falling back to the embedded root', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const mirrorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await closeServer(server);
    const repository = await serveRepository(JSON.stringify(stack.trustedRoot));
    await expect(
      verifySlsaLevel(Buffer.from('x'), { attestations: '{}', tuf: { mirrorUrl, rootPath: repository.rootPath, cachePath: mkdtempSync(join(scratch, 'cache-')) } }),
    ).rejects.toMatchObject({ code: 'TRUST_ROOT_INVALID', message: expect.stringContaining(mirrorUrl) });
  });
});
