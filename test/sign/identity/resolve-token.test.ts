import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveIdentityToken } from '../../../src/sign/identity/resolve-token.js';
import { httpPolicy } from '../../../src/sign/http-policy.js';
import { closeServer, listen, mintIdentityToken, startFailingServer, type FaultyServer } from '../support/index.js';

const http = httpPolicy({ retries: 1, retryDelay: 5, timeout: 500 });

// A stand-in for the GitHub Actions token service: checks the bearer, echoes the audience.
const issued: { audience: string | null; authorization: string | undefined }[] = [];
const githubTokenService = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  issued.push({ audience: url.searchParams.get('audience'), authorization: req.headers.authorization });
  if (req.headers.authorization !== 'Bearer runtime-token') {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"bad credentials"}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ value: mintIdentityToken({ audience: url.searchParams.get('audience') ?? '', subject: 'repo:acme/widget' }) }));
});
let githubUrl: string;
let failing: FaultyServer;
let binDir: string;

beforeAll(async () => {
  githubUrl = `${await listen(githubTokenService)}/token?api-version=2.0`;
  failing = await startFailingServer(500, 'internal');
  // A fake buildkite-agent on PATH that prints a token for the requested audience.
  binDir = await mkdtemp(join(tmpdir(), 'sealkit-bk-'));
  await writeFile(join(binDir, 'buildkite-agent'), `#!/bin/sh\n[ "$1 $2 $3 $4" = "oidc request-token --audience sigstore" ] || { echo "bad args: $*" >&2; exit 3; }\necho "$BK_TOKEN"\n`);
  await chmod(join(binDir, 'buildkite-agent'), 0o755);
});
afterAll(async () => {
  await closeServer(githubTokenService);
  await failing.close();
  await rm(binDir, { recursive: true, force: true });
});

describe('resolveIdentityToken', () => {
  it('uses the explicit token first, then SIGSTORE_ID_TOKEN', async () => {
    const explicit = mintIdentityToken({ subject: 'explicit' });
    const env = { SIGSTORE_ID_TOKEN: mintIdentityToken({ subject: 'from-env' }), ACTIONS_ID_TOKEN_REQUEST_URL: githubUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runtime-token' };
    expect(await resolveIdentityToken({ identityToken: explicit, env, http })).toMatchObject({ source: 'option', claims: { subject: 'explicit' } });
    expect(await resolveIdentityToken({ env, http })).toMatchObject({ source: 'env', claims: { subject: 'from-env' } });
  });

  it('asks GitHub Actions for a token with audience sigstore', async () => {
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: githubUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runtime-token' };
    const found = await resolveIdentityToken({ env, http });
    expect(found).toMatchObject({ source: 'github-actions', claims: { subject: 'repo:acme/widget', audience: ['sigstore'] } });
    expect(issued.at(-1)).toEqual({ audience: 'sigstore', authorization: 'Bearer runtime-token' });
    const custom = await resolveIdentityToken({ env, http, audience: 'my-fulcio' });
    expect(custom.claims.audience).toEqual(['my-fulcio']);
  });

  it('fails with IDENTITY_PROVIDER_FAILED when GitHub refuses or breaks, without trying further', async () => {
    const refused = { ACTIONS_ID_TOKEN_REQUEST_URL: githubUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong', BUILDKITE: 'true' };
    await expect(resolveIdentityToken({ env: refused, http })).rejects.toMatchObject({
      code: 'IDENTITY_PROVIDER_FAILED',
      message: expect.stringContaining('HTTP 401: {"message":"bad credentials"}'),
    });
    const before = failing.hits;
    const broken = { ACTIONS_ID_TOKEN_REQUEST_URL: failing.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' };
    await expect(resolveIdentityToken({ env: broken, http })).rejects.toMatchObject({ code: 'IDENTITY_PROVIDER_FAILED' });
    expect(failing.hits - before).toBe(2); // retried once
  });

  it('asks the Buildkite agent', async () => {
    const env = { BUILDKITE: 'true', PATH: `${binDir}:/usr/bin:/bin`, BK_TOKEN: mintIdentityToken({ subject: 'bk' }) };
    expect(await resolveIdentityToken({ env, http })).toMatchObject({ source: 'buildkite', claims: { subject: 'bk' } });
    await expect(resolveIdentityToken({ env: { ...env, BK_TOKEN: '' }, http })).rejects.toMatchObject({ code: 'IDENTITY_PROVIDER_FAILED' });
    await expect(resolveIdentityToken({ env: { BUILDKITE: 'true', PATH: '/nonexistent' }, http })).rejects.toMatchObject({
      code: 'IDENTITY_PROVIDER_FAILED',
      message: expect.stringContaining('buildkite-agent is not on PATH'),
    });
  });

  it('lists every source and how to fix it when no token is found', async () => {
    const error = await resolveIdentityToken({ env: {}, http }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IDENTITY_TOKEN_MISSING' });
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    for (const source of ['identityToken option', 'SIGSTORE_ID_TOKEN', 'GitHub Actions', 'Buildkite', 'GitLab CI']) {
      expect(message).toContain(source);
    }
    const inGitHub = await resolveIdentityToken({ env: { GITHUB_ACTIONS: 'true' }, http }).catch((e: Error) => e.message);
    expect(inGitHub).toContain('permissions: id-token: write');
    const inGitLab = await resolveIdentityToken({ env: { GITLAB_CI: 'true' }, http }).catch((e: Error) => e.message);
    expect(inGitLab).toContain('id_tokens: { SIGSTORE_ID_TOKEN: { aud: sigstore } }');
  });

  it('takes a GitLab CI id_tokens entry exposed as SIGSTORE_ID_TOKEN', async () => {
    const env = { GITLAB_CI: 'true', SIGSTORE_ID_TOKEN: mintIdentityToken({ subject: 'project_path:acme/widget:ref_type:branch:ref:main' }) };
    const found = await resolveIdentityToken({ env, http });
    expect(found.claims.subject).toBe('project_path:acme/widget:ref_type:branch:ref:main');
  });

  it('checks the token it found', async () => {
    await expect(resolveIdentityToken({ env: { SIGSTORE_ID_TOKEN: mintIdentityToken({ expiresIn: -5 }) }, http })).rejects.toMatchObject({
      code: 'IDENTITY_TOKEN_EXPIRED',
      message: expect.stringContaining('SIGSTORE_ID_TOKEN'),
    });
    await expect(resolveIdentityToken({ identityToken: '  ', http })).rejects.toMatchObject({ code: 'IDENTITY_TOKEN_INVALID' });
  });
});
