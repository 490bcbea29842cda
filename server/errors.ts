// Domain errors thrown by services. The API layer maps each kind to one tRPC code; nothing else leaks.
export type DomainErrorKind = 'not_found' | 'conflict' | 'invalid' | 'forbidden' | 'unauthorized' | 'precondition';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`);
export const conflict = (message: string, field?: string) => new DomainError('conflict', message, field);
export const invalid = (field: string, message: string) => new DomainError('invalid', `${field}: ${message}`, field);
export const forbidden = (message: string) => new DomainError('forbidden', message);
export const precondition = (message: string) => new DomainError('precondition', message);
