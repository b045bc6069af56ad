// The manifests of ripgrep's workspace (fixtures/catalog/lockfiles/cargo/v3) against the
// dependency kinds `cargo metadata --no-deps` read from them (v3.cargo-metadata.json), and a
// small workspace whose expectations are what Cargo 1.95's `cargo metadata --no-deps` printed
// for the same two manifests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestDependencies, parseCargoToml, workspaceDefaults } from '../../../../src/sbom/catalog/rust/cargo-manifest.js';
import { MemoryResolver } from '../memory-resolver.js';

const CARGO = join(import.meta.dirname, '../../../../fixtures/catalog/lockfiles/cargo');

describe('Cargo.toml dependencies', () => {
  it('names every direct dependency of ripgrep\'s members with the kind Cargo gives it', async () => {
    const oracle = JSON.parse(readFileSync(join(CARGO, 'v3.cargo-metadata.json'), 'utf8')) as Array<{ name: string; version: string; dependencies: Array<[string, string]> }>;
    const resolver = await MemoryResolver.fromDirectory(join(CARGO, 'v3'));
    const root = parseCargoToml(resolver.read('/Cargo.toml')?.toString('utf8') ?? '') as Record<string, unknown>;
    const manifests = resolver
      .glob('**/Cargo.toml')
      .map((file) => manifestDependencies(parseCargoToml(file.content.toString('utf8')) as Record<string, unknown>, workspaceDefaults(root)));
    expect(manifests).toHaveLength(oracle.length);
    for (const expected of oracle) {
      const manifest = manifests.find((m) => m?.name === expected.name);
      expect(manifest?.version, expected.name).toBe(expected.version);
      expect([...(manifest?.build ?? [])].sort(), expected.name).toEqual([...new Set(expected.dependencies.filter(([, kind]) => kind !== 'dev').map(([name]) => name))].sort());
      expect([...(manifest?.dev ?? [])].sort(), expected.name).toEqual(expected.dependencies.filter(([, kind]) => kind === 'dev').map(([name]) => name).sort());
    }
  });

  it('follows renames, target tables, the underscore spelling and workspace inheritance', () => {
    const root = parseCargoToml(
      [
        '[workspace]\nmembers = ["member"]',
        '[workspace.package]\nversion = "2.1.0"',
        '[workspace.dependencies]\nalias-dep = { package = "real-dep", version = "1" }\nplain = "1"',
        '[package]\nname = "root"\nversion = "0.1.0"',
        '[dependencies]\njson = { package = "serde_json", version = "1" }',
        "[target.'cfg(windows)'.build-dependencies]\nwinres = \"0.1\"",
        '[dev_dependencies]\nold-style = "1"',
      ].join('\n\n'),
    ) as Record<string, unknown>;
    const member = parseCargoToml(
      ['[package]\nname = "member"\nversion.workspace = true', '[dependencies]\nalias-dep = { workspace = true }\nplain.workspace = true', "[target.'cfg(unix)'.dev-dependencies]\nunixtest = \"1\""].join('\n\n'),
    ) as Record<string, unknown>;
    const defaults = workspaceDefaults(root);
    expect(manifestDependencies(root, defaults)).toEqual({ name: 'root', version: '0.1.0', build: new Set(['serde_json', 'winres']), dev: new Set(['old-style']) });
    expect(manifestDependencies(member, defaults)).toEqual({ name: 'member', version: '2.1.0', build: new Set(['real-dep', 'plain']), dev: new Set(['unixtest']) });
  });

  it('has no package for a virtual workspace root, and nothing for invalid TOML', () => {
    expect(manifestDependencies(parseCargoToml('[workspace]\nmembers = ["a"]\n') as Record<string, unknown>, undefined)).toBeUndefined();
    expect(parseCargoToml('[package\n')).toBeUndefined();
  });
});
