// Fixtures: real Go binaries cut down to their build information by minexe, checked against
// `go version -m` on the originals (fixtures/catalog/golang/make-fixtures.sh), whose output is
// committed beside each one and is the oracle here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferContent, type CatalogFile } from '../../../../src/sbom/catalog/cataloger.js';
import { goBinaryCataloger } from '../../../../src/sbom/catalog/golang/go-binary.js';
import { EXECUTABLE_MAGIC } from '../../../../src/sbom/readers/executable/index.js';
import type { SbomWarning } from '../../../../src/sbom/model.js';
import { expectedDependencies, parseGoVersionOutput } from './go-version-oracle.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/golang');
const BINARIES = join(FIXTURES, 'binaries');
const ORACLES = readdirSync(BINARIES).filter((name) => name.endsWith('.go-version-m.txt'));

function fileOf(path: string, bytes: Buffer = readFileSync(path)): CatalogFile {
  return { path: `/usr/local/bin/${path.split('/').pop() ?? ''}`, content: Buffer.alloc(0), reader: bufferContent(bytes) };
}

function catalog(...files: CatalogFile[]) {
  const warnings: SbomWarning[] = [];
  const result = goBinaryCataloger.parse(files, { resolver: { read: () => undefined, resolve: () => undefined, glob: () => [] }, warn: (w) => warnings.push(w) });
  return { ...result, warnings };
}

