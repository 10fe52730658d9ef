import { LogLevel, type Logger } from '@slack/web-api';

/** A WebClient logger that says nothing: the harness tests assert answers, not the client's chatter. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};
