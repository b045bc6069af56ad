// The go-binary and rust-cargo-auditable catalogers through generateSbom on a directory, where
// executables are chosen by their first bytes: the fixture binaries are copied under names that
// no pattern would pick.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSbom } from '../../../../src/index.js';
import type { Sbom } from '../../../../src/sbom/model.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog');

describe('executables through generateSbom(dir:)', () => {
  let root: string;
  let sbom: Sbom;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sealkit-exe-'));
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    mkdirSync(join(root, 'opt/app'), { recursive: true });
    copyFileSync(join(FIXTURES, 'golang/binaries/go1.22-replace-amd64.macho'), join(root, 'usr/bin/tool'));
    copyFileSync(join(FIXTURES, 'golang/binaries/go1.22-replace-universal.macho'), join(root, 'opt/app/tool-universal'));
    copyFileSync(join(FIXTURES, 'rust/binaries/workspace-amd64.exe'), join(root, 'opt/app/crate'));
    copyFileSync(join(FIXTURES, 'golang/not-go/gcc-amd64-linux-exec'), join(root, 'usr/bin/hello'));
    sbom = await generateSbom(`dir:${root}`, { catalogers: ['go-binary', 'rust-cargo-auditable'] });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds Go and Rust packages whatever the file names, one component per module with every location', () => {
    expect(sbom.warnings).toEqual([]);
    expect(sbom.packages.map((p) => `${p.foundBy} ${p.purl} ${p.locations.map((l) => l.path).join(',')}`)).toEqual([
      'rust-cargo-auditable pkg:cargo/crate_with_features@0.1.0 /opt/app/crate',
      'rust-cargo-auditable pkg:cargo/library_crate@0.1.0 /opt/app/crate',
      'go-binary pkg:golang/binary_with_module_replacement /opt/app/tool-universal,/usr/bin/tool',
      'go-binary pkg:golang/github.com/golang/xerrors@v0.0.0-20220907171357-04be3eba64a2 /opt/app/tool-universal,/usr/bin/tool',
      'go-binary pkg:golang/stdlib@1.22.0 /opt/app/tool-universal,/usr/bin/tool',
    ]);
    expect(sbom.relationships).toHaveLength(3);
  });
});
