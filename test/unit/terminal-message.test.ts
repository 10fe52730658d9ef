import kleur from 'kleur';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { displayWidth, renderMessageForTerminal } from '../../src/report/terminal-message.js';
import { renderDigest } from '../../src/slack/render/digest-message.js';
import { renderTeamMessage } from '../../src/slack/render/team-message.js';
import type { SlackMessage } from '../../src/slack/render/types.js';
import { listedConsumer, listedConsumers, plan, summary, teamPlan } from '../support/slack-builders.js';
import { DEFAULT_TEST_TIERS } from '../support/builders.js';
import { NOW } from '../support/clock.js';

const ANSI = /\x1b\[[0-9;]*m/g;
let colour: boolean;
beforeEach(() => {
  colour = kleur.enabled;
  kleur.enabled = false;
});
afterEach(() => {
  kleur.enabled = colour;
});

function section(text: string): SlackMessage {
  return { text: 'fallback', blocks: [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }] };
}

const show = (text: string, options = {}) => renderMessageForTerminal(section(text), options);

describe('renderMessageForTerminal: mrkdwn as Slack shows it', () => {
  it('drops the emphasis markers', () => {
    expect(show('*bold* and _italic_ and ~gone~ and `code`')).toBe('bold and italic and gone and code');
  });

  it('leaves markers that are not emphasis in Slack either', () => {
    expect(show('2*3*4 and snake_case_name and a * b')).toBe('2*3*4 and snake_case_name and a * b');
  });

  it('decodes entities once: escaped data reads as typed', () => {
    expect(show('&lt;!channel&gt; &amp; &amp;lt;b&amp;gt;')).toBe('<!channel> & &lt;b&gt;');
  });

  it('shows mentions by label, or by id when there is none', () => {
    const labels = { S0ONCALL: '@payments-oncall' };
    expect(show('<!subteam^S0ONCALL> <!subteam^S0OTHER> <@U0LEAD> <!here>', { mentionLabels: labels })).toBe(
      '@payments-oncall @S0OTHER @U0LEAD @here',
    );
    expect(show('<@U0LEAD>', { mentionLabels: { U0LEAD: '@dana' } })).toBe('@dana');
  });

  it('shows channel links and links the way Slack labels them', () => {
    // An id shows as written in the config (the terminal cannot look its name up), a labelled link as #name.
    expect(show('to <#C0PAYMENTS> or <#C0SEC|security>')).toBe('to C0PAYMENTS or #security');
    expect(show('see <https://wiki.example/rotate|the runbook> or <https://x.example>')).toBe(
      'see the runbook (https://wiki.example/rotate) or https://x.example',
    );
  });

  it('does not read markup inside code', () => {
    expect(show('key `*not-bold*`')).toBe('key *not-bold*');
  });
});

describe('renderMessageForTerminal: layout', () => {
  it('wraps to the width and indents bullet continuations', () => {
    const out = show(`intro\n• *${'word '.repeat(30).trim()}*`, { width: 40 });
    const lines = out.split('\n');
    expect(lines[0]).toBe('intro');
    expect(lines[1]?.startsWith('• word')).toBe(true);
    for (const line of lines.slice(2)) expect(line.startsWith('  word')).toBe(true);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(40);
  });

  it('wraps at 80 columns by default and breaks a word longer than a line', () => {
    const out = show(`• ${'n'.repeat(500)}`);
    const lines = out.split('\n');
    expect(lines.length).toBe(Math.ceil((500 + 2) / 78));
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    expect(lines.slice(1).every((line) => line.startsWith('  n'))).toBe(true);
    expect(out.replace(/[\s•]/g, '')).toBe('n'.repeat(500));
  });

  it('counts emoji as two columns', () => {
    expect(displayWidth('🔑 key')).toBe(6);
    expect(displayWidth('👩‍💻')).toBe(4);
  });

  it('counts printable ASCII one column each, and the rest of a mixed line as before', () => {
    expect(displayWidth('')).toBe(0);
    expect(displayWidth('svc-1 key `kms/a` deadline 2026-03-01 ~!@#$%^&*()')).toBe(49);
    expect(displayWidth('• svc — 鍵 e\u0301')).toBe(12);
    expect(displayWidth('tab\there')).toBe(8);
  });

  it('shows the header, the blocks apart, and the fallback text when there are no blocks', () => {
    const message: SlackMessage = {
      text: '',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '🔑 Header *not bold markup*' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'Intro', verbatim: true } },
        { type: 'divider' },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'a' },
            { type: 'plain_text', text: '&lt;b' },
          ],
        },
      ],
    };
    expect(renderMessageForTerminal(message, { width: 30 })).toBe(
      ['🔑 Header *not bold markup*', '', 'Intro', '', '─'.repeat(30), '', 'a &lt;b'].join('\n'),
    );
    expect(renderMessageForTerminal({ text: '*only* &amp; text', blocks: [] })).toBe('only & text');
  });
});

