/**
 * The Rekor v1 `hashedrekord` witness against a log that answers the rarer ways: an entry
 * that already exists (HTTP 409 with its location, as for a deterministic RSA signature
 * logged twice), and a log that records something else than it was sent.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { initializeTLog, type TLog } from '@sigstore/mock/dist/rekor/tlog.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signArtifact } from '../../src/sign/index.js';
import { buildTrustedRoot, closeServer, listen, verifyBundle } from './support/index.js';

const artifact = Buffer.from('an artifact signed twice with the same RSA key');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const publicKeys = { k: createPublicKey(rsa).export({ format: 'pem', type: 'spki' }).toString() };

/** What the log does with a proposed entry. */
type Behaviour = 'conflict' | 'tamper';

let server: Server;
let url: string;
let tlog: TLog;
let behaviour: Behaviour = 'conflict';
const stored = new Map<string, unknown>();
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        seen.push(`${req.method} ${req.url}`);
        if (req.method === 'POST' && req.url === '/api/v1/log/entries') {
          const proposed = JSON.parse(Buffer.concat(chunks).toString()) as { spec: { data: { hash: { value: string } } } };
          if (behaviour === 'tamper') proposed.spec.data.hash.value = 'ab'.repeat(32);
          const entry = (await tlog.log(proposed)) as Record<string, unknown>;
          const uuid = Object.keys(entry)[0]!;
          stored.set(uuid, entry);
          if (behaviour === 'conflict') {
            // Rekor: "an equivalent entry already exists in the transparency log"
            res.writeHead(409, { 'content-type': 'application/json', location: `/api/v1/log/entries/${uuid}` });
            res.end(JSON.stringify({ code: 409, message: 'an equivalent entry already exists in the transparency log' }));
          } else {
            res.writeHead(201, { 'content-type': 'application/json' });
            res.end(JSON.stringify(entry));
          }
          return;
        }
        const uuid = req.method === 'GET' ? /^\/api\/v1\/log\/entries\/([0-9a-f]+)$/.exec(req.url ?? '')?.[1] : undefined;
        if (uuid && stored.has(uuid)) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(stored.get(uuid)));
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 404, message: 'not found' }));
      })();
    });
  });
  url = await listen(server);
  tlog = await initializeTLog(url, generateKeyPairSync('ec', { namedCurve: 'P-256' }));
});
afterAll(async () => {
  await closeServer(server);
});

describe('HashedRekordWitness', () => {
  it('takes the existing entry when the log answers 409 with its location, and the bundle verifies', async () => {
    behaviour = 'conflict';
    seen.length = 0;
    const signed = await signArtifact(artifact, { key: rsa, keyHint: 'k', rekorUrl: url });
    expect(seen).toEqual(['POST /api/v1/log/entries', expect.stringMatching(/^GET \/api\/v1\/log\/entries\/[0-9a-f]+$/)]);
    expect(signed.tlogEntries).toHaveLength(1);
    const trustedRoot = buildTrustedRoot({ validFrom: new Date(Date.now() - 3_600_000), tlog: { url, publicKey: tlog.publicKey } });
    verifyBundle(signed.bundle, { trustedRoot, artifact, publicKeys });
  });

  it('refuses a log entry about another digest than the one proposed', async () => {
    behaviour = 'tamper';
    await expect(signArtifact(artifact, { key: rsa, rekorUrl: url })).rejects.toMatchObject({
      code: 'SERVICE_ERROR',
      message: expect.stringContaining(`Rekor at ${url} failed: the log recorded another entry than the proposed sha256 hashedrekord`),
    });
  });
});
