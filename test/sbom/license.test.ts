import parseSpdx from 'spdx-expression-parse';
import deprecatedIds from 'spdx-license-ids/deprecated.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import type { License } from '../../src/sbom/model.js';
import { licenseKey, normalizeClassifier, normalizeDebianLicense, normalizeLicense, normalizeSpdxExpression, uniqueLicenses } from '../../src/sbom/license.js';

const DEPRECATED = new Set<string>(deprecatedIds);

/** Every expression produced must be valid SPDX (checked by spdx-expression-parse) and use no deprecated id. */
function expectValidExpression(license: License): void {
  if (!('expression' in license)) return;
  const ids: string[] = [];
  const walk = (info: parseSpdx.Info): void => {
    if ('conjunction' in info) {
      walk(info.left);
      walk(info.right);
    } else ids.push(info.license);
  };
  walk(parseSpdx(license.expression));
  for (const id of ids) expect(DEPRECATED.has(id), `${id} in ${license.expression} is deprecated`).toBe(false);
}

describe('normalizeLicense: what must map', () => {
  it.each([
    // exact ids, any case (package.json, apk L:, PKG-INFO License)
    ['MIT', 'MIT'],
    ['mit', 'MIT'],
    ['Apache-2.0', 'Apache-2.0'],
    ['apache-2.0', 'Apache-2.0'],
    ['BSD-3-Clause', 'BSD-3-Clause'],
    ['ISC', 'ISC'],
    ['0BSD', '0BSD'],
    ['BlueOak-1.0.0', 'BlueOak-1.0.0'],
    ['MPL-2.0', 'MPL-2.0'],
    ['WTFPL', 'WTFPL'],
    ['Unlicense', 'Unlicense'],
    ['CC0-1.0', 'CC0-1.0'],
    ['Python-2.0', 'Python-2.0'],
    ['  MIT  ', 'MIT'],
    // deprecated ids with an unambiguous replacement
    ['GPL-2.0+', 'GPL-2.0-or-later'],
    ['GPL-2.0', 'GPL-2.0-only'],
    ['GPL-3.0', 'GPL-3.0-only'],
    ['GPL-3.0+', 'GPL-3.0-or-later'],
    ['LGPL-2.1', 'LGPL-2.1-only'],
    ['LGPL-2.1+', 'LGPL-2.1-or-later'],
    ['lgpl-3.0+', 'LGPL-3.0-or-later'],
    ['AGPL-3.0', 'AGPL-3.0-only'],
    ['GFDL-1.3', 'GFDL-1.3-only'],
    ['GPL-2.0-with-classpath-exception', 'GPL-2.0-only WITH Classpath-exception-2.0'],
    ['StandardML-NJ', 'SMLNJ'],
    // expressions
    ['(MIT OR Apache-2.0)', 'MIT OR Apache-2.0'],
    ['MIT OR Apache-2.0', 'MIT OR Apache-2.0'],
    ['mit or apache-2.0', 'MIT OR Apache-2.0'],
    ['MIT AND Zlib', 'MIT AND Zlib'],
    ['(MIT AND BSD-3-Clause)', 'MIT AND BSD-3-Clause'],
    ['Apache-2.0 WITH LLVM-exception', 'Apache-2.0 WITH LLVM-exception'],
    ['GPL-2.0-or-later WITH Classpath-exception-2.0', 'GPL-2.0-or-later WITH Classpath-exception-2.0'],
    ['MIT AND (Apache-2.0 OR BSD-2-Clause)', 'MIT AND (Apache-2.0 OR BSD-2-Clause)'],
    ['(MIT OR Apache-2.0) AND Unicode-DFS-2016', '(MIT OR Apache-2.0) AND Unicode-DFS-2016'],
    ['MIT OR Apache-2.0 AND BSD-3-Clause', 'MIT OR (Apache-2.0 AND BSD-3-Clause)'],
    ['GPL-2.0+ OR MIT', 'GPL-2.0-or-later OR MIT'],
    ['Apache-2.0+', 'Apache-2.0+'],
    ['LicenseRef-Proprietary', 'LicenseRef-Proprietary'],
    ['MPL-2.0 AND MIT', 'MPL-2.0 AND MIT'],
    // well-known spellings
    ['MIT License', 'MIT'],
    ['The MIT License', 'MIT'],
    ['Apache License, Version 2.0', 'Apache-2.0'],
    ['Apache License 2.0', 'Apache-2.0'],
    ['Apache 2.0', 'Apache-2.0'],
    ['Apache-2', 'Apache-2.0'],
    ['The Apache Software License, Version 2.0', 'Apache-2.0'],
    ['BSD 3-Clause', 'BSD-3-Clause'],
    ['new BSD License', 'BSD-3-Clause'],
    ['Simplified BSD', 'BSD-2-Clause'],
    ['ISC License', 'ISC'],
    ['Mozilla Public License 2.0', 'MPL-2.0'],
    ['Expat', 'MIT'],
    ['GPLv3+', 'GPL-3.0-or-later'],
    ['Boost Software License 1.0', 'BSL-1.0'],
    ['Artistic License 2.0', 'Artistic-2.0'],
  ])('%j -> %s', (text, expression) => {
    const license = normalizeLicense(text);
    expect(license).toEqual({ expression });
    expectValidExpression(license);
  });
});

