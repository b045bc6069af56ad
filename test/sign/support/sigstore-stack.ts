/**
 * A private Sigstore instance for tests: the Fulcio, Rekor (v1 and v2 routes) and TSA
 * handlers of `@sigstore/mock` behind real HTTP servers on 127.0.0.1, and the
 * `trusted_root.json` that trusts exactly their keys.
 *
 * Three traits of the mock shape this harness:
 * - its handlers read the request body only in `strict` mode, so strict is left on (the
 *   default) and what is logged or certified is really what the client sent;
 * - its TSA writes the clock's milliseconds into `genTime` with a varying number of digits,
 *   which verifiers reject, so every service shares one clock set to a whole second (not
 *   earlier than the mock's own root certificates, which start at the real time);
 * - its Rekor logs a proposed `dsse` entry verbatim where Rekor stores a canonical body, so
 *   the v1 route canonicalizes first (see {@link canonicalizingDsse});
 * - its Rekor logs any entry, where Rekor v1 first checks hashes and signatures, so the v1
 *   route makes Rekor's checks first (see {@link checkingRekorV1}).
 *
 * Only the handler modules are imported, never `@sigstore/mock`'s index: that one loads nock,
 * which patches Node's HTTP stack.
 * @module
 */
import { generateKeyPairSync } from 'node:crypto';
import { fulcioHandler, initializeCA, initializeCTLog } from '@sigstore/mock/dist/fulcio/index.js';
import { initializeTLog, rekorHandler, rekorV2Handler } from '@sigstore/mock/dist/rekor/index.js';
import { initializeTSA, tsaHandler } from '@sigstore/mock/dist/timestamp/index.js';
import { startHandlerServer, type HandlerServer } from './handler-server.js';
import { checkingRekorV1 } from './rekor-checks.js';
import { canonicalizingDsse } from './rekor-dsse.js';
import { buildTrustedRoot } from './trusted-root.js';

/** A running private Sigstore instance. */
export interface SigstoreStack {
  fulcio: HandlerServer;
  /** Serves `POST /api/v1/log/entries` (v1) and `POST /api/v2/log/entries` (v2). */
  rekor: HandlerServer;
  tsa: HandlerServer;
  /** The trusted root (JSON) matching the three services. */
  trustedRoot: Record<string, unknown>;
  /** The instant every service stamps: certificates, log entries, timestamps. */
  clock: Date;
  /** Signing options pointing at this instance (no TSA: add `tsaUrl` when wanted). */
  services: { fulcioUrl: string; rekorUrl: string };
  close(): Promise<void>;
}

/** Starts the three services and builds their trusted root. */
export async function startSigstoreStack(): Promise<SigstoreStack> {
  // The mock services read this Date object whenever they stamp; it is set below, once the
  // mock's root and TSA certificates exist (they take the real time as their notBefore).
  const clock = new Date(0);
  const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

  const [fulcio, rekor, tsa] = await Promise.all([startHandlerServer(), startHandlerServer(), startHandlerServer()]);
  const ctlog = await initializeCTLog(keyPair(), clock);
  const ca = await initializeCA(keyPair(), ctlog, clock);
  // The log's host goes into its checkpoints; verifiers match it against the root's baseUrl.
  const tlog = await initializeTLog(rekor.url, keyPair(), clock);
  const authority = await initializeTSA(keyPair(), clock);

  // A whole second (see above), not before any certificate of the chain.
  clock.setTime(Math.ceil(Date.now() / 1000) * 1000);

  fulcio.use([fulcioHandler(ca)]);
  rekor.use([checkingRekorV1(canonicalizingDsse(rekorHandler(tlog))), rekorV2Handler(tlog)]);
  tsa.use([tsaHandler(authority)]);

  const trustedRoot = buildTrustedRoot({
    validFrom: new Date(clock.getTime() - 3_600_000),
    ca: { url: fulcio.url, rootCertificate: ca.rootCertificate },
    ctlog: { url: 'https://ctfe.mock.test', publicKey: ctlog.publicKey, logId: ctlog.logID },
    tlog: { url: rekor.url, publicKey: tlog.publicKey },
    tsa: { url: tsa.url, certificates: [authority.intCertificate, authority.rootCertificate] },
  });

  return {
    fulcio,
    rekor,
    tsa,
    trustedRoot,
    clock,
    services: { fulcioUrl: fulcio.url, rekorUrl: rekor.url },
    close: async () => {
      await Promise.all([fulcio.close(), rekor.close(), tsa.close()]);
    },
  };
}
