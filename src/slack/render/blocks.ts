import type { ContextBlock, HeaderBlock, SectionBlock } from '@slack/web-api';
import { MAX_HEADER_TEXT, MAX_SECTION_TEXT, truncateMrkdwn, truncatePlain } from './limits.js';

// verbatim: true everywhere: Slack then links nothing by itself (no bare URLs, #names or @names
// turned live), so the only live mentions and links are the ones chaser wrote as `<…>`.

export function headerBlock(text: string): HeaderBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncatePlain(text, MAX_HEADER_TEXT), emoji: true } };
}

export function sectionBlock(mrkdwn: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(mrkdwn, MAX_SECTION_TEXT), verbatim: true } };
}

export function contextBlock(mrkdwn: string): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncateMrkdwn(mrkdwn, MAX_SECTION_TEXT), verbatim: true }] };
}
