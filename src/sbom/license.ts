/**
 * License normalization. A declared license becomes an SPDX expression only when the mapping is
 * certain: an SPDX id or expression (ids matched case-insensitively), a deprecated id whose
 * replacement is unambiguous, a spelling that names exactly one SPDX license, a Python trove
 * classifier or a Debian short name with a fixed meaning. Everything else (an unversioned "GPL",
 * "BSD", a license text) is kept verbatim as a name: a name loses nothing, a wrong id misleads.
 * `spdx-correct` is deliberately not used: it guesses (e.g. "GPL" becomes a GPL-3.0 id).
 * @module
 */
import parseSpdx from 'spdx-expression-parse';
import currentIds from 'spdx-license-ids/index.json' with { type: 'json' };
import deprecatedIds from 'spdx-license-ids/deprecated.json' with { type: 'json' };
import type { License } from './model.js';

/** Lowercased SPDX license id -> its canonical spelling (current and deprecated ids). */
const ID_BY_LOWER = new Map<string, string>();
for (const id of [...deprecatedIds, ...currentIds]) ID_BY_LOWER.set(id.toLowerCase(), id);

/**
 * Deprecated GNU ids are the `-only` form; with `+` they are the `-or-later` form
 * (SPDX License List, "deprecated license identifiers").
 */
const GNU_DEPRECATED = new Set(['AGPL-1.0', 'AGPL-3.0', 'GFDL-1.1', 'GFDL-1.2', 'GFDL-1.3', 'GPL-1.0', 'GPL-2.0', 'GPL-3.0', 'LGPL-2.0', 'LGPL-2.1', 'LGPL-3.0']);

/** Deprecated ids that the SPDX list replaces by exactly one current expression. */
const DEPRECATED_REPLACEMENT: Readonly<Record<string, string>> = {
  'GPL-2.0-with-classpath-exception': 'GPL-2.0-only WITH Classpath-exception-2.0',
  'GPL-2.0-with-GCC-exception': 'GPL-2.0-only WITH GCC-exception-2.0',
  'GPL-2.0-with-autoconf-exception': 'GPL-2.0-only WITH Autoconf-exception-2.0',
  'GPL-2.0-with-font-exception': 'GPL-2.0-only WITH Font-exception-2.0',
  'GPL-3.0-with-GCC-exception': 'GPL-3.0-only WITH GCC-exception-3.1',
  'GPL-3.0-with-autoconf-exception': 'GPL-3.0-only WITH Autoconf-exception-3.0',
  'StandardML-NJ': 'SMLNJ',
  'BSD-2-Clause-NetBSD': 'BSD-2-Clause',
};

/**
 * Spellings that name exactly one SPDX license. Keys are lowercased with whitespace collapsed.
 * Unversioned names ("Apache", "GPL", "BSD License", "GPLv2") are absent on purpose.
 */
