import { TEMPLATE_PLACEHOLDERS, type TemplatePlaceholder } from '../../config/identifiers.js';
import type { Tier } from '../../config/types.js';
import { escapeMrkdwn } from './escape.js';
export type TemplateValues = Partial<Record<TemplatePlaceholder, string | number>>;

/** How hard a message pushes. The wording escalates with it; custom tier names are mapped onto it. */
export type Tone = 'gentle' | 'firm' | 'urgent' | 'critical';
export const TONES: readonly Tone[] = ['gentle', 'firm', 'urgent', 'critical'];

/**
 * The built-in wording, one per tone: what is true of the whole team in the tone of its most
 * overdue consumer. What to do, and by when, is said per consumer (TONE_ASKS heads each group of
 * the list), so a critical message never tells a consumer one day overdue to act today. No tier
 * name here (the header carries it) and no emoji (the header has one). `{{oldestDays}}` is
 * written as `…d` so it reads right for any number, and counts as "Still pending: *3*" so no
 * plural can come out wrong. No `{{consumers}}`: the list follows the intro.
 */
export const DEFAULT_TEMPLATES: Readonly<Record<Tone, string>> = {
  gentle: '👋 Hi *{{team}}*, a friendly reminder: the consumers below are still on a revoked key. Still pending: *{{count}}*.',
  firm:
    '*{{team}}*, the consumers below are past their rotation deadline and still on a revoked key ' +
    '(oldest: *{{oldestDays}}d* overdue). Still pending: *{{count}}*.',
  urgent:
    '*{{team}}*: the consumers below still use a revoked key, the oldest *{{oldestDays}}d* past its deadline. ' +
    'A revoked key that stays in use is an open door if it leaked, and these services will break when the key is ' +
    'finally disabled. Still pending: *{{count}}*.',
  critical:
    '*{{team}} is still running on a revoked key.* The oldest consumer is *{{oldestDays}}d* past its ' +
    'rotation deadline and this has been *escalated to security*. Still pending: *{{count}}*.',
};

/**
 * What is asked of the consumers of one tone, heading their part of the list: each consumer is
 * asked in the tone of its own tier, whatever the team's worst. No data in them, no tier name.
 */
export const TONE_ASKS: Readonly<Record<Tone, { one: string; many: string }>> = {
  gentle: {
    one: '_When you get a moment_, please move this one to the new key:',
    many: '_When you get a moment_, please move these to the new key:',
  },
  firm: {
    one: 'Please move this one to the new key *this week*, before this escalates:',
    many: 'Please move these to the new key *this week*, before this escalates:',
  },
  urgent: { one: 'Please move this one to the new key *now*:', many: 'Please move these to the new key *now*:' },
  critical: {
    one: 'This one needs action *today*: move it to the new key, or reply in a thread here with who is on it and by when:',
    many: 'These need action *today*: move them to the new key, or reply in a thread here with who is on it and by when:',
  },
};

const TONE_EMOJI: Readonly<Record<Tone, string>> = { gentle: '🔑', firm: '⏰', urgent: '🚨', critical: '🚨' };

const TONE_HEADLINES: Readonly<Record<Tone, string>> = {
  gentle: 'key rotation reminder',
  firm: 'key rotation overdue',
  urgent: 'revoked key still in use',
  critical: 'revoked key still in use',
};

/** How the default ladder's names are written in a header; any other tier name is shown as configured. */
const DEFAULT_TIER_LABELS: Readonly<Record<Tone, string>> = { gentle: 'Gentle', firm: 'Firm', urgent: 'Urgent', critical: 'CRITICAL' };

/**
 * The header, in the tone of the team's worst tier, naming that tier once: "🚨 CRITICAL: revoked
 * key still in use". A template that says `{{tier}}` itself names it in the body, so then the
 * header does not. Plain text (a header block is plain_text): the tier name is config, shown as is.
 */
export function headerFor(tier: Tier, tiers: readonly Tier[], tierName: string): string {
  const tone = toneOf(tier, tiers);
  const headline = TONE_HEADLINES[tone];
  if (templateFor(tier, tiers).includes('{{tier}}')) return `${TONE_EMOJI[tone]} ${headline[0]?.toUpperCase() ?? ''}${headline.slice(1)}`;
  const named = TONES.find((t) => t === tier.name.trim().toLowerCase());
  return `${TONE_EMOJI[tone]} ${named ? DEFAULT_TIER_LABELS[named] : tierName}: ${headline}`;
}

/** The word the notification text starts with, per tone. */
export const TONE_LABELS: Readonly<Record<Tone, string>> = {
  gentle: 'Reminder',
  firm: 'Overdue',
  urgent: 'Urgent',
  critical: 'CRITICAL',
};

/**
 * A tier's tone: the default ladder's names speak for themselves; any other ladder is read by
 * position (first gentle, last critical, the middle split between firm and urgent), so a team
 * on a custom ladder still hears the pressure rise.
 */
export function toneOf(tier: Tier, tiers: readonly Tier[]): Tone {
  const named = TONES.find((tone) => tone === tier.name.trim().toLowerCase());
  if (named) return named;
  const index = tiers.findIndex((t) => t.name === tier.name);
  if (index < 0) return 'firm';
  if (index === 0) return 'gentle';
  if (index === tiers.length - 1) return 'critical';
  return index / (tiers.length - 1) <= 0.5 ? 'firm' : 'urgent';
}

/** The tier's own template, or the built-in wording of its tone. */
export function templateFor(tier: Tier, tiers: readonly Tier[]): string {
  return tier.template ?? DEFAULT_TEMPLATES[toneOf(tier, tiers)];
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/**
 * Fills the placeholders. The template is trusted config (its own mrkdwn, links and mentions
 * work); every inserted value is data and is escaped. A placeholder with no value given, or one
 * the validator would have rejected, is left as written rather than guessed at.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = (values as Record<string, string | number | undefined>)[name];
    if (value === undefined || !(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) return whole;
    return escapeMrkdwn(String(value));
  });
}

/**
 * Splits a template where the consumer list goes: the text before `{{consumers}}` introduces the
 * list, the text after it follows the list. Without the placeholder the whole template is the
 * intro and the list follows it. Only the first `{{consumers}}` marks the list; later ones are dropped.
 */
export function splitAtConsumers(template: string): { intro: string; outro: string } {
  const marker = '{{consumers}}';
  const at = template.indexOf(marker);
  if (at < 0) return { intro: template, outro: '' };
  return {
    intro: template.slice(0, at),
    outro: template
      .slice(at + marker.length)
      .split(marker)
      .join(''),
  };
}
