/**
 * Suppliers and authors: the model keeps them as free text; both formats want a person or an
 * organization.
 * @module
 */

/** A supplier read as SPDX sees one: a person or an organization, with an optional e-mail. */
export interface Party {
  kind: 'Person' | 'Organization';
  name: string;
  email?: string;
}

// Words that mark a maintainer string as a group rather than one person.
const ORGANIZATION_WORDS =
  /\b(team|maintainers?|project|foundation|community|group|developers|authors|contributors|inc|ltd|llc|gmbh|corp|corporation|company|org|linux|software|labs?|the)\b/i;

/**
 * Reads a free-text supplier (`Jane Doe <jane@example.org>`, `Debian Perl Group <…>`,
 * `Red Hat, Inc.`, or an explicit `Person: …` / `Organization: …`).
 *
 * The split is a heuristic, because the model keeps suppliers as plain text: an explicit prefix
 * wins; otherwise a name containing a word like "team", "project" or "inc" is an organization,
 * and a name with an e-mail address is a person; anything else is an organization.
 */
export function parseParty(text: string): Party {
  let rest = text.trim();
  let kind: Party['kind'] | undefined;
  const prefixed = /^(person|organization)\s*:\s*/i.exec(rest);
  if (prefixed !== null) {
    kind = prefixed[1]?.toLowerCase() === 'person' ? 'Person' : 'Organization';
    rest = rest.slice(prefixed[0].length);
  }
  const mailed = /^(.*?)\s*[<(]\s*([^\s<>()@]+@[^\s<>()@]+)\s*[>)]\s*$/.exec(rest);
  const name = (mailed?.[1] ?? rest).trim();
  const email = mailed?.[2];
  kind ??= !ORGANIZATION_WORDS.test(name) && email !== undefined ? 'Person' : 'Organization';
  const party: Party = { kind, name: name === '' ? (email ?? rest) : name };
  if (email !== undefined) party.email = email;
  return party;
}

/** `Person: name (email)` / `Organization: name`, as SPDX writes a supplier. */
export function formatParty(party: Party): string {
  return `${party.kind}: ${party.name}${party.email === undefined ? '' : ` (${party.email})`}`;
}
