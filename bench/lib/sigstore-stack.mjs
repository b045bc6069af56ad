/**
 * A private Sigstore instance for the benchmarks: `@sigstore/mock`'s Fulcio and Rekor behind
 * real HTTP servers on 127.0.0.1, and the trusted root of their keys. Like the test stack, it
 * imports only the mock's handler modules (its index patches Node's HTTP stack), and it logs
 * `dsse` entries in the canonical form Rekor stores.
 * @module
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { fulcioHandler, initializeCA, initializeCTLog } = require('@sigstore/mock/dist/fulcio/index.js');
const { initializeTLog, rekorHandler } = require('@sigstore/mock/dist/rekor/index.js');

/** Starts Fulcio and Rekor; resolves `{ fulcioUrl, rekorUrl, trustedRoot, close }`. */
export async function startSigstore() {
  const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const clock = new Date(0);
  const fulcio = await serve();
  const rekor = await serve();
  const ctlog = await initializeCTLog(keyPair(), clock);
  const ca = await initializeCA(keyPair(), ctlog, clock);
  const tlog = await initializeTLog(rekor.url, keyPair(), clock);
  clock.setTime(Math.ceil(Date.now() / 1000) * 1000);
  fulcio.route(fulcioHandler(ca));
  rekor.route(canonicalDsse(rekorHandler(tlog)));
  const b64 = (view) => Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
  const validFor = { start: new Date(clock.getTime() - 3_600_000).toISOString() };
  const logKey = (publicKey) => ({ rawBytes: b64(publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor });
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: rekor.url,
        hashAlgorithm: 'SHA2_256',
        publicKey: logKey(tlog.publicKey),
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: fulcio.url,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor,
      },
    ],
    ctlogs: [{ baseUrl: 'https://ctfe.mock.test', hashAlgorithm: 'SHA2_256', publicKey: logKey(ctlog.publicKey), logId: { keyId: b64(ctlog.logID) } }],
    timestampAuthorities: [],
  };
  return {
    fulcioUrl: fulcio.url,
    rekorUrl: rekor.url,
    trustedRoot,
    close: () => Promise.all([fulcio.close(), rekor.close()]),
  };
}

/** An HTTP server answering POSTs with one mock handler. */
async function serve() {
  let handler;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      if (!handler || req.method !== 'POST' || req.url.split('?')[0] !== handler.path) {
        res.writeHead(404).end();
        return;
      }
      const answer = await handler.fn(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(answer.statusCode, { 'content-type': answer.contentType ?? 'text/plain' });
      res.end(typeof answer.response === 'string' ? answer.response : Buffer.from(answer.response));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    route: (next) => {
      handler = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Rekor stores a `dsse` proposal as hashes and signatures; the mock stores what it is sent. */
function canonicalDsse(handler) {
  const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
  return {
    path: handler.path,
    fn: async (body) => {
      const entry = JSON.parse(body);
      if (entry.kind !== 'dsse') return handler.fn(body);
      const { envelope, verifiers } = entry.spec.proposedContent;
      const parsed = JSON.parse(envelope);
      return handler.fn(
        JSON.stringify({
          apiVersion: entry.apiVersion,
          kind: 'dsse',
          spec: {
            envelopeHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope)) },
            payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(parsed.payload, 'base64')) },
            signatures: parsed.signatures.map((s, i) => ({ signature: s.sig, verifier: verifiers[i] ?? verifiers[0] })),
          },
        }),
      );
    },
  };
}
