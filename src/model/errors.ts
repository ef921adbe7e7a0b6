/** The few error types of tracelite; each maps to one HTTP status in one place (`httpStatusOf`, below). */

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

/** Refused on principle (a cross-site request to a route that changes data); 403. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
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

/**
 * The one place where error types become HTTP statuses, for the JSON API and the HTML pages alike. An error
 * that already carries a 4xx `statusCode` (fastify's own: schema failures, bodies too large) keeps it;
 * anything else is a 500, whose message the handlers never show.
 */
export function httpStatusOf(err: unknown): number {
  if (err instanceof InvalidInputError) return 400;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof PayloadTooLargeError) return 413;
  if (err instanceof UnsupportedMediaTypeError) return 415;
  if (err instanceof OverloadedError) return 503;
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 500 ? code : 500;
}
