import type { Sql } from './connect.js';
import { recordNudges, type NudgeRun, type TeamNudges } from './nudges.js';

/** A statement's error, boxed: undefined means committed, whatever the driver threw. */
interface Failure {
  error: unknown;
}

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
 * Nothing is held back longer than the write in flight (or, when a merged statement fails, the
 * retry of each of its messages alone), and nobody is told "recorded" before the commit: the notifier's lanes wait on `record` before posting again, so a batch is at most
 * one message per lane (slack.concurrency), and a kill loses at most those, as before.
 */
export function createNudgeRecorder(sql: Sql, run: NudgeRun): NudgeRecorder {
  let queued: Array<{ message: TeamNudges; settle: (failure?: Failure) => void }> = [];
  let writing = false;

  async function writeQueued(): Promise<void> {
    writing = true;
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      const failure = await write(batch.map((entry) => entry.message));
      if (failure === undefined || batch.length === 1) {
        for (const entry of batch) entry.settle(failure);
        continue;
      }
      // A merged statement failed: one message's bad row, or a statement too big for the timeout
      // that each would have met alone. Each message then gets its own try, so only what really
      // cannot be recorded is reported (and its team re-sent next run).
      for (const entry of batch) entry.settle(await write([entry.message]));
    }
    writing = false;
  }

  /** The error of one statement, or undefined when it committed. */
  async function write(messages: TeamNudges[]): Promise<Failure | undefined> {
    try {
      await recordNudges(sql, run, messages);
      return undefined;
    } catch (error) {
      return { error: error ?? new Error('recordNudges failed') };
    }
  }

  return {
    record(message) {
      const recorded = new Promise<void>((resolve, reject) => {
        queued.push({ message, settle: (failure) => (failure === undefined ? resolve() : reject(failure.error)) });
      });
      if (!writing) void writeQueued();
      return recorded;
    },
  };
}