describe('renderMessageForTerminal: chaser’s own messages', () => {
  it('reads a team nudge as the team will see it in Slack', () => {
    const message = renderTeamMessage(
      teamPlan({ listed: [listedConsumer({ name: '<!channel> & co', daysOverdue: 20 }), ...listedConsumers(2)], dueCount: 5 }),
      NOW,
      DEFAULT_TEST_TIERS,
    );
    const out = renderMessageForTerminal(message, { mentionLabels: { S0ONCALL: '@payments-oncall' } });
    const lines = out.split('\n');
    expect(lines[0]).toBe('🚨 CRITICAL: revoked key still in use');
    expect(lines[2]?.startsWith('@payments-oncall payments is still running on a revoked key.')).toBe(true);
    expect(out).toContain('• <!channel> & co — key key-2025-q4 · deadline 2026-02-18 · 20 days overdue');
    expect(out).toContain('…and 2 more (most overdue listed first)');
    expect(out).toMatch(/Sent by chaser · repeats every 12h while pending/);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('reads a digest with its channel links and problems', () => {
    const message = renderDigest({
      plan: plan({ summaries: [summary({ team: 'lost', route: { kind: 'unrouted' } }), summary({ team: 'ok' })] }),
      deliveries: new Map([['ok', { ok: true, channel: 'C0OK', ts: '1' }]]),
      mode: 'sweep',
      now: NOW,
    });
    const out = renderMessageForTerminal(message, { width: 200 });
    expect(out).toContain('• lost — 1 outstanding · worst gentle · less than a day overdue → ⚠️ unrouted');
    expect(out).toContain('⚠️ 1 unrouted (no channel and no fallbackChannel)');
    expect(out).toContain('→ ✅ delivered to C0OK');
  });
});

describe('renderMessageForTerminal: colour', () => {
  it('styles header and bold bold, italic italic, code cyan, mentions blue and context dim', () => {
    kleur.enabled = true;
    const message: SlackMessage = {
      text: 'x',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Head' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*b* _i_ `c` <!here>' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'quiet' }] },
      ],
    };
    const out = renderMessageForTerminal(message);
    expect(out).toContain('\x1b[1mHead\x1b[22m');
    expect(out).toContain('\x1b[1mb\x1b[22m');
    expect(out).toContain('\x1b[3mi\x1b[23m');
    expect(out).toContain('\x1b[36mc\x1b[39m');
    expect(out).toContain('\x1b[34m@here\x1b[39m');
    expect(out).toContain('\x1b[2mquiet\x1b[22m');
    expect(out.replace(ANSI, '')).toBe('Head\n\nb i c @here\n\nquiet');
  });

  it('wraps by visible width, not by the length of colour codes', () => {
    kleur.enabled = true;
    const out = show(Array.from({ length: 20 }, (_, i) => `*w${i}*`).join(' '), { width: 30 });
    for (const line of out.split('\n')) expect(displayWidth(line.replace(ANSI, ''))).toBeLessThanOrEqual(30);
    expect(out.split('\n').length).toBe(3);
  });
});
