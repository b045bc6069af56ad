/**
 * Independent reads of the Python lockfile fixtures for the tests: the raw TOML or JSON
 * structure, from which each test computes what it expects by itself.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import type { CatalogRun } from '../memory-resolver.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';
import type { Cataloger } from '../../../../src/sbom/catalog/cataloger.js';

export const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/python-lockfiles');

/** The purl specification's pypi name: lowercase, runs of `-`, `_`, `.` as one `-` (written here, not imported). */
export function purlName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function readTomlFixture(path: string): Record<string, unknown> {
  return parse(readFileSync(join(FIXTURES, path), 'utf8')) as Record<string, unknown>;
}

export function readJsonFixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Record<string, unknown>;
}

/** Python's own TOML reader (tomllib, Python 3.11+), when this machine has one. */
export const hasTomllib = (() => {
  try {
    execFileSync('python3', ['-c', 'import tomllib'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The fixture as Python's tomllib reads it, as JSON. */
export function tomllibRead(path: string): unknown {
  const script = 'import json,sys,tomllib;print(json.dumps(tomllib.load(open(sys.argv[1],"rb"))))';
  return JSON.parse(execFileSync('python3', ['-c', script, join(FIXTURES, path)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}

/** Runs a cataloger over one fixture folder, mounted at `/src`. */
export async function catalogFolder(cataloger: Cataloger, folder: string): Promise<CatalogRun> {
  const loaded = await MemoryResolver.fromDirectory(join(FIXTURES, folder));
  const resolver = new MemoryResolver();
  for (const path of loaded.paths()) resolver.set(`/src${path}`, loaded.read(path) as Buffer);
  return runCataloger(cataloger, resolver);
}

/** `name@version` of every package, sorted. */
export function ids(run: Pick<CatalogRun, 'packages'>): string[] {
  return run.packages.map((p) => `${purlName(p.name)}@${p.version}`).sort();
}

/** Edges as `from -> to type`, package and project names instead of refs. */
export function edges(run: CatalogRun): string[] {
  const names = new Map<string, string>([...run.packages, ...(run.projects ?? [])].map((p) => [p.ref, purlName(p.name)]));
  return run.relationships.map((r) => `${names.get(r.from)} -> ${names.get(r.to)} ${r.type}`).sort();
}

export function records(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
}
