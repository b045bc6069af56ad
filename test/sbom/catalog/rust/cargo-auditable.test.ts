// Fixtures: real cargo-auditable binaries (osv-scalibr's and trivy's test data) cut down to
// their .dep-v0 section by minexe; the oracle beside each is the JSON LLVM extracted from the
// original and Python's zlib inflated (fixtures/catalog/rust/make-fixtures.sh).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferContent, type CatalogFile } from '../../../../src/sbom/catalog/cataloger.js';
import { decodeAuditData, MAX_AUDIT_JSON, readAuditSection } from '../../../../src/sbom/catalog/rust/audit-data.js';
import { cargoAuditableCataloger } from '../../../../src/sbom/catalog/rust/cargo-auditable.js';
import { EXECUTABLE_MAGIC, readExecutables } from '../../../../src/sbom/readers/executable/index.js';
import type { SbomWarning } from '../../../../src/sbom/model.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog');
const BINARIES = join(FIXTURES, 'rust/binaries');
const ORACLES = readdirSync(BINARIES).filter((name) => name.endsWith('.dep-v0.json'));

interface OraclePackage {
  name: string;
  version: string;
  source: string;
  kind?: string;
  dependencies?: number[];
  root?: boolean;
}

function fileOf(name: string, bytes: Buffer): CatalogFile {
  return { path: `/usr/bin/${name}`, content: Buffer.alloc(0), reader: bufferContent(bytes) };
}

function catalog(...files: CatalogFile[]) {
  const warnings: SbomWarning[] = [];
  const result = cargoAuditableCataloger.parse(files, { resolver: { read: () => undefined, resolve: () => undefined, glob: () => [] }, warn: (w) => warnings.push(w) });
  return { ...result, warnings };
}

/** An ELF fixture whose .dep-v0 section bytes are replaced (same length, zero-padded). */
function withSection(compressed: Buffer): Buffer {
  const bytes = Buffer.from(readFileSync(join(BINARIES, 'uses-serde-json-amd64.elf')));
  const [exe] = readExecutables(bufferContent(bytes));
  const section = exe?.sections.find((s) => s.name === '.dep-v0');
  if (section === undefined || compressed.length > section.size) throw new Error('does not fit');
  bytes.fill(0, section.offset, section.offset + section.size);
  compressed.copy(bytes, section.offset);
  return bytes;
}

