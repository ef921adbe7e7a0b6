/** The few error types of tracelite; each maps to one HTTP status in one place (api/errors.ts). */

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** Bad input from a client: a query parameter, a flag or an undecodable payload. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

export class UnsupportedMediaTypeError extends Error {
  override name = 'UnsupportedMediaTypeError';
}

export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

/** A bounded queue is full; the client should retry after `retryAfterSeconds`. */
export class OverloadedError extends Error {
  override name = 'OverloadedError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
