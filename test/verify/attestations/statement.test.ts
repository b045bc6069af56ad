/**
 * in-toto statements: the payload checked (type, statement type, predicate type, subjects with
 * comparable, well-formed digests) and the subject naming the artifact found only when every
 * digest it shares with the artifact is equal.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IN_TOTO_PAYLOAD_TYPE, matchingSubject, parseStatement, subjectAlgorithms, type InTotoStatement } from '../../../src/verify/attestations/statement.js';

const data = Buffer.from('artifact');
const sha256 = createHash('sha256').update(data).digest('hex');
const sha512 = createHash('sha512').update(data).digest('hex');
const artifact = { sha256: Buffer.from(sha256, 'hex'), sha512: Buffer.from(sha512, 'hex') };

function statementOf(subject: unknown, extra: Record<string, unknown> = {}) {
  return { _type: 'https://in-toto.io/Statement/v1', subject, predicateType: 'https://slsa.dev/provenance/v1', predicate: {}, ...extra };
}

const parse = (json: unknown, type = IN_TOTO_PAYLOAD_TYPE) => parseStatement(type, Buffer.from(typeof json === 'string' ? json : JSON.stringify(json)));

describe('parseStatement', () => {
  it('reads v1 and v0.1 statements', () => {
    for (const type of ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']) {
      const { statement, problem } = parse(statementOf([{ name: 'a', digest: { sha256 } }], { _type: type }));
      expect(problem).toBeUndefined();
      expect(statement).toMatchObject({ _type: type, subject: [{ name: 'a', digest: { sha256 } }] });
    }
  });

  it.each<[string, unknown, string, string?]>([
    ['another payload type', statementOf([{ digest: { sha256 } }]), 'the DSSE payload type is "application/json"', 'application/json'],
    ['not JSON', '{"_type":', 'the statement is not JSON'],
    ['a JSON array', [], 'the statement is not a JSON object'],
    ['an unknown statement type', statementOf([{ digest: { sha256 } }], { _type: 'https://in-toto.io/Statement/v2' }), 'unknown statement type'],
    ['no predicate type', statementOf([{ digest: { sha256 } }], { predicateType: '' }), 'no predicateType'],
    ['no subjects', statementOf([]), 'the statement has no subject'],
    ['subject not a list', statementOf({ digest: { sha256 } }), 'the statement has no subject'],
    ['a subject that is not an object', statementOf(['a']), 'subject[0] is not an object'],
    ['a name that is not text', statementOf([{ name: 1, digest: { sha256 } }]), 'subject[0] has a name that is not a string'],
    ['no digest', statementOf([{ name: 'a' }]), 'subject[0] has no digest'],
    ['a digest list', statementOf([{ name: 'a', digest: [sha256] }]), 'subject[0] has no digest'],
    ['only unknown digests', statementOf([{ name: 'a', digest: { md5: 'abc', gitCommit: 'a'.repeat(40) } }]), 'subject[0] has no digest sealkit can compare (md5, gitCommit'],
    ['an empty digest set', statementOf([{ name: 'a', digest: {} }]), 'has no digest sealkit can compare (none'],
    ['a short sha256', statementOf([{ digest: { sha256: sha256.slice(1) } }]), 'subject[0] has a malformed sha256 digest'],
    ['a non-hex sha256', statementOf([{ digest: { sha256: `${sha256.slice(1)}g` } }]), 'malformed sha256'],
    ['a sha256 with a prefix', statementOf([{ digest: { sha256: `sha256:${sha256}` } }]), 'malformed sha256'],
    ['a digest that is not text', statementOf([{ digest: { sha256: 1 } }]), 'has a sha256 digest that is not a string'],
    ['a bad second subject', statementOf([{ digest: { sha256 } }, { digest: { sha512: 'zz' } }]), 'subject[1] has a malformed sha512 digest'],
  ])('%s: refused', (_name, json, message, type) => {
    expect(parse(json, type).problem).toContain(message);
  });

  it('an unknown digest next to a known one is allowed', () => {
    expect(parse(statementOf([{ digest: { sha256, gitCommit: 'x' } }])).problem).toBeUndefined();
  });
});

describe('matchingSubject', () => {
  const statement = (subject: InTotoStatement['subject']): InTotoStatement => ({ _type: 'https://in-toto.io/Statement/v1', subject, predicateType: 'x', predicate: {} });

  it('a subject whose every shared digest is equal matches, in either case of hex', () => {
    expect(matchingSubject(statement([{ name: 'a', digest: { sha256 } }]), artifact)?.name).toBe('a');
    expect(matchingSubject(statement([{ name: 'a', digest: { sha256: sha256.toUpperCase() } }]), artifact)?.name).toBe('a');
    expect(matchingSubject(statement([{ name: 'a', digest: { sha256, sha512 } }]), artifact)?.name).toBe('a');
  });

  it('one shared digest equal and another different: no match', () => {
    const wrong512 = createHash('sha512').update('other').digest('hex');
    expect(matchingSubject(statement([{ name: 'a', digest: { sha256, sha512: wrong512 } }]), artifact)).toBeUndefined();
  });

  it('a digest the artifact was not hashed with is not compared (digest mode knows only sha256)', () => {
    const wrong512 = createHash('sha512').update('other').digest('hex');
    expect(matchingSubject(statement([{ name: 'a', digest: { sha256, sha512: wrong512 } }]), { sha256: artifact.sha256 })?.name).toBe('a');
  });

  it('no shared digest: no match', () => {
    expect(matchingSubject(statement([{ name: 'a', digest: { sha512 } }]), { sha256: artifact.sha256 })).toBeUndefined();
    expect(matchingSubject(statement([{ name: 'a', digest: { md5: 'x' } }]), artifact)).toBeUndefined();
  });

  it('the matching subject among several is found', () => {
    const other = createHash('sha256').update('other').digest('hex');
    expect(matchingSubject(statement([{ name: 'x', digest: { sha256: other } }, { name: 'y', digest: { sha256 } }]), artifact)?.name).toBe('y');
  });

  it('prototype and Object keys in a digest set are refused before any comparison', () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const json = `{"_type":"https://in-toto.io/Statement/v1","predicateType":"x","subject":[{"digest":{"${key}":"${sha256}","sha256":"${sha256}"}}]}`;
      expect(parse(json).problem, key).toContain(`malformed ${key} digest`);
    }
  });

  it('subjectAlgorithms lists the comparable algorithms named', () => {
    expect(subjectAlgorithms(statement([{ name: 'a', digest: { sha512, md5: 'x' } }, { name: 'b', digest: { sha256, sha384: 'f'.repeat(96) } }])).sort()).toEqual(['sha256', 'sha384', 'sha512']);
  });
});
