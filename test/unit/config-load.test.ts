import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { configFromObject, defaultConfig, loadConfig, loadConfigIfFound, parserReason } from '../../src/config/load.js';
import { ChaserError, ExitCode } from '../../src/exit-codes.js';

/** A temporary directory holding `files`, removed when the test ends. */
async function directoryWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chaser-config-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

/** The ChaserError a promise rejects with (fails the test if it resolves or throws something else). */
async function rejectionOf(promise: Promise<unknown>): Promise<ChaserError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection, but it resolved');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChaserError);
  return error as ChaserError;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const PAYMENTS = { teams: { payments: { channel: '#payments' } } };

describe('loadConfig: discovery in the working directory', () => {
  it('finds chaser.config.json', async () => {
    const dir = await directoryWith({ 'chaser.config.json': json(PAYMENTS) });
    const loaded = await loadConfig({ env: {}, cwd: dir });
    expect(loaded.filepath).toBe(path.join(dir, 'chaser.config.json'));
    expect(loaded.config.teams).toEqual({ payments: { channel: '#payments' } });
    expect(loaded.config.tiers.map((t) => t.name)).toEqual(['gentle', 'firm', 'urgent', 'critical']);
  });

  it('finds .chaserrc.yaml', async () => {
    const dir = await directoryWith({
      '.chaserrc.yaml': [
        'teams:',
        '  identity:',
        '    channel: "#identity-alerts"',
        '    mention: S05IDENTITY',
        'digest:',
        '  user: U0LEAD',
      ].join('\n'),
    });
    const loaded = await loadConfig({ env: {}, cwd: dir });
    expect(loaded.filepath).toBe(path.join(dir, '.chaserrc.yaml'));
    expect(loaded.config.teams).toEqual({ identity: { channel: '#identity-alerts', mention: 'S05IDENTITY' } });
    expect(loaded.config.digest).toEqual({ user: 'U0LEAD' });
  });

  it('finds .chaserrc without an extension (JSON or YAML)', async () => {
    const dir = await directoryWith({ '.chaserrc': json(PAYMENTS) });
    expect((await loadConfig({ env: {}, cwd: dir })).config.teams).toEqual(PAYMENTS.teams);
  });

  it('finds a "chaser" key in package.json', async () => {
    const dir = await directoryWith({ 'package.json': json({ name: 'ops', chaser: { fallbackChannel: '#security' } }) });
    const loaded = await loadConfig({ env: {}, cwd: dir });
    expect(loaded.filepath).toBe(path.join(dir, 'package.json'));
    expect(loaded.config.fallbackChannel).toBe('#security');
  });

  it('finds chaser.config.mjs (a default export)', async () => {
    const dir = await directoryWith({ 'chaser.config.mjs': `export default ${json(PAYMENTS)};\n` });
    expect((await loadConfig({ env: {}, cwd: dir })).config.teams).toEqual(PAYMENTS.teams);
  });

  it('prefers a dedicated file over the package.json key', async () => {
    const dir = await directoryWith({
      'package.json': json({ name: 'ops', chaser: { fallbackChannel: '#from-package' } }),
      'chaser.config.json': json({ fallbackChannel: '#from-file' }),
    });
    const loaded = await loadConfig({ env: {}, cwd: dir });
    expect(loaded.config.fallbackChannel).toBe('#from-file');
  });

  it('reports no config, and how to make one, when nothing is found', async () => {
    const dir = await directoryWith({ 'package.json': json({ name: 'ops' }) });
    const error = await rejectionOf(loadConfig({ env: {}, cwd: dir }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe(`no chaser config found in ${dir}`);
    expect(error.details).toEqual(['create chaser.config.json (start from chaser.config.example.json) or pass --config <path>']);
  });

  it('does not pick up a config from a parent directory', async () => {
    const dir = await directoryWith({ 'chaser.config.json': json(PAYMENTS), 'jobs/.keep': '' });
    const error = await rejectionOf(loadConfig({ env: {}, cwd: path.join(dir, 'jobs') }));
    expect(error.message).toBe(`no chaser config found in ${path.join(dir, 'jobs')}`);
  });

  it('reports an empty config file instead of skipping it', async () => {
    const dir = await directoryWith({ 'chaser.config.json': '' });
    const error = await rejectionOf(loadConfig({ env: {}, cwd: dir }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe(`config file ${path.join(dir, 'chaser.config.json')} is empty`);
    expect(error.details).toEqual(['write {} to use every default, or start from chaser.config.example.json']);
  });
});

describe('loadConfigIfFound: for a command that can run without a file (migrate)', () => {
  it('says "none found" as a value, naming the directory searched', async () => {
    const dir = await directoryWith({ 'package.json': json({ name: 'ops' }) });
    expect(await loadConfigIfFound({ env: {}, cwd: dir })).toEqual({ notFound: true, cwd: dir });
  });

  it('loads a config that is there, exactly like loadConfig', async () => {
    const dir = await directoryWith({ 'chaser.config.json': json(PAYMENTS) });
    expect(await loadConfigIfFound({ env: {}, cwd: dir })).toEqual(await loadConfig({ env: {}, cwd: dir }));
  });

  it('still refuses a path that was given but is missing, and a broken file', async () => {
    const dir = await directoryWith({ 'chaser.config.json': '{ "teams": ' });
    expect((await rejectionOf(loadConfigIfFound({ env: { CHASER_CONFIG: 'missing.json' }, cwd: dir }))).message).toContain(
      'config file not found',
    );
    expect((await rejectionOf(loadConfigIfFound({ env: {}, cwd: dir }))).message).toContain('cannot read config');
  });

  it('defaultConfig is the defaults with DATABASE_URL applied', () => {
    expect(defaultConfig({ DATABASE_URL: 'postgres://env-host/db' }).database.url).toBe('postgres://env-host/db');
    expect(defaultConfig({}).database.url).toBeUndefined();
  });
});

describe('loadConfig: an explicit path', () => {
  it('reads --config, relative to the working directory', async () => {
    const dir = await directoryWith({ 'ops/chaser.json': json(PAYMENTS) });
    const loaded = await loadConfig({ path: 'ops/chaser.json', env: {}, cwd: dir });
    expect(loaded.filepath).toBe(path.join(dir, 'ops', 'chaser.json'));
    expect(loaded.config.teams).toEqual(PAYMENTS.teams);
  });

  it('reads CHASER_CONFIG when --config is not given', async () => {
    const dir = await directoryWith({ 'elsewhere.yaml': 'fallbackChannel: "#from-env"\n', 'chaser.config.json': '{}' });
    const loaded = await loadConfig({ env: { CHASER_CONFIG: 'elsewhere.yaml' }, cwd: dir });
    expect(loaded.config.fallbackChannel).toBe('#from-env');
  });

  it('lets --config win over CHASER_CONFIG', async () => {
    const dir = await directoryWith({
      'flag.json': json({ fallbackChannel: '#from-flag' }),
      'env.json': json({ fallbackChannel: '#from-env' }),
    });
    const loaded = await loadConfig({ path: 'flag.json', env: { CHASER_CONFIG: 'env.json' }, cwd: dir });
    expect(loaded.config.fallbackChannel).toBe('#from-flag');
  });

  it('treats an empty CHASER_CONFIG as not set', async () => {
    const dir = await directoryWith({ 'chaser.config.json': json(PAYMENTS) });
    const loaded = await loadConfig({ env: { CHASER_CONFIG: '' }, cwd: dir });
    expect(loaded.filepath).toBe(path.join(dir, 'chaser.config.json'));
  });

  it('names a --config path that does not exist', async () => {
    const dir = await directoryWith({});
    const error = await rejectionOf(loadConfig({ path: 'missing.json', env: {}, cwd: dir }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe(`config file not found: ${path.join(dir, 'missing.json')} (from --config)`);
  });

  it('names CHASER_CONFIG when its path does not exist', async () => {
    const dir = await directoryWith({ 'chaser.config.json': '{}' });
    const error = await rejectionOf(loadConfig({ env: { CHASER_CONFIG: '/nowhere/chaser.json' }, cwd: dir }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe('config file not found: /nowhere/chaser.json (from CHASER_CONFIG)');
  });

  it('refuses a directory', async () => {
    const dir = await directoryWith({ 'conf/.keep': '' });
    const error = await rejectionOf(loadConfig({ path: 'conf', env: {}, cwd: dir }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe(`config path ${path.join(dir, 'conf')} (from --config) is a directory`);
  });

  it('validates a file holding null like any other non-object', async () => {
    const dir = await directoryWith({ 'chaser.json': 'null' });
    const error = await rejectionOf(loadConfig({ path: 'chaser.json', env: {}, cwd: dir }));
    expect(error.message).toBe(`invalid config in ${path.join(dir, 'chaser.json')}`);
    expect(error.details).toEqual(['(root): expected an object of settings (write {} to use every default), got null']);
  });

  it('names the file types it reads when given another', async () => {
    const dir = await directoryWith({ 'chaser.toml': 'teams = {}' });
    const error = await rejectionOf(loadConfig({ path: 'chaser.toml', env: {}, cwd: dir }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe(`cannot read config ${path.join(dir, 'chaser.toml')}: unsupported file type`);
    expect(error.details[0]).toContain('.json, .yaml, .yml');
  });

  it('refuses a package.json without a "chaser" key', async () => {
    const dir = await directoryWith({ 'package.json': json({ name: 'ops' }) });
    const error = await rejectionOf(loadConfig({ path: 'package.json', env: {}, cwd: dir }));
    expect(error.message).toBe(`no "chaser" key in ${path.join(dir, 'package.json')} (from --config)`);
  });
});

describe('loadConfig: files that do not parse', () => {
  it('reports broken JSON with the file, the line and the parser reason', async () => {
    const dir = await directoryWith({ 'chaser.config.json': '{\n  "teams": {}\n  "tiers": []\n}\n' });
    const error = await rejectionOf(loadConfig({ env: {}, cwd: dir }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe(`cannot read config ${path.join(dir, 'chaser.config.json')}`);
    expect(error.details[0]).toMatch(/^line 3: .*JSON/);
  });

  it('never quotes the file back, so a password next to the fault stays out of the message', async () => {
    const dir = await directoryWith({
      'chaser.config.json': '{\n  "database": { "url": "postgres://chaser:hunter2-secret@db/inv" }\n  "teams": {}\n}\n',
    });
    const error = await rejectionOf(loadConfig({ env: {}, cwd: dir }));
    expect([error.message, ...error.details].join('\n')).not.toMatch(/hunter|secret/);
  });

  it('reports broken YAML with its position', async () => {
    const dir = await directoryWith({ '.chaserrc.yaml': 'teams:\n  a: [\n  b: x\n' });
    const error = await rejectionOf(loadConfig({ env: {}, cwd: dir }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe(`cannot read config ${path.join(dir, '.chaserrc.yaml')}`);
    expect(error.details[0]).toMatch(/\(\d+:\d+\)$/);
  });

  it('reports a broken file given with --config', async () => {
    const dir = await directoryWith({ 'broken.json': '{ "teams": ' });
    const error = await rejectionOf(loadConfig({ path: 'broken.json', env: {}, cwd: dir }));
    expect(error.message).toBe(`cannot read config ${path.join(dir, 'broken.json')}`);
  });

  it('does not quote a bare word from the file (a pasted secret) either', async () => {
    const dir = await directoryWith({ 'chaser.config.json': '{ "teams": { "a": hunter2-secret } }' });
    const error = await rejectionOf(loadConfig({ env: {}, cwd: dir }));
    expect(error.details[0]).toMatch(/^(line \d+: )?Unexpected token/);
    expect([error.message, ...error.details].join('\n')).not.toMatch(/hunter|secret/);
  });
});

describe('parserReason', () => {
  it('keeps the reason and the marked line of a parse-json message and drops the quoted text', () => {
    const message = [
      'JSON Error in /etc/chaser.json: ',
      '',
      '  1 | {',
      '> 2 |   "url": "postgres://u:pw@h/db" x',
      '    |   ^',
      '',
      'Unexpected token \'x\', "{ "url": "postgres://u:p" is not valid JSON while parsing \'{ "url": "postgres://u:p\'',
    ].join('\n');
    expect(parserReason(message)).toBe("line 2: Unexpected token 'x'");
  });

  it('drops a coloured code frame too (FORCE_COLOR on a CI runner), even with the secret on line 1', () => {
    // The shape @babel/code-frame gives under FORCE_COLOR=1, as cosmiconfig 9 passed it on.
    const message = [
      'JSON Error in /etc/chaser.json: ',
      '',
      '\u001b[0m \u001b[90m 1 |\u001b[39m { \u001b[32m"url"\u001b[39m\u001b[33m:\u001b[39m \u001b[32m"postgres://u:hunter2@h/db"\u001b[39m }',
      '\u001b[31m\u001b[1m>\u001b[22m\u001b[39m\u001b[90m 2 |\u001b[39m   \u001b[32m"teams"\u001b[39m\u001b[33m:\u001b[39m {}',
      ' \u001b[90m   |\u001b[39m   \u001b[31m\u001b[1m^\u001b[22m\u001b[39m',
      '',
      "Expected ',' or '}' after property value in JSON at position 40 while parsing '{ \"url\": \"postgres://u:hun'",
    ].join('\n');
    expect(parserReason(message)).toBe("line 2: Expected ',' or '}' after property value in JSON at position 40");
  });

  it.each([
    [`Unexpected token 'h', ..."s": {"a": hunter2 }}" is not valid JSON`, "Unexpected token 'h'"],
    [`Unexpected token 'h', "{"a": hunter2}" is not valid JSON`, "Unexpected token 'h'"],
    [`"hunter2" is not valid JSON`, 'not valid JSON'],
    ['Unexpected end of JSON input', 'Unexpected end of JSON input'],
  ])('drops the quoted text of V8 message %j', (v8Message, reason) => {
    expect(parserReason(`JSON Error in /etc/chaser.json:\n${v8Message}`)).toBe(reason);
  });

  it('keeps a YAML reason and its position', () => {
    const message =
      'YAML Error in /etc/.chaserrc.yaml:\nbad indentation of a mapping entry (3:5)\n\n 2 |   a: 1\n 3 |     b: 2\n-----------^';
    expect(parserReason(message)).toBe('bad indentation of a mapping entry (3:5)');
  });
});

describe('loadConfig: validation and the environment', () => {
  it('lists every validation problem under "invalid config in <file>"', async () => {
    const dir = await directoryWith({
      'chaser.config.json': json({ tiers: [{ name: 'a', afterDaysOverdue: 0, every: '-1h' }], slack: { token: 'xoxb-1' } }),
    });
    const error = await rejectionOf(loadConfig({ env: {}, cwd: dir }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe(`invalid config in ${path.join(dir, 'chaser.config.json')}`);
    expect(error.details.map((line) => line.slice(0, line.indexOf(':')))).toEqual(['tiers[0].every', 'slack.token']);
  });

  it('lets DATABASE_URL replace database.url', async () => {
    const dir = await directoryWith({ 'chaser.config.json': json({ database: { url: 'postgres://file-host/db' } }) });
    const loaded = await loadConfig({ env: { DATABASE_URL: 'postgres://env-host/db' }, cwd: dir });
    expect(loaded.config.database.url).toBe('postgres://env-host/db');
  });

  it('takes DATABASE_URL when the file has no url', async () => {
    const dir = await directoryWith({ 'chaser.config.json': '{}' });
    const loaded = await loadConfig({ env: { DATABASE_URL: 'postgresql://env-host/db' }, cwd: dir });
    expect(loaded.config.database).toEqual({ url: 'postgresql://env-host/db', connectTimeoutSeconds: 10, statementTimeoutMs: 30_000 });
  });

  it('keeps the file url when DATABASE_URL is empty', async () => {
    const dir = await directoryWith({ 'chaser.config.json': json({ database: { url: 'postgres://file-host/db' } }) });
    const loaded = await loadConfig({ env: { DATABASE_URL: '' }, cwd: dir });
    expect(loaded.config.database.url).toBe('postgres://file-host/db');
  });

  it('rejects an invalid DATABASE_URL without echoing it, together with the file problems', async () => {
    const dir = await directoryWith({ 'chaser.config.json': json({ slack: { retries: 11 } }) });
    const error = await rejectionOf(loadConfig({ env: { DATABASE_URL: 'mysql://root:t0psecret@db/x' }, cwd: dir }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.details).toEqual([
      'slack.retries: expected a whole number from 0 to 10, got 11',
      'DATABASE_URL (environment): expected a postgres:// URL (postgres://user@host:5432/dbname); fix or unset it',
    ]);
    expect([error.message, ...error.details].join('\n')).not.toContain('t0psecret');
  });

  it('still reports an invalid url in the file when DATABASE_URL overrides it', async () => {
    const dir = await directoryWith({ 'chaser.config.json': json({ database: { url: 'mysql://db/x' } }) });
    const error = await rejectionOf(loadConfig({ env: { DATABASE_URL: 'postgres://env-host/db' }, cwd: dir }));
    expect(error.details).toEqual([
      'database.url: expected a postgres:// URL (postgres://user@host:5432/dbname; the password can come from PGPASSWORD)',
    ]);
  });
});

describe('configFromObject', () => {
  it('validates a config written in code and applies the defaults', () => {
    const config = configFromObject({ teams: { payments: { channel: '#payments' } } }, 'the built-in demo config');
    expect(config.teams).toEqual({ payments: { channel: '#payments' } });
    expect(config.slack.concurrency).toBe(8);
  });

  it('throws a config error naming the source and listing every problem', () => {
    let thrown: unknown;
    try {
      configFromObject({ digest: {}, slack: { concurrency: 0 } }, 'the built-in demo config');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ChaserError);
    const error = thrown as ChaserError;
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe('invalid config in the built-in demo config');
    expect(error.details).toEqual([
      'digest: set exactly one of digest.channel, digest.user or digest.email; got none',
      'slack.concurrency: expected a whole number from 1 to 50, got 0',
    ]);
  });
});
