/**
 * What the token flow asks for: push scopes for writes, the source repository's pull scope for a
 * cross-repository mount, and an OAuth2 refresh-token grant for identity tokens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { json, startFakeServer, type FakeServer } from './support/fake-registry.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const DIGEST = `sha256:${'e'.repeat(64)}`;

/** A registry that grants a token naming its scopes, and accepts a request whose token covers `need`. */
async function tokenRegistry(need: (url: URL, method: string) => string[]): Promise<FakeServer> {
  let realm = '';
  const server = await startFakeServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/token') {
      let scopes = url.searchParams.getAll('scope');
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'refresh-me') return json(res, 401, {});
        scopes = (form.get('scope') ?? '').split(' ');
      }
      return json(res, 200, { access_token: Buffer.from(JSON.stringify(scopes.sort())).toString('base64url') });
    }
    const wanted = need(url, req.method ?? '');
    const granted = req.headers.authorization?.startsWith('Bearer ')
      ? (JSON.parse(Buffer.from(req.headers.authorization.slice(7), 'base64url').toString('utf8')) as string[])
      : [];
    if (!wanted.every((s) => granted.includes(s))) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="fake",scope="${wanted.join(' ')}"` });
      return res.end();
    }
    res.writeHead(201);
    res.end();
  });
  servers.push(server);
  realm = `${server.url}/token`;
  return server;
}

describe('token scopes', () => {
  it('asks for push on the target and pull on the source of a mount', async () => {
    const server = await tokenRegistry(() => ['repository:prod/app:pull,push', 'repository:staging/app:pull']);
    const client = new RegistryClient({ dockerConfig: false, credentials: { [server.host]: { username: 'u', password: 'p' } } });
    expect(await client.mountBlob(parseReference(`${server.host}/prod/app:1`), 'staging/app', DIGEST)).toBe(true);
    const token = server.requests.find((r) => r.url.startsWith('/token'));
    expect(new URL(token?.url ?? '', server.url).searchParams.getAll('scope').sort()).toEqual([
      'repository:prod/app:pull,push',
      'repository:staging/app:pull',
    ]);
  });

  it('exchanges an identity token with a refresh-token grant', async () => {
    const server = await tokenRegistry(() => ['repository:app:pull,push']);
    const client = new RegistryClient({ dockerConfig: false, credentials: { [server.host]: { identityToken: 'refresh-me' } } });
    expect(await client.mountBlob(parseReference(`${server.host}/app:1`), 'other', DIGEST)).toBe(true);
    const token = server.requests.find((r) => r.url.startsWith('/token'));
    expect(token?.method).toBe('POST');
    expect(token?.url).toBe('/token');
  });
});
