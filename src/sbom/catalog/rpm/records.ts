/**
 * What the three database readers share: the record they return and the error they throw.
 * @module
 */

/** One record of an rpm database: the header number and its header blob. */
export interface HeaderBlob {
  key: number;
  blob: Buffer;
}

/** A database file that cannot be read as the format its name says. */
export class RpmDatabaseError extends Error {
  override readonly name = 'RpmDatabaseError';
}
