import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initializeTLog, rekorHandler } from '@sigstore/mock/dist/rekor/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signArtifact, type SignProgress } from '../../src/sign/index.js';
import { mintIdentityToken, startHandlerServer, startSigstoreStack, type HandlerServer, type SigstoreStack } from './support/index.js';

let stack: SigstoreStack;
let proofless: HandlerServer;
let dir: string;

beforeAll(async () => {
  stack = await startSigstoreStack();
  // A log that answers without an inclusion proof: a v0.3 bundle cannot be made from that.
  proofless = await startHandlerServer();
  const tlog = await initializeTLog(proofless.url, generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const handler = rekorHandler(tlog);
  proofless.use([
    {
      path: handler.path,
      fn: async (body) => {
        const answer = await handler.fn(body);
        const entries = JSON.parse(String(answer.response)) as Record<string, { verification: Record<string, unknown> }>;
        for (const entry of Object.values(entries)) delete entry.verification.inclusionProof;
        return { ...answer, response: JSON.stringify(entries) };
      },
    },
  ]);
  dir = await mkdtemp(join(tmpdir(), 'sealkit-bundle-'));
});
afterAll(async () => {
  await Promise.all([stack.close(), proofless.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('completeBundle', () => {
  it('refuses to return or write a bundle missing what v0.3 requires', async () => {
    const out = join(dir, 'incomplete.sigstore.json');
    await expect(
      signArtifact(Buffer.from('a'), { identityToken: mintIdentityToken(), fulcioUrl: stack.fulcio.url, rekorUrl: proofless.url, env: {}, bundlePath: out }),
    ).rejects.toMatchObject({ code: 'BUNDLE_INVALID', message: expect.stringContaining('inclusionProof') });
    expect(await readdir(dir)).toEqual([]);
  });

  it('leaves no file at all when the bundle cannot be written', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const out = join(dir, 'no-such-dir', 'x.sigstore.json');
    await expect(signArtifact(Buffer.from('a'), { key: privateKey, bundlePath: out })).rejects.toMatchObject({
      code: 'OUTPUT_WRITE_FAILED',
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('replaces an existing bundle whole', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const out = join(dir, 'replace.sigstore.json');
    await writeFile(out, 'old contents that are longer than nothing');
    const result = await signArtifact(Buffer.from('a'), { key: privateKey, bundlePath: out });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(result.bundle);
    expect(await readdir(dir)).toEqual(['replace.sigstore.json']);
    await rm(out);
  });

  it('reports progress through every stage, in order', async () => {
    const stages: SignProgress['stage'][] = [];
    const out = join(dir, 'progress.sigstore.json');
    await signArtifact(Buffer.alloc(1000), {
      identityToken: mintIdentityToken(),
      ...stack.services,
      env: {},
      bundlePath: out,
      onProgress: (p) => {
        if (stages.at(-1) !== p.stage) stages.push(p.stage);
      },
    });
    expect(stages).toEqual(['identity', 'hash', 'certificate', 'witness', 'write']);
    await rm(out);
  });
});