describe('go-binary against go version -m', () => {
  it('has a fixture for every format and both build-information encodings', () => {
    expect(ORACLES.length).toBeGreaterThanOrEqual(14);
    for (const suffix of ['.elf', '.exe', '.macho']) expect(ORACLES.some((name) => name.includes(`go1.15-amd64${suffix}`))).toBe(true);
  });

  for (const oracleFile of ORACLES) {
    const fixture = oracleFile.replace(/\.go-version-m\.txt$/, '');
    it(`${fixture}: the modules, hashes and settings go version -m reports, and nothing else`, () => {
      const [oracle] = parseGoVersionOutput(readFileSync(join(BINARIES, oracleFile), 'utf8'));
      expect(oracle?.file).toBe(fixture);
      if (oracle === undefined) return;
      const run = catalog(fileOf(join(BINARIES, fixture)));
      expect(run.warnings).toEqual([]);
      const mainPath = oracle.main !== undefined && oracle.main.path !== 'command-line-arguments' ? oracle.main.path : oracle.path !== 'command-line-arguments' ? oracle.path : undefined;
      const others = run.packages.filter((p) => p.name !== mainPath);
      expect(others.map((p) => `${p.name}@${p.version}`).sort()).toEqual(expectedDependencies(oracle));
      if (mainPath === undefined) {
        expect(run.packages.length).toBe(others.length);
        return;
      }
      const main = run.packages.find((p) => p.name === mainPath);
      expect(main).toBeDefined();
      if (oracle.main !== undefined && oracle.main.version !== '(devel)') expect(main?.version).toBe(oracle.main.version);
      // the h1: hash of each module built
      for (const dep of oracle.deps) {
        const built = dep.replace ?? dep;
        const found = run.packages.find((p) => p.name === built.path);
        expect(found?.metadata.h1Digest ?? '').toBe(built.sum);
        if (dep.replace !== undefined) expect(found?.metadata.replaces).toBe(`${dep.path}@${dep.version}`);
      }
      for (const [key, value] of oracle.settings) expect(main?.metadata[`build:${key}`]).toBe(value);
      // the main module depends on every other module, the toolchain included
      expect(run.relationships.filter((r) => r.from === main?.ref).map((r) => r.to).sort()).toEqual(others.map((p) => p.ref).sort());
    });
  }

  it('reports the toolchain as pkg:golang/stdlib without the go prefix, with experiments in the metadata', () => {
    const run = catalog(fileOf(join(BINARIES, 'go1.22-experiment-arm64.elf')));
    expect(run.packages).toEqual([
      expect.objectContaining({
        name: 'stdlib',
        version: 'go1.22.1',
        purl: 'pkg:golang/stdlib@1.22.1',
        licenses: [{ expression: 'BSD-3-Clause' }],
        metadata: { goVersion: 'go1.22.1', goExperiments: 'loopvar', architecture: 'arm64' },
      }),
    ]);
  });

  it('resolves a (devel) main module from -ldflags -X main.version', () => {
    const run = catalog(fileOf(join(BINARIES, 'go1.22-ldflags-vcs-amd64.elf')));
    const main = run.packages.find((p) => p.name === 'github.com/aquasecurity/test');
    expect(main?.purl).toBe('pkg:golang/github.com/aquasecurity/test@v1.0.0');
    expect(main?.metadata).toMatchObject({ recordedVersion: '(devel)', versionSource: 'ldflags', 'build:vcs.revision': '9640d75c13845419f5797e2e3ac3475f8d801d79' });
  });

  it('leaves a (devel) main module without version when nothing in the build settings gives one', () => {
    const run = catalog(fileOf(join(BINARIES, 'go1.15-amd64.elf')));
    const main = run.packages.find((p) => p.name === 'github.com/aquasecurity/test');
    expect(main).toMatchObject({ version: '', purl: 'pkg:golang/github.com/aquasecurity/test', metadata: { recordedVersion: '(devel)' } });
  });

  it('reports the replacement module, keeping the original in the metadata', () => {
    const run = catalog(fileOf(join(BINARIES, 'go1.22-replace-386.exe')));
    const replaced = run.packages.find((p) => p.name === 'github.com/golang/xerrors');
    expect(replaced).toMatchObject({
      purl: 'pkg:golang/github.com/golang/xerrors@v0.0.0-20220907171357-04be3eba64a2',
      metadata: {
        replaces: 'golang.org/x/xerrors@v0.0.0-20220907171357-04be3eba64a2',
        h1Digest: 'h1:Wpqq3XyrlysiTYqXPoaibAPvTMmnbHE42soloZAxtZY=',
        architecture: '386',
        mainModule: 'binary_with_module_replacement',
      },
    });
    expect(run.packages.some((p) => p.name === 'golang.org/x/xerrors')).toBe(false);
  });

  it('reads a GOPATH build (no module lines) as its main package, unversioned', () => {
    const run = catalog(fileOf(join(BINARIES, 'go1.19-gopath-skopeo-amd64.elf')));
    expect(run.packages.map((p) => p.purl).sort()).toEqual(['pkg:golang/github.com/containers/skopeo/cmd/skopeo', 'pkg:golang/stdlib@1.19.8']);
  });

  it('reads each slice of a universal binary, one package per module with every architecture', () => {
    const run = catalog(fileOf(join(BINARIES, 'go1.22-replace-universal.macho')));
    expect(run.warnings).toEqual([]);
    expect(run.packages.map((p) => `${p.purl} ${p.metadata.architecture}`).sort()).toEqual([
      'pkg:golang/binary_with_module_replacement amd64,arm64',
      'pkg:golang/github.com/golang/xerrors@v0.0.0-20220907171357-04be3eba64a2 amd64,arm64',
      'pkg:golang/stdlib@1.22.0 amd64,arm64',
    ]);
    expect(new Set(run.relationships.map((r) => `${r.from}>${r.to}`)).size).toBe(run.relationships.length);
  });

  it('skips executables that are not Go binaries without a warning', () => {
    const notGo = readdirSync(join(FIXTURES, 'not-go')).filter((name) => !name.endsWith('.txt'));
    const run = catalog(...notGo.map((name) => fileOf(join(FIXTURES, 'not-go', name))));
    expect(notGo.length).toBe(3);
    expect(run).toMatchObject({ packages: [], relationships: [], warnings: [] });
  });

  it('selects executables by their first bytes and reads them through random access', () => {
    expect(goBinaryCataloger.patterns).toEqual([]);
    expect(goBinaryCataloger.magic).toBe(EXECUTABLE_MAGIC);
    expect(goBinaryCataloger.randomAccess).toBe(true);
  });

  it('warns, naming the file, when the build information points outside the file', () => {
    // Go 1.15: the header's first pointer leads to the version string header; send it nowhere
    const bytes = Buffer.from(readFileSync(join(BINARIES, 'go1.15-amd64.elf')));
    const header = bytes.indexOf(Buffer.from('\xff Go buildinf:', 'latin1'));
    bytes.writeBigUInt64LE(0xdead0000n, header + 16);
    const run = catalog(fileOf('/x/broken', bytes));
    expect(run.packages).toEqual([]);
    expect(run.warnings).toEqual([{ code: 'METADATA_UNPARSABLE', message: expect.stringMatching(/Go version string header at 0xdead0000 is not in the file/), path: '/usr/local/bin/broken' }]);
  });

  it('warns when an inline string claims more bytes than its segment holds', () => {
    const bytes = Buffer.from(readFileSync(join(BINARIES, 'go1.22-replace-386.elf')));
    const header = bytes.indexOf(Buffer.from('\xff Go buildinf:', 'latin1'));
    // the version's varint length: 0xff 0xff 0x03 = 65535 bytes
    bytes.set([0xff, 0xff, 0x03], header + 32);
    const run = catalog(fileOf('/x/long', bytes));
    expect(run.packages).toEqual([]);
    expect(run.warnings).toMatchObject([{ code: 'METADATA_UNPARSABLE', path: '/usr/local/bin/long', message: expect.stringMatching(/runs past its segment/) }]);
  });

  it('warns when the module information has lines Go would reject, and keeps the rest', () => {
    const bytes = Buffer.from(readFileSync(join(BINARIES, 'go1.22-replace-386.elf')));
    const at = bytes.indexOf('build\t-compiler=gc');
    bytes.write('build\t-compiler"gc', at, 'latin1');
    const run = catalog(fileOf('/x/odd', bytes));
    expect(run.warnings).toMatchObject([{ code: 'METADATA_UNPARSABLE', message: expect.stringMatching(/missing '=' after key/) }]);
    expect(run.packages.map((p) => p.name)).toContain('github.com/golang/xerrors');
  });

  it('warns about a malformed executable header instead of failing the scan', () => {
    const bytes = Buffer.from(readFileSync(join(FIXTURES, 'not-go', 'gcc-amd64-linux-exec')));
    bytes.writeBigUInt64LE(BigInt(bytes.length + 100), 40); // e_shoff past the end
    const run = catalog(fileOf('/x/cut', bytes));
    expect(run.warnings).toMatchObject([{ code: 'METADATA_UNPARSABLE', path: '/usr/local/bin/cut', message: expect.stringMatching(/ELF section header table lies outside the file/) }]);
  });
});
