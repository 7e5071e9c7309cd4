// What the live fail2ban view shows, as plain data (the screen renders it;
// checks/fail2ban/live-model.ts builds it through the Host). Pure types.

export type LiveEventKind = 'Found' | 'Ban' | 'Unban' | 'Restore Ban' | 'Ignore';

/** One line of fail2ban's log that matters (untrusted text: sanitise before display). */
export interface LiveEvent {
  /** As logged: the server's local time, "YYYY-MM-DD HH:MM:SS". */
  time: string;
  /** The same as epoch ms (read as local time); the arrival time when unreadable. */
  timeMs: number;
  jail: string;
  kind: LiveEventKind;
  ip: string;
}

/** `fail2ban-client status <jail>` counters. */
export interface JailCounters {
  currentlyFailed: number;
  totalFailed: number;
  currentlyBanned: number;
  totalBanned: number;
}

export interface JailLive {
  jail: string;
  /** Is it a jail of the running server (else only seen in the log)? */
  running: boolean;
  counters: JailCounters | null;
  /** Why the counters are missing, when the server runs but did not answer for this jail. */
  countersError?: string;
  /** Bans per minute, oldest first, the last entry the current minute. */
  bansPerMinute: number[];
  failuresPerMinute: number[];
}

export interface Offender {
  ip: string;
  failures: number;
  bans: number;
}

export interface BannedAddress {
  jail: string;
  address: string;
}

export interface Fail2banLiveSnapshot {
  server: { state: 'starting' | 'up' | 'down' | 'error'; text: string };
  log: {
    /** Host path of fail2ban's log, null when it logs elsewhere (journal, syslog). */
    path: string | null;
    state: 'starting' | 'following' | 'missing' | 'elsewhere' | 'error';
    text: string;
    linesRead: number;
    bytesRead: number;
    /** Bytes jumped over to stay live when the log grew faster than we read. */
    skippedBytes: number;
    rotations: number;
  };
  jails: JailLive[];
  /** Newest first. */
  events: LiveEvent[];
  /** Events seen since the view opened (not only the ones kept). */
  eventsTotal: number;
  offenders: Offender[];
  /** Some addresses were forgotten to bound memory: counts are lower bounds. */
  offendersPartial: boolean;
  /** Every address banned now, across the running jails (jail order, then address). */
  bans: readonly BannedAddress[];
  /** Changes exactly when `bans` changes: the screen re-filters only then. */
  bansVersion: number;
  /** When the counters and bans were read (epoch ms), null before the first answer. */
  statusAt: number | null;
}

/**
 * One past ban of an address as fail2ban's database keeps it (table `bans`,
 * one row per ban, for dbpurgeage). Every string came from attackers' log
 * lines: the reader sanitises and cuts it; the screen still escapes tags.
 */
export interface PastBan {
  jail: string;
  /** Epoch seconds. */
  timeofban: number;
  /** Seconds; -1 is permanent. */
  bantime: number;
  /** bantime.increment's count of this address's bans (1 without it). */
  bancount: number;
  failures: number | null;
  users: string[];
  /** The matched log lines fail2ban kept (dbmaxmatches), newest last. */
  matches: string[];
}

/** The ban history of one address, across jails; never thrown, always one of these. */
export type AddressHistory =
  /** `bans` newest first, at most a few; `total` counts every ban recorded. */
  | { kind: 'ok'; address: string; bans: PastBan[]; total: number }
  /** No database to read (disabled, in memory, absent). */
  | { kind: 'none'; why: string }
  | { kind: 'error'; why: string };

/** A live source the dashboard opens with the view and disposes with it. */
export interface Fail2banLive {
  snapshot(): Fail2banLiveSnapshot;
  /** Called (at most every few tens of ms) when the snapshot changed. */
  onChange(listener: () => void): { dispose(): void };
  /** Ask the server for counters and bans now (after a ban or an unban). */
  refresh(): void;
  /**
   * The ban history of one address from fail2ban's sqlite database: one
   * read-only, time-bounded query (never a lock the server waits on for
   * long). Ask for the selected address only, never per row. Never rejects.
   */
  history(address: string): Promise<AddressHistory>;
  dispose(): void;
}
