import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requirementsCataloger } from '../../../../src/sbom/catalog/python-lockfiles/requirements.js';
import { MemoryResolver, runCataloger } from '../memory-resolver.js';
import { FIXTURES, catalogFolder, ids, purlName } from './oracle.js';

describe('python-requirements on sigstore-python’s hashed requirements', () => {
  const folder = 'requirements';
  const text = () => readFileSync(join(FIXTURES, folder, 'requirements.txt'), 'utf8');

  it('finds every pinned requirement, with its first sha256', async () => {
    const run = await catalogFolder(requirementsCataloger, folder);
    // independent read: each `name==version` line opens an entry, its --hash lines follow
    const expected = new Map<string, string>();
    let current: string | undefined;
    for (const line of text().split('\n')) {
      const pin = /^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)/.exec(line);
      if (pin) current = `${purlName(pin[1] as string)}@${pin[2]}`;
      const hash = /--hash=sha256:([0-9a-f]{64})/.exec(line);
      if (current !== undefined && hash && !expected.has(current)) expected.set(current, hash[1] as string);
    }
    expect(expected.size).toBeGreaterThan(10);
    expect(ids(run)).toEqual([...expected.keys()].sort());
    for (const pkg of run.packages) expect(pkg.metadata.sha256).toBe(expected.get(`${purlName(pkg.name)}@${pkg.version}`));
    expect(run.warnings).toEqual([]);
    expect(run.files).toEqual(['/src/requirements.txt']);
    expect(run.packages.every((p) => p.dev === undefined)).toBe(true);
  });
});

describe('python-requirements line forms', () => {
  const run = (files: Record<string, string>) => runCataloger(requirementsCataloger, new MemoryResolver(files));

  it('reads pins, extras, markers, continuations and comments; leaves out ranges', () => {
    const result = run({
      '/requirements.txt': [
        '# comment',
        'Django==4.2.7 ; python_version >= "3.8"  # trailing comment',
        'zope.interface===6.1',
        'requests[socks, security] == 2.31.0 \\',
        '    --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f',
        'pywin32==306; sys_platform == "win32"',
        'flask>=2.0',
        'numpy==1.*',
        'attrs>=22,<24',
        '--index-url https://pypi.org/simple',
        '',
      ].join('\n'),
    });
    expect(result.packages.map((p) => p.purl).sort()).toEqual([
      'pkg:pypi/django@4.2.7',
      'pkg:pypi/pywin32@306',
      'pkg:pypi/requests@2.31.0',
      'pkg:pypi/zope-interface@6.1',
    ]);
    const requests = result.packages.find((p) => p.name === 'requests');
    expect(requests?.metadata).toMatchObject({ extras: 'socks,security', sha256: '58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f' });
    expect(result.packages.find((p) => p.name === 'pywin32')?.metadata.platform).toBe('sys_platform == "win32"');
    expect(result.packages.find((p) => p.name === 'Django')?.metadata).toMatchObject({ markers: 'python_version >= "3.8"' });
    expect(result.packages.find((p) => p.name === 'Django')?.metadata.platform).toBeUndefined();
    expect(result.warnings).toEqual([]);
  });

  it('follows -r and -c inside the tree, once each, and pins ranges by constraints', () => {
    const result = run({
      '/app/requirements.txt': '-r requirements/base.txt\n-c constraints.txt\nflask\nclick>=8\n',
      '/app/requirements/base.txt': 'six==1.16.0\n-r ../requirements.txt\n',
      '/app/constraints.txt': 'flask==3.0.0\n',
    });
    const top = result.packages.filter((p) => p.locations[0]?.path === '/app/requirements.txt');
    expect(ids({ packages: top })).toEqual(['flask@3.0.0', 'six@1.16.0']);
    expect(top.find((p) => p.name === 'six')?.locations).toEqual([{ path: '/app/requirements.txt' }, { path: '/app/requirements/base.txt' }]);
    // base.txt is a requirements file of its own too, and its include cycles back without end
    const base = result.packages.filter((p) => p.locations[0]?.path === '/app/requirements/base.txt');
    expect(ids({ packages: base })).toEqual(['flask@3.0.0', 'six@1.16.0']);
    expect(result.warnings).toEqual([]);
  });

  it('warns on an include that is not in the scanned tree', () => {
    const result = run({ '/requirements.txt': '-r missing.txt\nsix==1.16.0\n' });
    expect(ids(result)).toEqual(['six@1.16.0']);
    expect(result.warnings.map((w) => [w.code, w.message])).toEqual([['LINK_NOT_FOLLOWED', '-r missing.txt not read: not in the scanned files']]);
  });

  it('reports URL requirements with the version their URL pins, and skips the others with a warning', () => {
    const result = run({
      '/requirements.txt': [
        'pip @ https://files.pythonhosted.org/packages/x/pip-23.3.1-py3-none-any.whl',
        'attrs @ https://example.org/attrs-23.1.0.tar.gz',
        '-e git+https://github.com/pallets/click.git@8.1.7#egg=click',
        'tool @ git+https://example.org/tool.git@main',
        '-e .',
        '-e ./libs/local',
      ].join('\n'),
    });
    expect(ids(result)).toEqual(['attrs@23.1.0', 'click@8.1.7', 'pip@23.3.1']);
    expect(result.warnings.map((w) => [w.code, w.message])).toEqual([['PACKAGE_SKIPPED', 'URL requirements that pin no version were skipped: tool @ git+https://example.org/tool.git@main']]);
  });

  it('matches requirements*.txt, *-requirements.txt and requirements/*.txt, not installed trees', () => {
    const result = run({
      '/a/requirements-dev.txt': 'a==1\n',
      '/b/dev-requirements.txt': 'b==1\n',
      '/c/requirements/prod.txt': 'c==1\n',
      '/d/node_modules/x/requirements.txt': 'd==1\n',
      '/e/lib/python3.11/site-packages/x/requirements.txt': 'e==1\n',
      '/f/notes.txt': 'f==1\n',
    });
    expect(ids(result)).toEqual(['a@1', 'b@1', 'c@1']);
  });
});
