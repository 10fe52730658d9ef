import type { KnownBlock } from '@slack/web-api';

/** A rendered Slack message: Block Kit plus the plain-text `text` fallback notifications show. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}
