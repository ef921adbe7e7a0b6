/**
 * What forwarding (src/forward/) shows of itself: the port `GET /api/forwarding` and the sampling page read,
 * so api/ and web/ never import forward/.
 */
export interface ForwardingStats {
  enabled: boolean;
  /** The URL spans are POSTed to, without credentials; null when forwarding is off. */
  endpoint: string | null;
  /** Spans waiting to be sent (the batch being retried included) and the bound. */
  queue: { spans: number; max: number };
  /** Exports the upstream accepted (2xx), and the spans they held. */
  sent: { batches: number; spans: number };
  /** Attempts repeated after a retryable answer (429, 502, 503, 504) or a connection error or timeout. */
  retried: number;
  /** Spans given up on, by reason (`queue full`, `rejected: HTTP 400`, `partial success`, `shutdown`). */
  dropped: { spans: number; reasons: Record<string, number> };
  lastError: { at: string; message: string } | null;
  /** ISO time of the last accepted export. */
  lastSuccessAt: string | null;
}

export interface ForwardingStatus {
  stats(): ForwardingStats;
}

/** The answer when forwarding is off. */
export const FORWARDING_OFF: ForwardingStats = Object.freeze({
  enabled: false,
  endpoint: null,
  queue: { spans: 0, max: 0 },
  sent: { batches: 0, spans: 0 },
  retried: 0,
  dropped: { spans: 0, reasons: {} },
  lastError: null,
  lastSuccessAt: null,
});
