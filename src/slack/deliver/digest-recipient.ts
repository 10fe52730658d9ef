import type { WebClient } from '@slack/web-api';
import type { DigestDestination } from '../../config/types.js';
import { classifySlackError, type SlackFailure } from './failures.js';

export type Recipient = { ok: true; channel: string; label: string } | { ok: false; failure: SlackFailure; label: string };

/** Where the digest goes: a channel as is; a user or an email through their DM conversation. */
export async function resolveDigestRecipient(client: WebClient, destination: DigestDestination): Promise<Recipient> {
  if ('channel' in destination) return { ok: true, channel: destination.channel, label: destination.channel };
  const label = 'user' in destination ? destination.user : destination.email;
  try {
    let userId: string;
    if ('user' in destination) {
      userId = destination.user;
    } else {
      const found = await client.users.lookupByEmail({ email: destination.email });
      userId = String(found.user?.id ?? '');
    }
    const opened = await client.conversations.open({ users: userId });
    const channel = opened.channel?.id;
    if (!channel) return { ok: false, label, failure: { kind: 'failed', reason: 'conversations.open returned no channel' } };
    return { ok: true, channel, label };
  } catch (error) {
    return { ok: false, label, failure: classifySlackError(error) };
  }
}
