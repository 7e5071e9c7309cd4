// The limits of the live fail2ban view (assets/policy/fail2ban.json, "live"):
// data, so a busier server gets bigger buffers by a data change.

import raw from '../../assets/policy/fail2ban.json';

export interface LivePolicy {
  /** Events kept (the ring); the view shows the newest eventsShown. */
  eventRing: number;
  eventsShown: number;
  topOffenders: number;
  /** Addresses counted for the top offenders (the map holds at most twice this). */
  trackedAddresses: number;
  /** Jails with their own counters; more (a hostile log) are counted under one "(other)". */
  maxJails: number;
  sparklineMinutes: number;
  readChunkBytes: number;
  chunksPerTick: number;
  backfillBytes: number;
  maxLagBytes: number;
  pollMs: number;
  /** Between status rounds when the log is quiet. */
  statusIdleMs: number;
  /** The shortest gap between status rounds asked for by log activity (and twice it when there is no log to watch). */
  statusMinGapMs: number;
  notifyMs: number;
}

const INT_FIELDS: (keyof LivePolicy)[] = [
  'eventRing',
  'eventsShown',
  'topOffenders',
  'trackedAddresses',
  'maxJails',
  'sparklineMinutes',
  'readChunkBytes',
  'chunksPerTick',
  'backfillBytes',
  'maxLagBytes',
  'pollMs',
  'statusIdleMs',
  'statusMinGapMs',
  'notifyMs',
];

/** Problems with the live limits; a test asserts there are none. */
export function livePolicyProblems(p: LivePolicy): string[] {
  const problems: string[] = [];
  for (const k of INT_FIELDS) if (!Number.isInteger(p[k]) || p[k] < 1) problems.push(`live.${k} must be an integer ≥ 1`);
  if (p.eventsShown > p.eventRing) problems.push('live.eventsShown cannot exceed live.eventRing');
  if (p.backfillBytes >= p.maxLagBytes) problems.push('live.backfillBytes must be smaller than live.maxLagBytes (else every skip lands behind again)');
  if (p.statusMinGapMs > p.statusIdleMs) problems.push('live.statusMinGapMs cannot exceed live.statusIdleMs');
  if (p.readChunkBytes > 16 * 1024 * 1024) problems.push('live.readChunkBytes above 16 MiB defeats bounded reads');
  return problems;
}

const { comment: _comment, ...limits } = raw.live;
export const livePolicy: LivePolicy = limits;
