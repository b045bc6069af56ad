import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pythonCataloger } from '../../../src/sbom/catalog/python.js';
import { MemoryResolver, runCataloger, type CatalogRun } from './memory-resolver.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/catalog');
const SITE = '/usr/lib/python3/dist-packages';

interface Distribution {
  name: string;
  version: string;
  requires: string[];
}

/** The same listing the fixture script recorded, from importlib.metadata itself. */
const LIST_DISTRIBUTIONS = `
import importlib.metadata as m, json, sys
dists = [{'name': d.metadata['Name'], 'version': d.version, 'requires': d.requires or []}
         for d in m.distributions(path=[sys.argv[1]])]
print(json.dumps(sorted(dists, key=lambda d: d['name'].lower())))
`;

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import importlib.metadata'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function recorded(name: string): Distribution[] {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Distribution[];
}

function live(dir: string): Distribution[] {
  return JSON.parse(execFileSync('python3', ['-c', LIST_DISTRIBUTIONS, dir], { encoding: 'utf8' })) as Distribution[];
}

const normalize = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase();

function nameVersions(distributions: Array<{ name: string; version: string }>): string[] {
  return distributions.map((d) => `${d.name}@${d.version}`).sort();
}

/**
 * The dependency edges importlib.metadata's `requires` implies: requirements without an
 * `extra ==` marker whose project is installed in the same directory.
 */
function expectedEdges(distributions: Distribution[]): string[] {
  const installed = new Map(distributions.map((d) => [normalize(d.name), d.name]));
  const edges = new Set<string>();
  for (const d of distributions) {
    for (const requirement of d.requires) {
      const [spec = '', marker = ''] = requirement.split(';');
      if (/extra\s*==/.test(marker)) continue;
      const target = installed.get(normalize(/^[A-Za-z0-9._-]+/.exec(spec.trim())?.[0] ?? ''));
      if (target !== undefined && target !== d.name) edges.add(`${d.name} -> ${target}`);
    }
  }
  return [...edges].sort();
}

describe('python-installed on Debian dist-packages', () => {
  let run: CatalogRun;
  beforeAll(async () => {
    const resolver = await MemoryResolver.fromDirectory(join(FIXTURES, 'debian'));
    run = runCataloger(pythonCataloger, resolver);
  });

  it('finds the distributions importlib.metadata reported when the fixture was made', () => {
    const oracle = recorded('debian.python-distributions.json');
    expect(oracle.length).toBeGreaterThanOrEqual(10);
    expect(nameVersions(run.packages)).toEqual(nameVersions(oracle));
    expect(run.warnings).toEqual([]);
  });

  it.runIf(hasPython)('agrees with importlib.metadata run live on the fixture', () => {
    expect(nameVersions(run.packages)).toEqual(nameVersions(live(join(FIXTURES, 'debian', SITE))));
  });

  it('links requirements that apply without extras to distributions of the same directory', () => {
    const byRef = new Map(run.packages.map((p) => [p.ref, p.name]));
    const ours = run.relationships.map((r) => `${byRef.get(r.from)} -> ${byRef.get(r.to)}`).sort();
    expect(ours).toEqual(expectedEdges(recorded('debian.python-distributions.json')));
    // jsonschema requires idna only with the "format" extra
    expect(ours).toContain('jsonschema -> attrs');
    expect(ours).not.toContain('jsonschema -> idna');
  });

  it('builds normalized purls and reads the core metadata', () => {
    const jwt = run.packages.find((p) => p.name === 'PyJWT');
    expect(jwt).toMatchObject({
      version: '2.6.0',
      purl: 'pkg:pypi/pyjwt@2.6.0',
      type: 'python',
      licenses: [{ expression: 'MIT' }],
      locations: [{ path: `${SITE}/PyJWT-2.6.0.egg-info/PKG-INFO` }],
    });
    const charset = run.packages.find((p) => p.name === 'charset-normalizer');
    expect(charset?.purl).toBe('pkg:pypi/charset-normalizer@3.0.1');
    expect(charset?.locations).toEqual([{ path: `${SITE}/charset_normalizer-3.0.1.dist-info/METADATA` }]);
    const jsonschema = run.packages.find((p) => p.name === 'jsonschema');
    expect(jsonschema).toMatchObject({
      description: 'An implementation of JSON Schema validation for Python',
      homepage: 'https://github.com/python-jsonschema/jsonschema',
      supplier: 'Julian Berman',
      metadata: { author: 'Julian Berman' },
      licenses: [{ expression: 'MIT' }],
    });
  });

  it('normalizes the License field and keeps what is uncertain as a name', () => {
    const licenses = Object.fromEntries(run.packages.map((p) => [p.name, p.licenses]));
    // requests declares "License: Apache 2.0"
    expect(licenses.requests).toEqual([{ expression: 'Apache-2.0' }]);
    for (const [name, list] of Object.entries(licenses)) expect(list?.length, name).toBeGreaterThan(0);
  });
});

