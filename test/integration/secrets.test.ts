import { describe, expect, it } from 'vitest';
import { seedThreeTeams, serialConfig } from '../support/campaign.js';
import { runRowsAsText } from '../support/chaser-state.js';
import { assertNoSecrets, TEST_TOKEN, urlPassword } from '../support/cli.js';
import { backend } from '../support/db.js';
import { refusingPort } from '../support/ports.js';
import { CHANNELS, useScenario } from '../support/scenario.js';
import { NOW } from '../support/clock.js';

const ISO = NOW.toISOString();
/** Distinctive, with characters that must be percent-encoded in a URL: both forms must stay hidden. */
const PASSWORD = 'Db-S3cret/pa:ss@word';
const ENCODED = encodeURIComponent(PASSWORD);
const SECRETS = [PASSWORD, ENCODED];

describe(`secrets never leak (${backend})`, () => {
  const s = useScenario();

  it('the secret sweep every CLI run goes through is armed: it fails a run that prints the token or a password', () => {
    expect(() => assertNoSecrets({ stdout: `token is ${TEST_TOKEN}\n`, stderr: '' }, [TEST_TOKEN])).toThrow(/a secret leaked to stdout/);
    expect(() => assertNoSecrets({ stdout: '', stderr: `postgres://u:${ENCODED}@h/db` }, SECRETS)).toThrow(/a secret leaked to stderr/);
    expect(() => assertNoSecrets({ stdout: 'clean', stderr: 'clean' }, [TEST_TOKEN, ...SECRETS])).not.toThrow();
    expect(urlPassword(`postgres://u:${ENCODED}@h/db`)).toEqual([ENCODED, PASSWORD]);
  });

  it('a password in the config file, a port that refuses, every verbosity and --json: exit 69 naming host:port, the password nowhere', async () => {
    // Refused like a closed port, and held for the whole test: never handed to another server meanwhile.
    const refusing = await refusingPort();
    const port = refusing.port;
    try {
      s.writeConfig({ ...serialConfig(), database: { url: `postgres://chaser:${ENCODED}@127.0.0.1:${port}/chaser` } });
      const noDatabaseUrl = { env: { DATABASE_URL: undefined }, secrets: SECRETS };
      for (const args of [[], ['-v'], ['-q'], ['-v', '--json']]) {
        // runCli fails the test if the token or either form of the password is in stdout or stderr.
        const run = await s.run(['sweep', '--now', ISO, ...args], noDatabaseUrl);
        expect(run.code, `sweep ${args.join(' ')}: ${run.stderr}`).toBe(69);
        expect(run.stderr).toContain(`127.0.0.1:${port}`);
        expect(run.stderr).toContain('connection refused');
      }
      for (const command of [
        ['migrate', '-v'],
        ['doctor', '-v'],
      ]) {
        const run = await s.run([...command], noDatabaseUrl);
        expect(run.code, command.join(' ')).not.toBe(0);
      }
    } finally {
      await refusing.close();
    }
  });

  it('an unreachable host and a URL postgres.js cannot decode: the password stays hidden', async () => {
    const unresolvable = `postgres://chaser:${ENCODED}@chaser-no-such-host.invalid:5432/chaser`;
    const unresolved = await s.run(['dry-run', '--now', ISO, '-v'], { env: { DATABASE_URL: unresolvable }, secrets: SECRETS });
    expect(unresolved.code).toBe(69);
    expect(unresolved.stderr).toContain('chaser-no-such-host.invalid');

    // A stray "%" (not percent-encoding) makes postgres.js throw while decoding the URL.
    const undecodable = 'postgres://chaser:Pa55%word-secret@127.0.0.1:5432/chaser';
    const bad = await s.run(['dry-run', '--now', ISO, '-v'], { env: { DATABASE_URL: undecodable }, secrets: ['Pa55%word-secret', 'Pa55'] });
    expect(bad.code).toBe(78); // a config error naming the fix, not an internal error
    expect(bad.stderr).toContain('the database URL is not a valid URL');
    expect(bad.stderr).toContain('percent-encoded');
  });

  // Only the redactor stands between this password and stderr: with -v the Slack client logs every
  // request URL, and the fetch error quotes it too.
  it('a Slack proxy URL with credentials (SLACK_API_URL) is masked in -v logs and error messages', async () => {
    const proxy = new URL(s.slack.url);
    proxy.username = 'proxyuser';
    proxy.password = 'Pr0xy-Secret-Pass';
    for (const args of [['-v'], []]) {
      const run = await s.run(['sweep', '--now', ISO, ...args], {
        env: { SLACK_API_URL: proxy.toString() },
        secrets: ['Pr0xy-Secret-Pass'],
      });
      expect(run.code).toBe(69);
      expect(run.stderr).toContain('proxyuser:[REDACTED]@');
    }
  });

  it.skipIf(backend === 'pglite')(
    'a wrong password (real Postgres only: PGlite accepts any password) is rejected without being echoed',
    async () => {
      const url = new URL(s.db.url);
      url.password = encodeURIComponent('Wr0ng-Passw0rd-XYZ');
      const run = await s.run(['sweep', '--now', ISO, '-v'], { env: { DATABASE_URL: url.toString() }, secrets: ['Wr0ng-Passw0rd-XYZ'] });
      expect(run.code).toBe(69);
      expect(run.stderr).toMatch(/Postgres rejected the login/);
    },
  );

  it('the run record, --json and -v logs of a run with failures hold neither the token nor the database password', async () => {
    await seedThreeTeams(s.db.sql);
    // A password in database.url (PGlite ignores it; on real Postgres it is the real one).
    const url = new URL(s.db.url);
    if (backend === 'pglite') url.password = ENCODED;
    const secrets = backend === 'pglite' ? SECRETS : urlPassword(s.db.url);
    s.writeConfig({ ...serialConfig({ teams: { search: { channel: 'C0NOSUCHCH1' } } }), database: { url: url.toString() } });
    s.slack.fail('chat.postMessage', { error: 'is_archived' }, { channel: CHANNELS.security });

    const run = await s.run(['sweep', '--now', ISO, '-v', '--json'], { env: { DATABASE_URL: undefined }, secrets });
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout).exitCode).toBe(4);

    const record = await runRowsAsText(s.db.sql);
    expect(record).toMatch(/channel_not_found/); // the outcome was written: it is what is being checked
    for (const secret of [TEST_TOKEN, ...secrets]) expect(record).not.toContain(secret);
  });

  it('a proxy answer echoing the Authorization header becomes a failure reason: the digest posts it redacted', async () => {
    await seedThreeTeams(s.db.sql);
    s.writeConfig(serialConfig());
    const echo = `<html><body><h1>407 Proxy says no</h1><pre>POST /api/chat.postMessage\nAuthorization: Bearer ${TEST_TOKEN}\n</pre></body></html>`;
    s.slack.fail('chat.postMessage', { body: echo }, { channel: CHANNELS.search });

    const run = await s.run(['sweep', '--now', ISO, '--json']);
    expect(run.code).toBe(4);
    const search = (JSON.parse(run.stdout) as { teams: Array<{ team: string; error?: string }> }).teams.find((t) => t.team === 'search');
    expect(search?.error).toMatch(/answer could not be read \(not JSON: .*Proxy says no.*REDACTED/);

    const posted = JSON.stringify(s.slack.posts().map((p) => [p.text, p.blocks]));
    const digest = JSON.stringify(s.slack.posts().find((p) => p.channelId === CHANNELS.security)?.blocks);
    expect(digest).toMatch(/search.*failed.*Proxy says no.*REDACTED/); // the reason reached the digest…
    expect(posted).not.toContain(TEST_TOKEN); // …without the token
    expect(posted).not.toContain('chaserTestSecretToken');
  });
});