const WELL_KNOWN: ReadonlyMap<string, string> = new Map(
  Object.entries({
    'MIT': ['mit license', 'the mit license', 'mit licence', 'the mit license (mit)', 'mit license (mit)', 'expat', 'expat license'],
    'MIT-0': ['mit no attribution', 'mit no attribution license'],
    'Apache-2.0': [
      'apache license, version 2.0',
      'apache license version 2.0',
      'apache license, version 2',
      'apache license 2.0',
      'apache license v2.0',
      'apache license v2',
      'apache license, 2.0',
      'apache software license, version 2.0',
      'apache software license 2.0',
      'apache software license version 2.0',
      'apache 2.0',
      'apache-2',
      'apache 2',
      'apache2',
      'apache v2',
      'apache v2.0',
      'apache-2.0 license',
      'asl 2.0',
      'asl-2.0',
      'the apache software license, version 2.0',
      'the apache license, version 2.0',
    ],
    'Apache-1.1': ['apache license 1.1', 'apache license, version 1.1', 'apache 1.1'],
    'BSD-3-Clause': [
      'bsd 3-clause',
      'bsd 3-clause license',
      'bsd-3-clause license',
      'bsd 3 clause',
      '3-clause bsd',
      '3-clause bsd license',
      'bsd-3',
      'new bsd',
      'new bsd license',
      'modified bsd license',
      'revised bsd license',
      'the 3-clause bsd license',
      'bsd (3 clause)',
    ],
    'BSD-2-Clause': [
      'bsd 2-clause',
      'bsd 2-clause license',
      'bsd-2-clause license',
      'bsd 2 clause',
      '2-clause bsd',
      '2-clause bsd license',
      'bsd-2',
      'simplified bsd',
      'simplified bsd license',
      'the 2-clause bsd license',
    ],
    'ISC': ['isc license', 'isc licence', 'iscl'],
    'MPL-2.0': ['mozilla public license 2.0', 'mozilla public license, version 2.0', 'mozilla public license version 2.0', 'mpl 2.0', 'mpl-2', 'mpl2', 'mpl v2', 'mpl v2.0'],
    'MPL-1.1': ['mozilla public license 1.1', 'mozilla public license, version 1.1', 'mpl 1.1'],
    'GPL-2.0-or-later': ['gplv2+', 'gpl-2+', 'gpl v2+', 'gnu gpl v2 or later', 'gnu general public license v2 or later'],
    'GPL-3.0-or-later': ['gplv3+', 'gpl-3+', 'gpl v3+', 'gnu gpl v3 or later', 'gnu general public license v3 or later'],
    'LGPL-3.0-or-later': ['lgplv3+', 'lgpl-3+', 'lgpl v3+'],
    'LGPL-2.1-or-later': ['lgplv2.1+', 'lgpl-2.1+', 'lgpl v2.1+'],
    'AGPL-3.0-or-later': ['agplv3+', 'agpl-3+', 'agpl v3+'],
    'Unlicense': ['the unlicense', 'unlicense license', 'the unlicense (unlicense)'],
    'CC0-1.0': ['cc0', 'cc0 1.0', 'cc0 1.0 universal', 'cc0 1.0 universal (cc0 1.0) public domain dedication'],
    'Zlib': ['zlib license', 'the zlib license'],
    'BSL-1.0': ['boost software license', 'boost software license 1.0', 'boost software license, version 1.0', 'boost'],
    'EPL-2.0': ['eclipse public license 2.0', 'eclipse public license - v 2.0', 'eclipse public license v2.0'],
    'EPL-1.0': ['eclipse public license 1.0', 'eclipse public license - v 1.0', 'eclipse public license v1.0'],
    'Artistic-2.0': ['artistic license 2.0', 'artistic 2.0', 'artistic-2'],
    'WTFPL': ['do what the fuck you want to public license'],
    'PostgreSQL': ['postgresql license'],
    '0BSD': ['zero-clause bsd', 'bsd zero clause license'],
    'BlueOak-1.0.0': ['blue oak model license 1.0.0'],
  }).flatMap(([id, spellings]) => spellings.map((spelling) => [spelling, id] as const)),
);

/**
 * The last segment of a `License :: …` trove classifier -> SPDX expression, for the classifiers
 * that name one license and one version. "BSD License", "Apache Software License", "GNU General
 * Public License (GPL)" and the like carry no version and stay names.
 */
