import type { KnownBlock } from '@slack/web-api';

/** A rendered Slack message: Block Kit plus the plain-text `text` fallback notifications show. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** What happened to one delivery: errors at this edge are values, not exceptions. */
export type Delivery =
  | { ok: true; channel: string; ts: string }
  | {
      ok: false;
      reason: string;
      /**
       * The post reached Slack but no answer chaser could read came back (failures.ts `lost`): it
       * may have been delivered. Not retried in this run and not recorded, so the next run sends
       * it at most once more; a lookup of what was posted can settle it (issue 10).
       */
      uncertain?: true;
    };
