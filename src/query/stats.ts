import type { StatsReader } from '../model/stats-ports.js';
import type { TimeWindow } from './window.js';

export type ServiceStatsAnswer = ReturnType<StatsReader['serviceStats']>;

/** Per-service and per-operation statistics: a pass-through to the reader, all time or the window's. */
export function serviceStats(reader: StatsReader, window: TimeWindow): ServiceStatsAnswer {
  return reader.serviceStats(window.startNs === undefined ? undefined : { startNs: window.startNs, endNs: window.endNs });
}
