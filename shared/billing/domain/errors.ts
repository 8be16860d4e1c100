import { ConflictError } from '#platform/errors.ts';

/** A credit reference already names another credit (another account or amount): 409. */
export class ReferenceReusedError extends ConflictError {
  constructor(readonly reference: string) {
    super('reference_reused', 'This reference was already used for a credit to another account or of another amount.');
  }
}