describe('normalizeLicense: what must stay a name', () => {
  it.each([
    'GPL',
    'LGPL',
    'BSD',
    'BSD License',
    'Apache',
    'Apache Software License',
    'GPLv2',
    'GPLv3',
    'GNU GPL',
    'AFLv2.1',
    'Public Domain',
    'PSF',
    'Python Software Foundation License',
    'Dual License',
    'UNLICENSED',
    'SEE LICENSE IN LICENSE.md',
    'Commercial',
    'MIT/X11',
    'MIT-like',
    'MIT Apache-2.0',
    'MIT OR',
    '(MIT',
    'GPL-2.0-only+',
    'Apache-2.0 WITH llvm-exception',
    'MIT WITH NotAnException-1.0',
    'MIT AND UNKNOWN-ID-9',
  ])('%j', (text) => {
    expect(normalizeLicense(text)).toEqual({ name: text.trim() });
  });

  it('keeps a whole license text verbatim', () => {
    const text = 'Permission is hereby granted, free of charge, to any person obtaining a copy\nof this software';
    expect(normalizeLicense(text)).toEqual({ name: text });
  });
});

describe('remembered results', () => {
  it('are the same on every call, also after thousands of distinct texts pushed them out', () => {
    const first = ['MIT', 'mit or apache-2.0', 'GPL-2.0+', 'Not A License'].map((text) => normalizeSpdxExpression(text));
    const debian = ['GPL-2+', 'Expat', 'GPL-2+ with OpenSSL exception'].map((text) => normalizeDebianLicense(text));
    for (let i = 0; i < 10_000; i++) {
      normalizeSpdxExpression(`LicenseRef-${i}`);
      normalizeDebianLicense(`custom-${i}`);
    }
    expect(first).toEqual(['MIT', 'MIT OR Apache-2.0', 'GPL-2.0-or-later', undefined]);
    expect(['MIT', 'mit or apache-2.0', 'GPL-2.0+', 'Not A License'].map((text) => normalizeSpdxExpression(text))).toEqual(first);
    expect(['GPL-2+', 'Expat', 'GPL-2+ with OpenSSL exception'].map((text) => normalizeDebianLicense(text))).toEqual(debian);
    expect(debian).toEqual([{ expression: 'GPL-2.0-or-later' }, { expression: 'MIT' }, { name: 'GPL-2+ with OpenSSL exception' }]);
  });

  it('are new objects for every package, so that no package shares another one\'s', () => {
    expect(normalizeDebianLicense('GPL-2+')).not.toBe(normalizeDebianLicense('GPL-2+'));
  });
});

describe('normalizeSpdxExpression', () => {
  it('is undefined for non-expressions and canonical for expressions', () => {
    expect(normalizeSpdxExpression('')).toBeUndefined();
    expect(normalizeSpdxExpression('MIT License')).toBeUndefined();
    expect(normalizeSpdxExpression('((mit))')).toBe('MIT');
    expect(normalizeSpdxExpression('a AND b')).toBeUndefined();
    expect(normalizeSpdxExpression('MIT aNd Zlib')).toBeUndefined();
  });

  it('flattens a chain of one operator without parentheses', () => {
    expect(normalizeSpdxExpression('MIT OR (ISC OR 0BSD)')).toBe('MIT OR ISC OR 0BSD');
  });
});

describe('normalizeClassifier', () => {
  it.each([
    ['License :: OSI Approved :: MIT License', { expression: 'MIT' }],
    ['License :: OSI Approved :: ISC License (ISCL)', { expression: 'ISC' }],
    ['License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)', { expression: 'GPL-2.0-or-later' }],
    ['License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)', { expression: 'LGPL-3.0-only' }],
    ['License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)', { expression: 'MPL-2.0' }],
    ['License :: OSI Approved :: MIT No Attribution License (MIT-0)', { expression: 'MIT-0' }],
    ['License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)', { expression: 'EPL-2.0' }],
    ['License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)', { expression: 'BSL-1.0' }],
    ['License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication', { expression: 'CC0-1.0' }],
    ['License :: OSI Approved :: BSD License', { name: 'License :: OSI Approved :: BSD License' }],
    ['License :: OSI Approved :: Apache Software License', { name: 'License :: OSI Approved :: Apache Software License' }],
    ['License :: OSI Approved :: GNU General Public License (GPL)', { name: 'License :: OSI Approved :: GNU General Public License (GPL)' }],
    ['License :: OSI Approved :: Python Software Foundation License', { name: 'License :: OSI Approved :: Python Software Foundation License' }],
    ['License :: Public Domain', { name: 'License :: Public Domain' }],
    ['License :: Other/Proprietary License', { name: 'License :: Other/Proprietary License' }],
  ])('%s', (classifier, expected) => {
    expect(normalizeClassifier(classifier)).toEqual(expected);
    expect(normalizeLicense(classifier)).toEqual(expected);
  });

  it('ignores classifiers that name no license', () => {
    expect(normalizeClassifier('License :: OSI Approved')).toBeUndefined();
    expect(normalizeClassifier('Programming Language :: Python :: 3')).toBeUndefined();
    expect(normalizeLicense('License :: OSI Approved')).toEqual({ name: 'License :: OSI Approved' });
  });
});

