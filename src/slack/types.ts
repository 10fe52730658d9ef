import type { KnownBlock } from '@slack/web-api';

/** A rendered Slack message: Block Kit plus the plain-text `text` fallback notifications show. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** What happened to one delivery: errors at this edge are values, not exceptions. */
export type Delivery =
  | { ok: true; channel: string; ts: string }
  | { ok: false; reason: string };
