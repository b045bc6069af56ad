import { describe, expect, it } from 'vitest';
import { GlobSet, compileGlob } from '../../src/sbom/glob.js';

const GLOBS = [
  'var/lib/dpkg/status',
  'var/lib/dpkg/status.d/*',
  '**/*.dist-info/METADATA',
  '**/*.egg-info',
  '**/*.jar',
  '**/*.deps.json',
  '**/lib*.so.1',
  '**/specifications/*.gemspec',
  '**/node_modules/@*/*/package.json',
  'usr/share/doc/*/copyright',
  '**/*.',
  '**/a.b*c',
  '**/*.j?r',
  '**/x?.txt',
  '**',
];

const PATHS = [
  'var/lib/dpkg/status',
  'var/lib/dpkg/status.d/libc6',
  'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA',
  'usr/lib/python3/dist-packages/six.egg-info',
  'opt/app/lib/spring-core-6.1.jar',
  'opt/app/lib/spring-core-6.1.JAR',
  'opt/app/lib/jar',
  'opt/app/App.deps.json',
  'opt/app/App.runtimeconfig.json',
  'usr/lib/libz.so.1',
  'usr/lib/libz.so.1.2',
  'var/lib/gems/3.1.0/specifications/rake-13.0.6.gemspec',
  'app/node_modules/@scope/pkg/package.json',
  'usr/share/doc/bash/copyright',
  'weird.',
  'a.bxc',
  'a.bc',
  'file.jir',
  'xy.txt',
  'xyz.txt',
];

describe('GlobSet', () => {
  it('matches exactly what each glob matches on its own, whatever index it files the glob under', () => {
    const set = new GlobSet<string>();
    for (const glob of GLOBS) set.add(glob, glob);
    for (const path of PATHS) {
      const expected = GLOBS.filter((glob) => compileGlob(glob).test(path));
      expect([...(set.match(path) ?? [])].sort(), path).toEqual(expected.sort());
    }
  });

  it('leaves out paths matching an exclusion of the glob', () => {
    const set = new GlobSet<number>().add('**/*.jar', 1, ['**/test/**']);
    expect(set.match('opt/a.jar')).toEqual([1]);
    expect(set.match('opt/test/a.jar')).toBeUndefined();
  });
});
