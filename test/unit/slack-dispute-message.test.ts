import { describe, expect, it } from 'vitest';
import type { DisputeToPost } from '../../src/policy/answers/disputes.js';
import { renderDisputePost } from '../../src/slack/render/dispute-message.js';
import { checkPostMessage } from '../support/slack-checker.js';

const dispute = (i: number, extra: Partial<DisputeToPost> = {}): DisputeToPost => ({
  eventId: String(i),
  consumerId: `c-${i}`,
  name: `consumer-${i}`,
  by: 'U0ANA00001',
  ...extra,
});

describe('the routing dispute posted to the fallbackChannel', () => {
  it('names the team, each consumer, who said so and the suggested owner, and how to settle it', () => {
    const message = renderDisputePost('payments', [dispute(1, { suggestedTeam: 'search' })], 'white_check_mark');
    const text = JSON.stringify(message.blocks);
    expect(message.text).toBe('Routing dispute: team payments says 1 consumer is not theirs.');
    expect(text).toContain('• *consumer-1* (c-1) — by <@U0ANA00001>, suggested owner @search');
    expect(text).toContain('change the owner in the inventory');
    expect(text).toContain('react :white_check_mark: here');
    expect(checkPostMessage({ text: message.text, blocks: message.blocks }, { allowedMentions: ['U0ANA00001'] })).toEqual([]);
  });

  it('escapes what came from the inventory and from Slack, and counts past the first 20', () => {
    const hostile = dispute(1, { name: '<!channel> *bold* & co', consumerId: '<@U0EVIL>', by: 'not-an-id', suggestedTeam: '<!here>' });
    const many = [hostile, ...Array.from({ length: 24 }, (_, i) => dispute(i + 2))];
    const message = renderDisputePost('<!everyone>', many, 'white_check_mark');
    // Only the real user id becomes a mention: the rest is shown, not parsed.
    expect(checkPostMessage({ text: message.text, blocks: message.blocks }, { allowedMentions: ['U0ANA00001'] })).toEqual([]);
    expect(JSON.stringify(message.blocks)).not.toContain('<@U0EVIL>');
    expect(JSON.stringify(message.blocks)).toContain('• and 5 more');
  });
});
