import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signArtifact } from '../../src/sign/index.js';
import { isRetryable, toServiceError } from '../../src/sign/service-errors.js';
import { DEFAULT_HTTP_POLICY } from '../../src/sign/http-policy.js';
import {
  TEST_ISSUER,
  TEST_SUBJECT,
  mintIdentityToken,
  startFailingServer,
  startHangingServer,
  startSigstoreStack,
  unusedUrl,
  verifyBundle,
  type FaultyServer,
  type SigstoreStack,
} from './support/index.js';

// Failure paths against real local servers: one answering 500, one that never answers, and a
// port where nothing listens, standing in for each of Fulcio, Rekor and the TSA in turn.
let stack: SigstoreStack;
let failing: FaultyServer;
let hanging: FaultyServer;
let down: string;
const artifact = Buffer.from('artifact');

beforeAll(async () => {
  [stack, failing, hanging, down] = await Promise.all([
    startSigstoreStack(),
    startFailingServer(500, 'database is on fire'),
    startHangingServer(),
    unusedUrl(),
  ]);
});
afterAll(async () => {
  await Promise.all([stack.close(), failing.close(), hanging.close()]);
});

const FAST = { retries: 1, retryDelay: 5, timeout: 250 };
function options(service: 'fulcioUrl' | 'rekorUrl' | 'tsaUrl', url: string) {
  return { identityToken: mintIdentityToken(), ...stack.services, tsaUrl: stack.tsa.url, env: {}, ...FAST, [service]: url };
}

describe.each([
  ['Fulcio', 'fulcioUrl'],
  ['Rekor', 'rekorUrl'],
  ['timestamp authority', 'tsaUrl'],
] as const)('when %s fails', (name, option) => {
  it('reports HTTP 500 with the server message and the URL, after retrying', async () => {
    const before = failing.hits;
    await expect(signArtifact(artifact, options(option, failing.url))).rejects.toMatchObject({
      name: 'ServiceError',
      code: 'SERVICE_ERROR',
      message: `${name} at ${failing.url} answered HTTP 500 after 2 attempts: database is on fire`,
      details: { status: 500, url: failing.url },
    });
    expect(failing.hits - before).toBe(2);
  });

  it('gives up on a server that hangs, after the timeout of each attempt', async () => {
    const started = Date.now();
    const before = hanging.hits;
    await expect(signArtifact(artifact, options(option, hanging.url))).rejects.toMatchObject({
      code: 'SERVICE_TIMEOUT',
      message: `${name} at ${hanging.url} did not answer within 250 ms (2 attempts)`,
    });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5000);
    expect(hanging.hits - before).toBe(2);
  });

  it('names a server that is down', async () => {
    await expect(signArtifact(artifact, options(option, down))).rejects.toMatchObject({
      code: 'SERVICE_UNREACHABLE',
      message: expect.stringMatching(new RegExp(`^cannot reach ${name} at ${down}: connection refused`)),
    });
  });
});

describe('retries', () => {
  it('recovers from transient 5xx answers and the bundle still verifies', async () => {
    const before = stack.fulcio.requests.length;
    stack.fulcio.failNext(2, 503, 'try later');
    const signed = await signArtifact(artifact, { identityToken: mintIdentityToken(), ...stack.services, env: {}, retries: 2, retryDelay: 5 });
    expect(stack.fulcio.requests.length - before).toBe(3);
    verifyBundle(signed.bundle, { trustedRoot: stack.trustedRoot, artifact, identity: { subject: TEST_SUBJECT, issuer: TEST_ISSUER } });
  });

  it('does not retry a 4xx answer, and passes on what the server said', async () => {
    const before = stack.rekor.requests.length;
    stack.rekor.failNext(1, 400, 'entry kind not allowed');
    await expect(
      signArtifact(artifact, { identityToken: mintIdentityToken(), ...stack.services, env: {}, retries: 2, retryDelay: 5 }),
    ).rejects.toMatchObject({
      code: 'SERVICE_ERROR',
      message: `Rekor at ${stack.rekor.url} answered HTTP 400: entry kind not allowed`,
    });
    expect(stack.rekor.requests.length - before).toBe(1);
  });
});

describe('toServiceError', () => {
  const service = { name: 'Rekor', url: 'https://rekor.example' };
  it('maps what fetch and undici throw', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    expect(toServiceError(refused, service, DEFAULT_HTTP_POLICY).code).toBe('SERVICE_UNREACHABLE');
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(toServiceError(timeout, service, DEFAULT_HTTP_POLICY).code).toBe('SERVICE_TIMEOUT');
    expect(toServiceError(new Error('weird'), service, DEFAULT_HTTP_POLICY)).toMatchObject({
      code: 'SERVICE_ERROR',
      message: 'Rekor at https://rekor.example failed: weird',
    });
    expect(isRetryable(refused)).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { statusCode: 404 }))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { statusCode: 429 }))).toBe(true);
  });
});