const TROVE: ReadonlyMap<string, string> = new Map(
  Object.entries({
    'MIT License': 'MIT',
    'MIT No Attribution License (MIT-0)': 'MIT-0',
    'ISC License (ISCL)': 'ISC',
    'The Unlicense (Unlicense)': 'Unlicense',
    'Mozilla Public License 1.0 (MPL)': 'MPL-1.0',
    'Mozilla Public License 1.1 (MPL 1.1)': 'MPL-1.1',
    'Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
    'GNU General Public License v2 (GPLv2)': 'GPL-2.0-only',
    'GNU General Public License v2 or later (GPLv2+)': 'GPL-2.0-or-later',
    'GNU General Public License v3 (GPLv3)': 'GPL-3.0-only',
    'GNU General Public License v3 or later (GPLv3+)': 'GPL-3.0-or-later',
    'GNU Lesser General Public License v2 (LGPLv2)': 'LGPL-2.0-only',
    'GNU Lesser General Public License v2 or later (LGPLv2+)': 'LGPL-2.0-or-later',
    'GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0-only',
    'GNU Lesser General Public License v3 or later (LGPLv3+)': 'LGPL-3.0-or-later',
    'GNU Affero General Public License v3': 'AGPL-3.0-only',
    'GNU Affero General Public License v3 or later (AGPLv3+)': 'AGPL-3.0-or-later',
    'Eclipse Public License 1.0 (EPL-1.0)': 'EPL-1.0',
    'Eclipse Public License 2.0 (EPL-2.0)': 'EPL-2.0',
    'European Union Public Licence 1.0 (EUPL 1.0)': 'EUPL-1.0',
    'European Union Public Licence 1.1 (EUPL 1.1)': 'EUPL-1.1',
    'European Union Public Licence 1.2 (EUPL 1.2)': 'EUPL-1.2',
    'Boost Software License 1.0 (BSL-1.0)': 'BSL-1.0',
    'Universal Permissive License (UPL)': 'UPL-1.0',
    'CC0 1.0 Universal (CC0 1.0) Public Domain Dedication': 'CC0-1.0',
    'Historical Permission Notice and Disclaimer (HPND)': 'HPND',
    'Python License (CNRI Python License)': 'CNRI-Python',
    'SIL Open Font License 1.1 (OFL-1.1)': 'OFL-1.1',
    'PostgreSQL License': 'PostgreSQL',
    'Zero-Clause BSD (0BSD)': '0BSD',
  }),
);

/** Classifier segments that say a license is approved without naming it. */
const TROVE_NO_LICENSE = new Set(['OSI Approved', 'DFSG approved']);

/**
 * Normalizes a declared license: an SPDX expression when certain, otherwise the trimmed text
 * as a name. Callers skip empty values and placeholders (`UNKNOWN`) themselves.
 */
export function normalizeLicense(text: string): License {
  const trimmed = text.trim();
  if (trimmed.startsWith('License ::')) return normalizeClassifier(trimmed) ?? { name: trimmed };
  const expression = normalizeSpdxExpression(trimmed) ?? WELL_KNOWN.get(spellingKey(trimmed));
  return expression === undefined ? { name: trimmed } : { expression };
}

function spellingKey(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').replace(/^["']|["']$/g, '').replace(/\.$/, '');
}

/**
 * A valid SPDX expression in canonical form, or undefined. License ids are matched
 * case-insensitively, operators may be all upper- or all lowercase, deprecated ids are replaced
 * by their current form when that is unambiguous (`GPL-2.0+` -> `GPL-2.0-or-later`), and
 * parentheses are written where the operators change. Exception ids must be spelled exactly.
 */
export function normalizeSpdxExpression(text: string): string | undefined {
  return remembered(spdxResults, text, canonicalExpression);
}

/**
 * Results by input for the few distinct license texts an image repeats across thousands of
 * packages (`MIT`, `GPL-2+`): each is parsed once. At most {@link REMEMBERED} per cache, so a
 * hostile image of distinct texts costs a parse each, never unbounded memory.
 */
const REMEMBERED = 4096;
const spdxResults = new Map<string, string | undefined>();
const debianResults = new Map<string, string | undefined>();

function remembered(cache: Map<string, string | undefined>, text: string, compute: (text: string) => string | undefined): string | undefined {
  if (cache.has(text)) return cache.get(text);
  const result = compute(text);
  if (cache.size >= REMEMBERED) cache.clear();
  cache.set(text, result);
  return result;
}

function canonicalExpression(text: string): string | undefined {
  const tokens = text.match(/\(|\)|[^\s()]+/g);
  if (tokens === null) return undefined;
  const canonical: string[] = [];
  let afterWith = false;
  for (const token of tokens) {
    if (token === '(' || token === ')') {
      canonical.push(token);
      continue;
    }
    const upper = token.toUpperCase();
    if ((upper === 'AND' || upper === 'OR' || upper === 'WITH') && (token === upper || token === token.toLowerCase())) {
      canonical.push(upper);
      afterWith = upper === 'WITH';
      continue;
    }
    if (afterWith) {
      canonical.push(token);
      afterWith = false;
      continue;
    }
    const id = canonicalId(token);
    if (id === undefined) return undefined;
    canonical.push(id);
  }
  let info: parseSpdx.Info;
  try {
    info = parseSpdx(canonical.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')'));
  } catch {
    return undefined;
  }
  return render(info, undefined);
}

