import type { RecordedRequest } from '../test/support/fake-slack.js';

export interface SlackTimeline {
  /** Every request chaser made (auth.test, posts, retries). */
  requests: number;
  /** chat.postMessage requests (retries included) and how many put a message somewhere. */
  posts: number;
  delivered: number;
  /** Answers 429: the ones the bench injected, and any the channel-rate rule produced. */
  rateLimited: number;
  /** First post arriving → last post answered (its arrival + the fake's latency): the Slack phase as Slack sees it. */
  phaseMs: number;
  /** Most posts in flight at once (a post is in flight from arrival until arrival + latency). */
  maxInFlight: number;
  /** Least time between two accepted posts into one channel (Infinity when no channel got two). */
  minChannelGapMs: number;
  /** Per channel given a 429: how long chaser waited before retrying, and what the other channels did meanwhile. */
  retries: Array<{ channel: string; retryAfterMs: number; waitedMs: number; deliveredElsewhereMeanwhile: number }>;
}

/** Reads the Slack phase off the fake's recorded requests (timestamps are the fake's performance.now()). */
export function slackTimeline(requests: readonly RecordedRequest[], latencyMs: number, retryAfterMs: number): SlackTimeline {
  const posts = requests.filter((r) => r.method === 'chat.postMessage');
  const delivered = posts.filter((r) => r.delivered);
  const limited = posts.filter((r) => r.status === 429);
  const first = posts[0]?.receivedAt ?? 0;
  const last = posts.reduce((max, r) => Math.max(max, r.receivedAt), first);

  const edges = posts.flatMap((r) => [
    { at: r.receivedAt, delta: 1 },
    { at: r.receivedAt + latencyMs, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let inFlight = 0;
  let maxInFlight = 0;
  for (const edge of edges) {
    inFlight += edge.delta;
    maxInFlight = Math.max(maxInFlight, inFlight);
  }

  const byChannel = new Map<string, number[]>();
  for (const r of delivered) {
    const list = byChannel.get(r.delivered!.channelId) ?? [];
    list.push(r.receivedAt);
    byChannel.set(r.delivered!.channelId, list);
  }
  let minChannelGapMs = Infinity;
  for (const times of byChannel.values()) {
    for (let i = 1; i < times.length; i += 1) minChannelGapMs = Math.min(minChannelGapMs, times[i]! - times[i - 1]!);
  }

  const retries = limited.map((r) => {
    const channel = channelOf(r);
    const retry = posts.find((p) => p.receivedAt > r.receivedAt && channelOf(p) === channel);
    const until = retry?.receivedAt ?? r.receivedAt;
    const deliveredElsewhereMeanwhile = delivered.filter(
      (p) => p.receivedAt > r.receivedAt && p.receivedAt < until && channelOf(p) !== channel,
    ).length;
    return { channel, retryAfterMs, waitedMs: until - r.receivedAt, deliveredElsewhereMeanwhile };
  });

  return {
    requests: requests.length,
    posts: posts.length,
    delivered: delivered.length,
    rateLimited: limited.length,
    phaseMs: posts.length === 0 ? 0 : last + latencyMs - first,
    maxInFlight,
    minChannelGapMs,
    retries,
  };
}

function channelOf(request: RecordedRequest): string {
  const channel = request.params['channel'];
  return typeof channel === 'string' ? channel : '';
}
