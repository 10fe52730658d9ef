import { describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { ChaserError, ExitCode } from '../../src/exit-codes.js';
import type { RunRequest } from '../../src/pipeline/scope.js';
import { checkRequest } from '../../src/pipeline/stages/check-request.js';
import { NOW } from '../support/clock.js';

const config = configFromObject({ digest: { channel: 'C0DIGEST' } }, 'the check-request test config');
const request = (overrides: Partial<RunRequest> = {}): RunRequest => ({
  command: 'sweep',
  config,
  now: NOW,
  failOn: 'outstanding',
  digest: true,
  slackToken: 'xoxb-test',
  ...overrides,
});

function refusal(overrides: Partial<RunRequest>): ChaserError {
  try {
    checkRequest(request(overrides));
  } catch (error) {
    if (error instanceof ChaserError) return error;
    throw error;
  }
  throw new Error('checkRequest accepted the request');
}

describe('checkRequest (the first stage)', () => {
  it.each([
    ['sweep', true, { lock: true, record: true, nudge: true, post: true, digest: true }],
    ['sweep', false, { lock: true, record: true, nudge: true, post: true, digest: false }],
    ['digest', true, { lock: false, record: true, nudge: false, post: true, digest: true }],
    ['dry-run', true, { lock: false, record: false, nudge: false, post: false, digest: false }],
  ] as const)('%s (digest flag %s) runs the steps of its table', (command, digest, steps) => {
    expect(checkRequest(request({ command, digest }))).toEqual({ ...steps, warnings: [] });
  });

  it('refuses an unknown --fail-on with exit 78, listing the valid values', () => {
    const error = refusal({ failOn: 'bogus' });
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toContain('outstanding, never, gentle');
  });

  it('refuses to post the digest with no destination, naming the way out', () => {
    const error = refusal({ config: configFromObject({}, 'no digest') });
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.details.join('\n')).toContain('--no-digest');
  });

  it('asks for SLACK_BOT_TOKEN when it posts; a dry-run only warns that sweep would refuse', () => {
    expect(refusal({ slackToken: undefined, command: 'digest' }).message).toBe('SLACK_BOT_TOKEN is not set');
    expect(checkRequest(request({ slackToken: undefined, command: 'dry-run' })).warnings).toEqual([
      expect.stringMatching(/SLACK_BOT_TOKEN is not set: .*`chaser sweep` would refuse to run \(exit 78\)/),
    ]);
    expect(checkRequest(request({ slackToken: undefined, command: 'dry-run', demo: true })).warnings).toEqual([]);
  });

  it('checks a dry-run as the sweep it previews: no digest destination is 78 there too, unless --no-digest', () => {
    const bare = configFromObject({}, 'no digest');
    expect(refusal({ command: 'dry-run', config: bare }).exitCode).toBe(ExitCode.config);
    expect(() => checkRequest(request({ command: 'dry-run', config: bare, digest: false }))).not.toThrow();
  });
});
