import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSbom } from '../../../../src/index.js';
import { tempDir } from '../../../support/image-builder.js';

const LOCKFILES = join(import.meta.dirname, '../../../../fixtures/catalog/lockfiles');

/** A checkout holding a Go module and a .NET project, scanned as one directory. */
describe('go.mod and packages.lock.json through a directory source', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
    await mkdir(join(root, 'vendor/example.com/x'), { recursive: true });
    await cp(join(LOCKFILES, 'gomod/sigstore-kms-aws'), join(root, 'kms'), { recursive: true });
    await cp(join(LOCKFILES, 'nuget/cyclonedx-tests'), join(root, 'tests'), { recursive: true });
    // a vendored go.mod is a dependency's, not the checkout's
    await cp(join(LOCKFILES, 'gomod/containerd/go.mod'), join(root, 'vendor/example.com/x/go.mod'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads go.sum and the project file beside each lockfile, and gives both projects', async () => {
    const sbom = await generateSbom(`dir:${root}`, { catalogers: ['go-mod', 'dotnet-packages-lock'], timestamp: '2024-01-01T00:00:00Z' });
    expect(sbom.warnings).toEqual([]);
    expect(sbom.projects?.map((p) => p.name)).toEqual(['CycloneDX.Tests', 'github.com/sigstore/sigstore/pkg/signature/kms/aws']);
    const aws = sbom.packages.find((p) => p.name === 'github.com/aws/aws-sdk-go-v2');
    expect(aws?.metadata.h1Digest).toMatch(/^h1:/);
    expect(aws?.locations).toEqual([{ path: '/kms/go.mod' }]);
    expect(sbom.packages.filter((p) => p.locations.some((l) => l.path.startsWith('/vendor/')))).toEqual([]);
    const kmsProject = sbom.projects?.find((p) => p.name.endsWith('/aws'));
    expect(kmsProject?.purl).toBe('pkg:golang/github.com/sigstore/sigstore/pkg/signature/kms/aws');
    expect(sbom.relationships.some((r) => r.from === kmsProject?.id && r.to === aws?.id)).toBe(true);
    const core = sbom.packages.find((p) => p.purl === 'pkg:nuget/CycloneDX.Core@12.1.1');
    expect(core?.foundBy).toBe('dotnet-packages-lock');
    expect(core?.locations).toEqual([{ path: '/tests/packages.lock.json' }]);
  });
});
