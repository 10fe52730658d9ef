import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

/**
 * The Dockerfile the README's CronJob runs, built and run for real, where a Docker daemon answers
 * (`docker info`, honouring DOCKER_HOST); skipped elsewhere. The build pulls node:20-alpine.
 */

const run = promisify(execFile);

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const TAG = `rotation-chaser:test-${process.pid}`;
const available = dockerAnswers();

describe.skipIf(!available)('the Dockerfile (needs a Docker daemon)', () => {
  afterAll(async () => {
    await run('docker', ['image', 'rm', '-f', TAG]).catch(() => undefined);
  });

  it('builds, and the image runs chaser as a non-root user on a read-only filesystem', async () => {
    await run('docker', ['build', '--network', 'host', '-t', TAG, REPO_ROOT], { maxBuffer: 64 * 1024 * 1024 });

    const user = await run('docker', ['image', 'inspect', '--format', '{{.Config.User}}', TAG]);
    expect(user.stdout.trim()).toMatch(/^[1-9]\d*(:\d+)?$/); // numeric, so runAsNonRoot can check it

    const version = await run('docker', ['run', '--rm', '--network', 'none', '--read-only', TAG, '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

    // The demo: the whole pipeline on the embedded database, exit 3 (consumers remain).
    const demo = await run('docker', ['run', '--rm', '--network', 'none', '--read-only', TAG, 'dry-run', '--demo']).catch(
      (error: { code?: number; stdout?: string }) => ({ code: error.code, stdout: error.stdout ?? '' }),
    );
    expect(demo).toMatchObject({ code: 3 });
    expect(demo.stdout).toContain('exit 3: consumers remain outstanding');
  }, 600_000);
});