describe('python-installed on a single-file egg-info', () => {
  it('reads the file distutils wrote', async () => {
    const resolver = await MemoryResolver.fromDirectory(join(FIXTURES, 'python-egg-file'));
    const run = runCataloger(pythonCataloger, resolver);
    expect(nameVersions(run.packages)).toEqual(nameVersions(recorded('python-egg-file.python-distributions.json')));
    expect(run.packages[0]).toMatchObject({
      purl: 'pkg:pypi/egg-file-example@0.3.1',
      homepage: 'https://example.org/eggfile',
      supplier: 'Example Author',
      licenses: [{ expression: 'BSD-2-Clause' }],
    });
    // distutils writes "Description: UNKNOWN"-style placeholders; Summary is real
    expect(run.packages[0]?.description).toBe('Installed by distutils as a single-file egg-info');
  });
});

describe('python-installed on inline metadata', () => {
  const site = '/app/lib/python3.12/site-packages';
  const metadata = (fields: string[]) => `${fields.join('\n')}\n\nLong description.\nName: not-a-header\n`;

  it('prefers License-Expression, then a short License, then classifiers', () => {
    const resolver = new MemoryResolver({
      [`${site}/a-1.dist-info/METADATA`]: metadata(['Metadata-Version: 2.4', 'Name: a', 'Version: 1', 'License-Expression: MIT OR Apache-2.0', 'License: BSD']),
      [`${site}/b-1.dist-info/METADATA`]: metadata(['Name: b', 'Version: 1', 'License: BSD', 'Classifier: License :: OSI Approved :: MIT License']),
      [`${site}/c-1.dist-info/METADATA`]: metadata([
        'Name: c',
        'Version: 1',
        'License: Copyright (c) 2024 Someone',
        '        Permission is hereby granted, free of charge, to any person',
        'Classifier: License :: OSI Approved :: MIT License',
        'Classifier: License :: OSI Approved :: BSD License',
      ]),
      [`${site}/d-1.dist-info/METADATA`]: metadata(['Name: d', 'Version: 1', 'License: UNKNOWN', 'Classifier: License :: OSI Approved']),
      [`${site}/e-1.dist-info/METADATA`]: metadata(['Name: e', 'Version: 1', 'License: Custom terms\n  see LICENSE']),
    });
    const licenses = Object.fromEntries(runCataloger(pythonCataloger, resolver).packages.map((p) => [p.name, p.licenses]));
    expect(licenses).toEqual({
      a: [{ expression: 'MIT OR Apache-2.0' }],
      b: [{ name: 'BSD' }],
      c: [{ expression: 'MIT' }, { name: 'License :: OSI Approved :: BSD License' }],
      d: [],
      e: [{ name: 'Custom terms\nsee LICENSE' }],
    });
  });

  it('links only within one site directory and skips extra-only requirements', () => {
    const other = '/usr/lib/python3/dist-packages';
    const resolver = new MemoryResolver({
      [`${site}/app-1.dist-info/METADATA`]: metadata([
        'Name: app',
        'Version: 1',
        'Requires-Dist: Typing_Extensions (>=4) ; python_version < "3.13"',
        'Requires-Dist: six',
        'Requires-Dist: pytest ; extra == "test"',
        'Requires-Dist: zope.interface[docs]>=5',
      ]),
      [`${site}/typing_extensions-4.9.0.dist-info/METADATA`]: metadata(['Name: typing_extensions', 'Version: 4.9.0']),
      [`${site}/pytest-8.0.0.dist-info/METADATA`]: metadata(['Name: pytest', 'Version: 8.0.0']),
      [`${site}/zope.interface-6.1.dist-info/METADATA`]: metadata(['Name: zope.interface', 'Version: 6.1']),
      [`${other}/six-1.16.0.dist-info/METADATA`]: metadata(['Name: six', 'Version: 1.16.0']),
      [`${site}/legacy.egg-info/PKG-INFO`]: metadata(['Name: legacy', 'Version: 0.1']),
      [`${site}/legacy.egg-info/requires.txt`]: 'pytest\n\n[docs]\nzope.interface\n\n[:sys_platform == "linux"]\ntyping-extensions\n',
    });
    const run = runCataloger(pythonCataloger, resolver);
    const names = new Map(run.packages.map((p) => [p.ref, p.name]));
    expect(run.relationships.map((r) => `${names.get(r.from)} -> ${names.get(r.to)}`).sort()).toEqual([
      'app -> typing_extensions',
      'app -> zope.interface',
      'legacy -> pytest',
      'legacy -> typing_extensions',
    ]);
  });

  it('warns for metadata without Name or Version', () => {
    const resolver = new MemoryResolver({
      [`${site}/x.dist-info/METADATA`]: 'Version: 1\n',
      [`${site}/y.dist-info/METADATA`]: 'Name: y\n',
      [`${site}/z.dist-info/METADATA`]: '\u0000\u0001',
    });
    const run = runCataloger(pythonCataloger, resolver);
    expect(run.packages).toEqual([]);
    expect(run.warnings.map((w) => w.path)).toEqual([`${site}/x.dist-info/METADATA`, `${site}/y.dist-info/METADATA`, `${site}/z.dist-info/METADATA`]);
  });
});