function canonicalId(token: string): string | undefined {
  const lower = token.toLowerCase();
  if (lower.startsWith('licenseref-') || lower.startsWith('documentref-')) return token;
  const exact = ID_BY_LOWER.get(lower);
  if (exact !== undefined) return exact;
  if (token.endsWith('+')) {
    const base = ID_BY_LOWER.get(lower.slice(0, -1));
    if (base !== undefined) return `${base}+`;
  }
  return undefined;
}

function render(info: parseSpdx.Info, parent: 'and' | 'or' | undefined): string | undefined {
  if ('conjunction' in info) {
    const left = render(info.left, info.conjunction);
    const right = render(info.right, info.conjunction);
    if (left === undefined || right === undefined) return undefined;
    const joined = `${left} ${info.conjunction.toUpperCase()} ${right}`;
    return parent !== undefined && parent !== info.conjunction ? `(${joined})` : joined;
  }
  const license = currentLicense(info.license, info.plus === true);
  if (license === undefined) return undefined;
  if (info.exception === undefined) return license;
  if (license.includes(' WITH ')) return undefined;
  return `${license} WITH ${info.exception}`;
}

/** The current form of one id (with its `+`), or undefined when that form is not certain. */
function currentLicense(id: string, plus: boolean): string | undefined {
  if (GNU_DEPRECATED.has(id)) return `${id}-${plus ? 'or-later' : 'only'}`;
  if (plus) {
    if (id.endsWith('-or-later')) return id;
    // "GPL-2.0-only+" contradicts itself
    if (id.endsWith('-only') || id in DEPRECATED_REPLACEMENT) return undefined;
    return `${id}+`;
  }
  return DEPRECATED_REPLACEMENT[id] ?? id;
}

/**
 * A `License :: …` trove classifier as a license: an SPDX expression for classifiers naming one
 * versioned license, the whole classifier as a name otherwise, and undefined for classifiers that
 * name no license (`License :: OSI Approved`).
 */
export function normalizeClassifier(classifier: string): License | undefined {
  const segments = classifier.split('::').map((segment) => segment.trim());
  if (segments[0] !== 'License' || segments.length < 2) return undefined;
  const last = segments[segments.length - 1] ?? '';
  if (TROVE_NO_LICENSE.has(last)) return undefined;
  const mapped = TROVE.get(last);
  if (mapped !== undefined) return { expression: mapped };
  // many classifiers end with the SPDX id in parentheses: "… (EPL-2.0)"
  const parenthesized = /\(([^()\s]+)\)$/.exec(last)?.[1];
  const id = parenthesized === undefined ? undefined : ID_BY_LOWER.get(parenthesized.toLowerCase());
  if (id !== undefined && id === parenthesized && !GNU_DEPRECATED.has(id)) return { expression: id };
  return { name: classifier.trim() };
}

/** Debian short names whose SPDX form is not their own spelling. */
const DEBIAN_SHORT_NAMES: ReadonlyMap<string, string> = new Map([
  ['expat', 'MIT'],
  // Debian's "Artistic" is the Perl Artistic License 1.0 (see /usr/share/common-licenses)
  ['artistic', 'Artistic-1.0-Perl'],
  ['artistic-1', 'Artistic-1.0'],
  ['artistic-2', 'Artistic-2.0'],
  ['apache-2', 'Apache-2.0'],
  ['psf-2', 'PSF-2.0'],
  ['mpl-2', 'MPL-2.0'],
  ['cc0', 'CC0-1.0'],
]);

const GNU_FAMILY: Readonly<Record<string, string>> = { gpl: 'GPL', lgpl: 'LGPL', agpl: 'AGPL', gfdl: 'GFDL' };

/**
 * A license named the Debian way, as in `License:` fields of machine-readable copyright files
 * (DEP-5) and file names under `/usr/share/common-licenses`: `GPL-2+` -> `GPL-2.0-or-later`,
 * `LGPL-2.1` -> `LGPL-2.1-only`, `Expat` -> `MIT`, `BSD-3-clause` -> `BSD-3-Clause`,
 * `GPL-2+ or Artistic` -> `GPL-2.0-or-later OR Artistic-1.0-Perl`. A name Debian leaves open
 * (`GPL` without version, `public-domain`, `MIT-like`, anything `with` an exception) keeps the
 * whole field as a name.
 */
