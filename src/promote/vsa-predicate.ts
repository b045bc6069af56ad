/**
 * The predicate type of a SLSA Verification Summary Attestation, apart from the code that signs
 * one: naming it must not load the signing stack.
 * @module
 */

/** `https://slsa.dev/verification_summary/v1`. */
export const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';
