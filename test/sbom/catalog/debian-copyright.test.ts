import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDebianCopyright } from '../../../src/sbom/catalog/debian-copyright.js';

const DOC = join(import.meta.dirname, '../../../fixtures/catalog/debian/usr/share/doc');
const copyright = (pkg: string) => readFileSync(join(DOC, pkg, 'copyright'), 'utf8');

describe('parseDebianCopyright', () => {
  it('collects the distinct License fields of a DEP-5 file, normalized', () => {
    expect(parseDebianCopyright(copyright('zlib1g'))).toEqual([{ expression: 'Zlib' }]);
    expect(parseDebianCopyright(copyright('libzstd1'))).toEqual([
      { expression: 'BSD-3-Clause OR GPL-2.0-only' },
      { expression: 'Zlib' },
      { expression: 'MIT' },
      { expression: 'GPL-2.0-only' },
      { expression: 'BSD-3-Clause' },
    ]);
  });

  it('keeps names that have no certain SPDX form', () => {
    const bash = parseDebianCopyright(copyright('bash'));
    expect(bash).toContainEqual({ name: 'GPL-3+ with Bison exception' });
    expect(bash).toContainEqual({ name: 'GFDL-NIV-1.3' });
    expect(bash).toContainEqual({ expression: 'BSD-4-Clause-UC' });
  });

  it('reads /usr/share/common-licenses references in free-form files', () => {
    expect(parseDebianCopyright(copyright('libselinux1'))).toEqual([{ expression: 'LGPL-2.1-only' }, { expression: 'GPL-2.0-only' }]);
    expect(parseDebianCopyright(copyright('base-files'))).toEqual([{ name: 'GPL' }]);
  });

  it('finds nothing in prose that names no license file', () => {
    expect(parseDebianCopyright(copyright('libcrypt1'))).toEqual([]);
    expect(parseDebianCopyright('')).toEqual([]);
  });

  it('handles inline cases', () => {
    const dep5 = [
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
      'Upstream-Name: demo',
      '',
      'Files: *',
      'Copyright: 2020 Someone',
      'License: GPL-2+ or Artistic',
      '',
      'Files: debian/*',
      'Copyright: 2021 Packager',
      'License: Expat',
      '',
      'License: Expat',
      ' Permission is hereby granted...',
    ].join('\n');
    expect(parseDebianCopyright(dep5)).toEqual([{ expression: 'GPL-2.0-or-later OR Artistic-1.0-Perl' }, { expression: 'MIT' }]);
    const freeForm = 'See /usr/share/common-licenses/Apache-2.0.\nAlso `/usr/share/common-licenses/GPL-3`.\nAgain /usr/share/common-licenses/GPL-3\n';
    expect(parseDebianCopyright(freeForm)).toEqual([{ expression: 'Apache-2.0' }, { expression: 'GPL-3.0-only' }]);
  });
});
