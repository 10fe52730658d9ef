/**
 * The fake Slack's world: channels, users, DMs, granted scopes and the bot's identity. Mutable on
 * purpose, so a test can archive a channel or revoke a scope between two calls of one run.
 */

export interface ChannelSpec {
  id: string;
  name: string;
  /** Default false (a public channel). */
  isPrivate?: boolean;
  /** Default false. */
  isArchived?: boolean;
  /** Whether the bot is in the channel. Default true. */
  isMember?: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  isMember: boolean;
}

export interface UserSpec {
  id: string;
  email: string;
  /** Default: the part of the email before `@`. */
  name?: string;
  /** A bot user (another app, a workflow): its messages carry a bot_id. Default false. */
  isBot?: boolean;
}

export interface FakeUser {
  id: string;
  email: string;
  name: string;
  isBot: boolean;
}

/** One message in a conversation: a top-level post or a thread reply. Mutable, like the world it models. */
export interface FakeMessage {
  ts: string;
  /** The author: a human's U…, or a bot's user id. */
  user: string;
  /** Set for messages posted by an app (chaser itself included). */
  botId?: string;
  text: string;
  blocks?: unknown[];
  /** The parent's ts, on replies (Slack also sets it on a parent that has replies). */
  threadTs?: string;
  /** A reply also shown in the channel. */
  replyBroadcast?: boolean;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** Reaction name → the users who added it, in order. */
  reactions: Map<string, string[]>;
  /** Set by chat.update. */
  edited?: { user: string; ts: string };
  /** The workspace's edit window has closed for this message: chat.update answers edit_window_closed. */
  editWindowClosed?: boolean;
}

/** Who the token belongs to, as auth.test reports it. */
export interface FakeIdentity {
  team: string;
  teamId: string;
  user: string;
  userId: string;
  botId: string;
  url: string;
}

export const DEFAULT_IDENTITY: FakeIdentity = {
  team: 'Fake Workspace',
  teamId: 'T0FAKE0001',
  user: 'chaser',
  userId: 'U0FAKEBOT1',
  botId: 'B0FAKEBOT1',
  url: 'https://fake-workspace.slack.com/',
};

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** A resolved conversation: a channel the workspace knows, or the bot's DM with a user. */
export type Conversation = { kind: 'channel'; channel: FakeChannel } | { kind: 'dm'; id: string; user: FakeUser };

export class FakeWorkspace {
  readonly channels = new Map<string, FakeChannel>();
  readonly users = new Map<string, FakeUser>();
  /** Conversation id → its messages (top-level and replies), in ts order. */
  readonly messages = new Map<string, FakeMessage[]>();
  /** User group id (S…) → member user ids. */
  readonly usergroups = new Map<string, string[]>();
  /** `${channel}/${parent ts}` of threads an admin locked: replies are refused. */
  readonly lockedThreads = new Set<string>();
  scopes: Set<string>;
  readonly identity: FakeIdentity;
  /** userId → D… id of the bot's DM with that user, created on first use like Slack does. */
  private readonly dms = new Map<string, string>();
  private lastTsMicros = 0;

  constructor(scopes: Iterable<string>, identity: FakeIdentity) {
    this.scopes = new Set(scopes);
    this.identity = identity;
  }