describe('rust-cargo-auditable against the embedded JSON', () => {
  it('has ELF, PE and Mach-O fixtures', () => {
    for (const suffix of ['.elf', '.exe', '.macho']) expect(ORACLES.some((name) => name.includes(`${suffix}.dep-v0.json`))).toBe(true);
  });

  for (const oracleFile of ORACLES) {
    const fixture = oracleFile.replace(/\.dep-v0\.json$/, '');
    it(`${fixture}: every runtime crate, its source and the dependency graph, and nothing else`, () => {
      const bytes = readFileSync(join(BINARIES, fixture));
      const oracle = JSON.parse(readFileSync(join(BINARIES, oracleFile), 'utf8')) as { packages: OraclePackage[] };
      // the section as the readers find it, inflated independently of the cataloger
      const [exe] = readExecutables(bufferContent(bytes));
      const section = exe === undefined ? undefined : readAuditSection(exe);
      expect(JSON.parse(inflateSync(section ?? Buffer.alloc(0)).toString('utf8'))).toEqual(oracle);

      const run = catalog(fileOf(fixture, bytes));
      expect(run.warnings).toEqual([]);
      const runtime = oracle.packages.filter((p) => (p.kind ?? 'runtime') === 'runtime');
      expect(run.packages.map((p) => `${p.purl} ${p.metadata.source}${p.metadata.root === 'true' ? ' root' : ''}`).sort()).toEqual(
        runtime.map((p) => `pkg:cargo/${p.name}@${p.version} ${p.source}${p.root === true ? ' root' : ''}`).sort(),
      );
      const nameOf = (ref: string): string => run.packages.find((p) => p.ref === ref)?.name ?? '?';
      const expectedEdges = oracle.packages.flatMap((p) => (p.dependencies ?? []).map((i) => `${p.name} -> ${oracle.packages[i]?.name}`));
      expect(run.relationships.map((r) => `${nameOf(r.from)} -> ${nameOf(r.to)}`).sort()).toEqual(expectedEdges.sort());
    });
  }

  it('matches what osv-scalibr and trivy expect of their binaries', () => {
    // osv-scalibr's test for uses_serde_json and trivy's for the cargo-auditable workspace fixture
    const scalibr = catalog(fileOf('uses_serde_json', readFileSync(join(BINARIES, 'uses-serde-json-amd64.elf'))));
    expect(scalibr.packages.map((p) => `${p.name}@${p.version}`)).toEqual(
      expect.arrayContaining(['serde_json@1.0.135', 'serde@1.0.217', 'itoa@1.0.14', 'memchr@2.7.4', 'ryu@1.0.18', 'uses_json@0.1.0']),
    );
    for (const format of ['elf', 'exe', 'macho']) {
      const trivy = catalog(fileOf(`test.${format}`, readFileSync(join(BINARIES, `workspace-amd64.${format}`))));
      expect(trivy.packages.map((p) => p.purl)).toEqual(['pkg:cargo/crate_with_features@0.1.0', 'pkg:cargo/library_crate@0.1.0']);
      expect(trivy.relationships).toEqual([{ from: trivy.packages[0]?.ref, to: trivy.packages[1]?.ref, type: 'depends-on' }]);
    }
  });

  it('leaves out build-only crates and the edges to them', () => {
    const json = {
      format: 1,
      packages: [
        { name: 'app', version: '1.0.0', source: 'local', dependencies: [1, 2], root: true },
        { name: 'serde', version: '1.0.0', source: 'crates.io', dependencies: [2] },
        { name: 'serde_derive', version: '1.0.0', source: 'crates.io', kind: 'build' },
        { name: 'forked', version: '0.1.0', source: 'git' },
      ],
    };
    const run = catalog(fileOf('app', withSection(deflateSync(JSON.stringify(json)))));
    expect(run.warnings).toEqual([]);
    expect(run.packages.map((p) => `${p.name} ${p.metadata.source} ${p.metadata.auditFormat}`)).toEqual(['app local 1', 'serde crates.io 1', 'forked git 1']);
    expect(run.relationships).toHaveLength(1);
  });

  it('skips executables without the section without a warning', () => {
    const notRust = readdirSync(join(FIXTURES, 'golang/not-go')).filter((name) => !name.endsWith('.txt'));
    const run = catalog(...notRust.map((name) => fileOf(name, readFileSync(join(FIXTURES, 'golang/not-go', name)))));
    expect(run).toMatchObject({ packages: [], relationships: [], warnings: [] });
    expect(cargoAuditableCataloger.magic).toBe(EXECUTABLE_MAGIC);
    expect(cargoAuditableCataloger.randomAccess).toBe(true);
  });

  const bad: Array<[string, Buffer, RegExp]> = [
    ['not zlib', Buffer.from('not compressed at all'), /not zlib data/],
    ['not JSON', deflateSync('{"packages": ['), /not UTF-8 JSON/],
    ['no packages', deflateSync('{"crates": []}'), /no packages array/],
    ['a dependency index out of range', deflateSync('{"packages":[{"name":"a","version":"1","source":"local","dependencies":[7]}]}'), /lists a dependency that is not one of the 1 packages/],
    ['a crate without a version', deflateSync('{"packages":[{"name":"a","source":"local"}]}'), /package 0 \(a\) has no version/],
  ];
  for (const [what, section, message] of bad) {
    it(`warns, naming the file, about a section that is ${what}`, () => {
      const run = catalog(fileOf('broken', withSection(section)));
      expect(run.packages).toEqual([]);
      expect(run.warnings).toEqual([{ code: 'METADATA_UNPARSABLE', message: expect.stringMatching(message), path: '/usr/bin/broken' }]);
    });
  }

  it('stops inflating at 8 MiB (a zlib bomb)', () => {
    const bomb = deflateSync(Buffer.alloc(MAX_AUDIT_JSON + 1, 0x20), { level: 9 });
    expect(() => decodeAuditData(bomb)).toThrow(/inflates to more than 8388608 bytes/);
  });
});
