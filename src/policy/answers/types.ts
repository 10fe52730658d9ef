/**
 * Answers read back from a team's thread. An event is one fact (this person said this about this
 * consumer, in this message); every effect (claimed, snoozed, disputed, eta) is derived from the
 * events by pure functions, never stored beside them.
 */

export type AckKind = 'done' | 'snooze' | 'not_ours' | 'eta' | 'response' | 'refused';

/** An event as the harvest builds it, before it is recorded. */
export interface NewAckEvent {
  /** null: an answer about no particular consumer (a plain response, a refusal). */
  consumerId: string | null;
  kind: AckKind;
  source: 'reply' | 'reaction';
  /** Slack user id of the person. */
  actor: string;
  /** The reply's ts, or the ts of the message reacted to. */
  messageTs: string;
  /** The reply's text (printable, capped) or the reaction's name. */
  body: string;
  /** snooze: the instant asked for (uncapped); eta: the date given. */
  untilAt: Date | null;
  /** snooze: the duration as written; not_ours: the team suggested; refused: why. */
  detail: string | null;
}

/** An event as recorded (chaser_ack_events). */
export interface AckEvent extends NewAckEvent {
  id: string;
  threadId: string;
  team: string;
  /** The run's `now` when the harvest read it. */
  recordedAt: Date;
}

/** Refusals that do not mean "the team answered": someone outside the team spoke. */
export const NOT_ALLOWED = 'not-allowed';
