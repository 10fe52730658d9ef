import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromObject } from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import type { ChannelSpec } from '../test/support/fake-slack.js';
import type { BenchSize } from './options.js';
import { teamKey } from './scratch-db.js';

export const DIGEST_CHANNEL = 'CDIGEST001';

/** Team i posts into its own channel, so every message of a sweep goes to a different channel. */
export function channelOf(index: number): string {
  return `CT${String(index).padStart(7, '0')}`;
}

export interface BenchConfig {
  /** What is written to chaser.config.json. */
  raw: Record<string, unknown>;
  /** The same, validated by chaser's own config code: what the in-process replays use. */
  config: Config;
  channels: ChannelSpec[];
  channelByTeam: Map<string, string>;
}

/**
 * A config routing every team to its own channel (with a user group to mention on the tiers that
 * mention), the digest to a channel of its own; slack.concurrency only when the bench was told one.
 */
export function writeBenchConfig(dir: string, size: BenchSize, concurrency: number | undefined): BenchConfig {
  const teams: Record<string, { channel: string; mention: string }> = {};
  const channels: ChannelSpec[] = [{ id: DIGEST_CHANNEL, name: 'security-digest' }];
  const channelByTeam = new Map<string, string>();
  for (let i = 0; i < size.teams; i += 1) {
    const key = teamKey(i);
    const channel = channelOf(i);
    teams[key] = { channel, mention: `S${String(i).padStart(8, '0')}` };
    channels.push({ id: channel, name: key });
    channelByTeam.set(key, channel);
  }
  const raw: Record<string, unknown> = {
    teams,
    digest: { channel: DIGEST_CHANNEL },
    ...(concurrency === undefined ? {} : { slack: { concurrency } }),
  };
  writeFileSync(join(dir, 'chaser.config.json'), JSON.stringify(raw));
  return { raw, config: configFromObject(raw, 'the bench config'), channels, channelByTeam };
}