  addChannel(spec: ChannelSpec): FakeChannel {
    if (!CHANNEL_ID.test(spec.id) || spec.id.startsWith('D')) {
      throw new Error(`fake Slack: channel id ${JSON.stringify(spec.id)} should look like C… or G…`);
    }
    const channel: FakeChannel = {
      id: spec.id,
      name: spec.name.replace(/^#/, ''),
      isPrivate: spec.isPrivate ?? false,
      isArchived: spec.isArchived ?? false,
      isMember: spec.isMember ?? true,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  addUser(spec: UserSpec): FakeUser {
    if (!USER_ID.test(spec.id)) throw new Error(`fake Slack: user id ${JSON.stringify(spec.id)} should look like U… or W…`);
    const user: FakeUser = {
      id: spec.id,
      email: spec.email,
      name: spec.name ?? spec.email.split('@')[0] ?? spec.id,
      isBot: spec.isBot ?? false,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** The channel with this ID, or (when `byName`) this `#name`/`name`. DMs are not channels here. */
  findChannel(ref: string, { byName }: { byName: boolean }): FakeChannel | undefined {
    const byId = this.channels.get(ref);
    if (byId || !byName) return byId;
    const name = ref.replace(/^#/, '');
    for (const channel of this.channels.values()) if (channel.name === name) return channel;
    return undefined;
  }

  findUserByEmail(email: string): FakeUser | undefined {
    // Assumption: Slack matches emails case-insensitively (mailbox case is not significant in practice).
    const wanted = email.toLowerCase();
    for (const user of this.users.values()) if (user.email.toLowerCase() === wanted) return user;
    return undefined;
  }

  /** The DM id for a user, opening it if needed; undefined for an unknown user. */
  openDm(userId: string): string | undefined {
    const user = this.users.get(userId);
    if (!user) return undefined;
    let id = this.dms.get(user.id);
    if (!id) {
      id = `D${String(this.dms.size + 1).padStart(10, '0')}`;
      this.dms.set(user.id, id);
    }
    return id;
  }

  dmOf(userId: string): string | undefined {
    return this.dms.get(userId);
  }

  dmById(id: string): { id: string; user: FakeUser } | undefined {
    for (const [userId, dmId] of this.dms) {
      const user = this.users.get(userId);
      if (dmId === id && user) return { id, user };
    }
    return undefined;
  }

  /**
   * What chat.postMessage's `channel` means: a channel ID or name, a `U…`/`W…` user (the bot's DM
   * with them, opened on the spot), or a `D…` DM already open. `open: false` looks without opening.
   */
  resolvePostTarget(ref: string, { open }: { open: boolean }): Conversation | undefined {
    if (USER_ID.test(ref)) {
      const user = this.users.get(ref);
      const id = user && (open ? this.openDm(user.id) : this.dmOf(user.id));
      return user && id ? { kind: 'dm', id, user } : undefined;
    }
    if (ref.startsWith('D')) {
      const dm = this.dmById(ref);
      return dm ? { kind: 'dm', ...dm } : undefined;
    }
    const channel = this.findChannel(ref, { byName: true });
    return channel ? { kind: 'channel', channel } : undefined;
  }

  /** Adds a message to a conversation, keeping ts order (a ts is always the newest, so it appends). */
  addMessage(conversationId: string, message: FakeMessage): FakeMessage {
    const list = this.messages.get(conversationId);
    if (list) list.push(message);
    else this.messages.set(conversationId, [message]);
    return message;
  }

  /** The message with this ts in the conversation, top-level or reply. */
  findMessage(conversationId: string, ts: string): FakeMessage | undefined {
    return this.messages.get(conversationId)?.find((m) => m.ts === ts);
  }

  /** Deletes a message as a person would; a parent's replies stay, as in Slack. */
  deleteMessage(conversationId: string, ts: string): boolean {
    const list = this.messages.get(conversationId);
    const index = list?.findIndex((m) => m.ts === ts) ?? -1;
    if (!list || index < 0) return false;
    list.splice(index, 1);
    return true;
  }

  /** The replies of a thread (not its parent), oldest first. */
  repliesOf(conversationId: string, parentTs: string): FakeMessage[] {
    return (this.messages.get(conversationId) ?? []).filter((m) => m.threadTs === parentTs && m.ts !== parentTs);
  }

  /** A fresh message ts: `^\d{10}\.\d{6}$`, strictly increasing, near the wall clock like Slack's. */
  nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    const seconds = Math.floor(this.lastTsMicros / 1_000_000);
    const micros = this.lastTsMicros % 1_000_000;
    return `${seconds}.${String(micros).padStart(6, '0')}`;
  }
}