describe('normalizeDebianLicense', () => {
  // the License: values below are taken from the copyright files of a Debian bookworm minbase root
  it.each([
    ['GPL-2+', 'GPL-2.0-or-later'],
    ['GPL-2', 'GPL-2.0-only'],
    ['GPL-3+', 'GPL-3.0-or-later'],
    ['GPL-1+', 'GPL-1.0-or-later'],
    ['LGPL-2.1', 'LGPL-2.1-only'],
    ['LGPL-2.1+', 'LGPL-2.1-or-later'],
    ['LGPL-2+', 'LGPL-2.0-or-later'],
    ['LGPL-3+', 'LGPL-3.0-or-later'],
    ['GPL-2.0+', 'GPL-2.0-or-later'],
    ['GPLv3+', 'GPL-3.0-or-later'],
    ['LGPLv2.1+', 'LGPL-2.1-or-later'],
    ['GFDL-1.3', 'GFDL-1.3-only'],
    ['Expat', 'MIT'],
    ['MIT', 'MIT'],
    ['BSD-3-clause', 'BSD-3-Clause'],
    ['BSD-2-clause', 'BSD-2-Clause'],
    ['BSD-4-clause', 'BSD-4-Clause'],
    ['BSD-4-clause-UC', 'BSD-4-Clause-UC'],
    ['Apache-2.0', 'Apache-2.0'],
    ['Apache-2', 'Apache-2.0'],
    ['Artistic', 'Artistic-1.0-Perl'],
    ['Artistic-2', 'Artistic-2.0'],
    ['PSF-2', 'PSF-2.0'],
    ['ZLIB', 'Zlib'],
    ['zlib', 'Zlib'],
    ['X11', 'X11'],
    ['ISC', 'ISC'],
    ['CC0-1.0', 'CC0-1.0'],
    ['FSFULLR', 'FSFULLR'],
    ['Beerware', 'Beerware'],
    ['Artistic-dist', 'Artistic-dist'],
    ['GPL-1+ or Artistic', 'GPL-1.0-or-later OR Artistic-1.0-Perl'],
    ['LGPL-3+ or GPL-2+', 'LGPL-3.0-or-later OR GPL-2.0-or-later'],
    ['BSD-3-clause or GPL-2', 'BSD-3-Clause OR GPL-2.0-only'],
    ['Expat or GPL-1+ or Artistic', 'MIT OR GPL-1.0-or-later OR Artistic-1.0-Perl'],
    ['GPL-2+ and BSD-3-clause', 'GPL-2.0-or-later AND BSD-3-Clause'],
    ['GPL-1+ or Artistic, and Expat', '(GPL-1.0-or-later OR Artistic-1.0-Perl) AND MIT'],
    ['GPL-2+ or Artistic and MIT', 'GPL-2.0-or-later OR (Artistic-1.0-Perl AND MIT)'],
  ])('%j -> %s', (field, expression) => {
    const license = normalizeDebianLicense(field);
    expect(license).toEqual({ expression });
    expectValidExpression(license);
  });

  it.each([
    'public-domain',
    'GPL',
    'LGPL',
    'Apache',
    'Unicode',
    'BZIP',
    'PD',
    'MIT/X11',
    'MIT-like',
    'permissive',
    'GFDL-NIV-1.3',
    'GFDL-NIV-1.3+',
    'GPL-3+ with Bison exception',
    'GPL-2+ with Texinfo exception',
    'GPL-2 with Linux-syscall-note exception',
    'GPL-3+-WITH-BISON-EXCEPTION',
    'LGPLv3+_or_GPLv2+',
    'BSD-3-clause or GPL',
    'GPL or MIT-US-export',
    'GPL-1+ or Artistic, and Unicode',
    'REGCOMP, and GPL-1+ or Artistic',
    'BSD-4-clause-UC and MIT-like',
    'GPL-2+, LGPL-2.1+',
  ])('%j stays a name', (field) => {
    expect(normalizeDebianLicense(field)).toEqual({ name: field });
  });
});

describe('uniqueLicenses', () => {
  it('keeps the first of equal licenses, in order', () => {
    const list: License[] = [{ expression: 'MIT' }, { name: 'BSD' }, { expression: 'MIT' }, { name: 'MIT' }];
    expect(uniqueLicenses(list)).toEqual([{ expression: 'MIT' }, { name: 'BSD' }, { name: 'MIT' }]);
    expect(licenseKey({ expression: 'MIT' })).not.toBe(licenseKey({ name: 'MIT' }));
  });
});
