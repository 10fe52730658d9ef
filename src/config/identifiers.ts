/**
 * The shapes of the names a config may contain: SQL identifiers, Slack ids, channel names,
 * tier names, template placeholders, database URLs. Plain patterns, written once, so the
 * validator, the JSON Schema and the renderer agree on one definition.
 */

/**
 * An unquoted-style SQL identifier (at most 63 bytes, Postgres' limit). chaser still quotes it
 * via postgres.js `sql(name)`, so case is kept as written; the pattern exists to refuse anything
 * that could change the statement (quotes, semicolons, spaces, dots).
 */
export const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `table` or `schema.table`, each part a plain identifier. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

/** A channel id Slack links as `<#…>`: C… public, G… private (legacy). */
export const LINKABLE_CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
/**
 * A channel id chaser may post to: a linkable one, or D… a direct message (chat.postMessage takes
 * it; it has no #-link, so messages show it as text).
 */
export const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
/** Slack channel names are lowercase, at most 80 characters. */
export const CHANNEL_NAME = /^#[a-z0-9][a-z0-9._-]{0,79}$/;

/**
 * A channel id typed in the wrong case (`c06search01`): Slack ids are a letter and eight or more
 * capitals and digits, several of them digits. A plain word that happens to start with c, g or d
 * (`general`, `dev-alerts`) has too few digits to be mistaken for one.
 */
export function channelIdInWrongCase(text: string): string | undefined {
  const upper = text.toUpperCase();
  if (upper === text || !/^[CGD][A-Z0-9]{8,}$/.test(upper)) return undefined;
  return (upper.match(/[0-9]/g) ?? []).length >= 2 ? upper : undefined;
}

/** Either form, as one pattern (the JSON Schema needs a single regex). */
export const CHANNEL = new RegExp(`${CHANNEL_ID.source}|${CHANNEL_NAME.source}`);

/** A user group (S…) is mentioned as <!subteam^S…>, a user (U…/W…) as <@U…>. */
export const USER_GROUP_ID = /^S[A-Z0-9]{2,}$/;
export const USER_ID = /^[UW][A-Z0-9]{2,}$/;

export const MENTION_TARGET = new RegExp(`${USER_GROUP_ID.source}|${USER_ID.source}`);

/**
 * Where an escalation goes: "lead" (the digest's recipient), a user group (S…), a user (U…/W…) or
 * a channel (id or #name).
 */
export const ESCALATION_TARGET = new RegExp(`^lead$|${USER_GROUP_ID.source}|${USER_ID.source}|${CHANNEL.source}`);

/** Tier names appear in `--fail-on`, in messages and in chaser's tables: short, lowercase, shell-safe. */
export const TIER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** The only placeholders a tier template may use; the renderer replaces exactly these. */
export const TEMPLATE_PLACEHOLDERS = ['team', 'count', 'oldestDays', 'tier', 'consumers'] as const;
export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

/** `--fail-on` keywords that a tier name would shadow. */
export const RESERVED_TIER_NAMES: readonly string[] = ['outstanding', 'never'];

/**
 * Only the scheme is checked, not parsed with `new URL`: postgres.js also accepts forms WHATWG
 * URL parsing rejects (several hosts "postgres://a:5432,b:5432/db", a socket "postgres:///db").
 */
export const POSTGRES_URL = /^postgres(ql)?:\/\/\S*$/;

export function isPostgresUrl(text: string): boolean {
  return POSTGRES_URL.test(text);
}
