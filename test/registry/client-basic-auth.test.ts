/**
 * Basic auth: a user name and password given for a registry go with its first request (no 401
 * round trip first); credentials from the Docker config wait for the registry to ask; a token
 * registry given a password still answers with its challenge, and the token flow follows.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { json, startFakeServer, type FakeServer } from './support/fake-registry.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const GOOD = `Basic ${Buffer.from('ci:secret').toString('base64')}`;

/** A registry behind basic auth: one user, `ci` / `secret`; every tag is missing. */
async function basicRegistry(): Promise<FakeServer> {
  const server = await startFakeServer(async (req, res) => {
    if (req.headers.authorization !== GOOD) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' });
      return res.end();
    }
    return json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
  });
  servers.push(server);
  return server;
}

async function notFound(client: RegistryClient, server: FakeServer): Promise<string> {
  const error = await client.getManifest(parseReference(`${server.host}/app:1`)).catch((e: unknown) => e);
  return isSealkitError(error) ? error.code : String(error);
}

describe('basic auth', () => {
  it('sends credentials given for the registry with its first request', async () => {
    const server = await basicRegistry();
    const client = new RegistryClient({ dockerConfig: false, credentials: { [server.host]: { username: 'ci', password: 'secret' } } });
    expect(await notFound(client, server)).toBe('REGISTRY_NOT_FOUND');
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([GOOD]);
  });

  it('sends credentials given for another registry to none but that one', async () => {
    const server = await basicRegistry();
    const client = new RegistryClient({ dockerConfig: false, credentials: { 'other.example': { username: 'ci', password: 'secret' } } });
    expect(await notFound(client, server)).toBe('REGISTRY_UNAUTHORIZED');
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([undefined]);
  });

  it('waits for the registry to ask before it uses credentials of the Docker config', async () => {
    const server = await basicRegistry();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sealkit-docker-config-'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { [server.host]: { auth: Buffer.from('ci:secret').toString('base64') } } }));
    const client = new RegistryClient({ dockerConfig: dir });
    expect(await notFound(client, server)).toBe('REGISTRY_NOT_FOUND');
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([undefined, GOOD]);
  });

  it('refuses wrong credentials given for the registry, after one answer to its challenge', async () => {
    const server = await basicRegistry();
    const client = new RegistryClient({ dockerConfig: false, credentials: { [server.host]: { username: 'ci', password: 'wrong' } } });
    expect(await notFound(client, server)).toBe('REGISTRY_UNAUTHORIZED');
    expect(server.requests).toHaveLength(1);
  });

  it('follows the token flow of a registry that answers given credentials with a bearer challenge', async () => {
    let realm = '';
    const server = await startFakeServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') return req.headers.authorization === GOOD ? json(res, 200, { token: 'granted' }) : json(res, 401, {});
      if (req.headers.authorization !== 'Bearer granted') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="fake"` });
        return res.end();
      }
      return json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
    });
    servers.push(server);
    realm = `${server.url}/token`;
    const client = new RegistryClient({ dockerConfig: false, credentials: { [server.host]: { username: 'ci', password: 'secret' } } });
    expect(await notFound(client, server)).toBe('REGISTRY_NOT_FOUND');
    expect(server.requests.map((r) => `${r.url.split('?')[0]} ${r.headers.authorization ?? '-'}`)).toEqual([
      `/v2/app/manifests/1 ${GOOD}`,
      `/token ${GOOD}`,
      '/v2/app/manifests/1 Bearer granted',
    ]);
  });
});
