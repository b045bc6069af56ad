/**
 * The one error the executable readers throw for a file they recognised but cannot trust.
 * @module
 */
import { SealkitError, type SealkitErrorCode } from '../../../errors.js';

/**
 * An executable whose headers are malformed (`METADATA_UNPARSABLE`), or a section larger than
 * the caller accepts (`FILE_TOO_LARGE`). Catalogers turn it into a warning that names the file.
 */
export class ExecutableError extends SealkitError {
  constructor(code: Extract<SealkitErrorCode, 'METADATA_UNPARSABLE' | 'FILE_TOO_LARGE'>, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
