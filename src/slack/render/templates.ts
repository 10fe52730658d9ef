import { TEMPLATE_PLACEHOLDERS, type TemplatePlaceholder } from '../../config/identifiers.js';
import type { Tier } from '../../config/types.js';
import { escapeMrkdwn } from './escape.js';
export type TemplateValues = Partial<Record<TemplatePlaceholder, string | number>>;

/** How hard a message pushes. The wording escalates with it; custom tier names are mapped onto it. */
export type Tone = 'gentle' | 'firm' | 'urgent' | 'critical';
export const TONES: readonly Tone[] = ['gentle', 'firm', 'urgent', 'critical'];

/**
 * The built-in wording, one per tone. `{{oldestDays}}` is written as `…d` so it reads right for
 * any number, and counts as "Still pending: *3*" so no plural can come out wrong.
 * No `{{consumers}}`: the list follows the intro.
 */
export const DEFAULT_TEMPLATES: Readonly<Record<Tone, string>> = {
  gentle:
    '👋 Hi *{{team}}*, a friendly reminder: the consumers below are still on a revoked key. ' +
    'When you get a moment, please move them to the new key. Still pending: *{{count}}*.',
  firm:
    '⏰ *{{team}}*, the consumers below are past their rotation deadline and still on a revoked key ' +
    '(oldest: *{{oldestDays}}d* overdue). Please move them to the new key *this week*, before this escalates. ' +
    'Still pending: *{{count}}*.',
  urgent:
    '🚨 *{{team}}*: the consumers below still use a revoked key, the oldest *{{oldestDays}}d* past its deadline. ' +
    'A revoked key that stays in use is an open door if it leaked, and these services will break when the key is ' +
    'finally disabled. Please move them to the new key *now*. Still pending: *{{count}}*.',
  critical:
    '🚨 *CRITICAL: {{team}} is still running on a revoked key.* The oldest consumer is *{{oldestDays}}d* past its ' +
    'rotation deadline and this has been *escalated to security*. These need action *today*: move them to the new ' +
    'key, or reply in a thread here with who is on it and by when. Still pending: *{{count}}*.',
};

/** Header line per tone: plain text with no data in it, so nothing in the header needs escaping. */
export const TONE_HEADERS: Readonly<Record<Tone, string>> = {
  gentle: '🔑 Key rotation reminder',
  firm: '⏰ Key rotation overdue',
  urgent: '🚨 Urgent: revoked key still in use',
  critical: '🚨 CRITICAL: revoked key still in use',
};

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
    outro: template.slice(at + marker.length).split(marker).join(''),
  };
}