export function normalizeDebianLicense(field: string): License {
  const text = field.trim().replace(/\s+/g, ' ');
  const expression = remembered(debianResults, text, (name) => (/\swith\s/i.test(name) ? undefined : debianExpression(name)));
  return expression === undefined ? { name: text } : { expression };
}

/**
 * DEP-5 expressions: terms joined by `and` / `or`, where `and` binds tighter, and a comma lowers
 * the precedence of the operator that follows it (`A or B, and C` is `(A or B) and C`).
 */
function debianExpression(text: string): string | undefined {
  const groups = text.split(/\s*,\s*/);
  let result: string | undefined;
  let resultOperator: 'AND' | 'OR' | undefined;
  for (const [index, rawGroup] of groups.entries()) {
    let group = rawGroup;
    let joiner: 'AND' | 'OR' | undefined;
    if (index > 0) {
      const lead = /^(and|or)\s+/i.exec(group);
      if (lead === null) return undefined;
      joiner = (lead[1] ?? '').toUpperCase() as 'AND' | 'OR';
      group = group.slice(lead[0].length);
    }
    const rendered = debianGroup(group);
    if (rendered === undefined) return undefined;
    if (result === undefined) {
      result = rendered.text;
      resultOperator = rendered.operator;
    } else {
      const left = resultOperator !== undefined && resultOperator !== joiner ? `(${result})` : result;
      const right = rendered.operator !== undefined && rendered.operator !== joiner ? `(${rendered.text})` : rendered.text;
      result = `${left} ${joiner} ${right}`;
      resultOperator = joiner;
    }
  }
  return result === undefined ? undefined : normalizeSpdxExpression(result);
}

function debianGroup(group: string): { text: string; operator: 'AND' | 'OR' | undefined } | undefined {
  const alternatives = group.split(/\s+or\s+/i);
  const renderedAlternatives: string[] = [];
  for (const alternative of alternatives) {
    const terms = alternative.split(/\s+and\s+/i).map(debianTerm);
    if (terms.some((term) => term === undefined)) return undefined;
    const joined = terms.join(' AND ');
    renderedAlternatives.push(terms.length > 1 && alternatives.length > 1 ? `(${joined})` : joined);
  }
  const operator = alternatives.length > 1 ? 'OR' : group.split(/\s+and\s+/i).length > 1 ? 'AND' : undefined;
  return { text: renderedAlternatives.join(' OR '), operator };
}

/** One Debian short name (`GPL-2+`, `BSD-3-clause`, `Expat`) as an SPDX id, when certain. */
function debianTerm(term: string): string | undefined {
  const lower = term.trim().toLowerCase();
  if (lower === '') return undefined;
  const gnu = /^(a?gpl|lgpl|gfdl)-?v?(\d+(?:\.\d+)?)(\+)?$/.exec(lower);
  if (gnu !== null) {
    const family = GNU_FAMILY[gnu[1] ?? ''];
    const version = gnu[2] ?? '';
    const full = version.includes('.') ? version : `${version}.0`;
    const id = `${family}-${full}-${gnu[3] === '+' ? 'or-later' : 'only'}`;
    return ID_BY_LOWER.get(id.toLowerCase());
  }
  const plus = lower.endsWith('+');
  const base = plus ? lower.slice(0, -1) : lower;
  const mapped = DEBIAN_SHORT_NAMES.get(base) ?? ID_BY_LOWER.get(base);
  if (mapped === undefined) return undefined;
  return plus ? `${mapped}+` : mapped;
}

/** A stable key for de-duplicating licenses. */
export function licenseKey(license: License): string {
  return 'expression' in license ? `e:${license.expression}` : `n:${license.name}`;
}

/** Licenses in first-seen order without duplicates. */
export function uniqueLicenses(licenses: Iterable<License>): License[] {
  const seen = new Set<string>();
  const out: License[] = [];
  for (const license of licenses) {
    const key = licenseKey(license);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(license);
  }
  return out;
}
