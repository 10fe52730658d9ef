import type { Sql } from './connect.js';
import { recordNudges, type NudgeRun, type TeamNudges } from './nudges.js';

export interface NudgeRecorder {
  /** Resolves once this message's nudges are committed; rejects if the statement carrying them failed. */
  record(message: TeamNudges): Promise<void>;
}

/**
 * Group commit for delivered messages. A message is written at once when no write is in flight;
 * messages delivered while one is in flight wait for it and then go together in the next
 * statement. When Slack is slower than the database every message is still recorded alone and
 * immediately; when the database is the bottleneck, one statement (and one commit) carries
 * several teams instead of each paying its own.
 *
 * Nothing is held back longer than the write in flight, and nobody is told "recorded" before
 * the commit: the notifier's lanes wait on `record` before posting again, so a batch is at most
 * one message per lane (slack.concurrency), and a kill loses at most those, as before.
 */
export function createNudgeRecorder(sql: Sql, run: NudgeRun): NudgeRecorder {
  let queued: Array<{ message: TeamNudges; settle: (error?: unknown) => void }> = [];
  let writing = false;

  async function writeQueued(): Promise<void> {
    writing = true;
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      let failure: unknown;
      try {
        await recordNudges(
          sql,
          run,
          batch.map((entry) => entry.message),
        );
      } catch (error) {
        failure = error ?? new Error('recordNudges failed');
      }
      for (const entry of batch) entry.settle(failure);
    }
    writing = false;
  }

  return {
    record(message) {
      const recorded = new Promise<void>((resolve, reject) => {
        queued.push({ message, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      });
      if (!writing) void writeQueued();
      return recorded;
    },
  };
}
