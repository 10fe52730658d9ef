import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExitCode } from '../../src/exit-codes.js';

/**
 * The README's Kubernetes CronJob, parsed from the README itself, so the recipe cannot drift from
 * the exit codes: a normal day (consumers remain) succeeds, what a retry cannot fix fails the Job
 * at once, and what is transient is retried.
 */

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const DOCKERFILE = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');

function section(title: string): string {
  const start = README.indexOf(`\n### ${title}\n`);
  expect(start, `README section "### ${title}"`).toBeGreaterThan(0);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

function codeBlocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '');
}

interface Rule {
  action: string;
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  onPodConditions?: Array<{ type: string }>;
}

const cronJob = parse(codeBlocks(section('Kubernetes CronJob'), 'yaml')[0] ?? '') as {
  kind: string;
  spec: {
    concurrencyPolicy: string;
    jobTemplate: {
      spec: {
        backoffLimit: number;
        podFailurePolicy: { rules: Rule[] };
        template: { spec: { restartPolicy: string; containers: Array<{ name: string; image: string; args: string[] }> } };
      };
    };
  };
};
const job = cronJob.spec.jobTemplate.spec;
const container = job.template.spec.containers.find((c) => c.name === 'chaser');

/** What Kubernetes does with a container exit code: the first matching rule, else count it against backoffLimit. */
function actionFor(code: number): string {
  for (const rule of job.podFailurePolicy.rules) {
    const on = rule.onExitCodes;
    if (!on || (on.containerName !== undefined && on.containerName !== container?.name)) continue;
    if (on.operator === 'In' ? on.values.includes(code) : !on.values.includes(code)) return rule.action;
  }
  return 'Count';
}

/** The exit code a run of these args ends with on a normal day: consumers remain outstanding. */
function normalDayExit(args: readonly string[]): number {
  const at = args.indexOf('--fail-on');
  const failOn = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--fail-on='))?.slice('--fail-on='.length);
  return failOn === 'never' ? ExitCode.ok : ExitCode.outstanding;
}

describe("the README's Kubernetes CronJob", () => {
  it('is a CronJob running one chaser sweep at a time, with pods that are not restarted in place', () => {
    expect(cronJob.kind).toBe('CronJob');
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
    expect(job.template.spec.restartPolicy).toBe('Never');
    expect(container?.args[0]).toBe('sweep');
  });

  it('succeeds on a normal day, while consumers remain (exit 3 is a CI gate, not a scheduler failure)', () => {
    expect(normalDayExit(container?.args ?? [])).toBe(ExitCode.ok);
    expect(actionFor(ExitCode.outstanding)).not.toBe('FailJob');
  });

  it.each([
    ['usage', ExitCode.usage],
    ['configuration', ExitCode.config],
    ['internal', ExitCode.internal],
  ])('fails the Job at once on a %s error (%i): a retry cannot help', (_, code) => {
    expect(actionFor(code)).toBe('FailJob');
  });

  it.each([
    ['some Slack deliveries failed', ExitCode.deliveryFailed],
    ['a dependency is unavailable', ExitCode.unavailable],
    ['another sweep holds the lock', ExitCode.locked],
  ])('retries when %s (%i), up to backoffLimit', (_, code) => {
    expect(actionFor(code)).toBe('Count');
    expect(job.backoffLimit).toBeGreaterThan(0);
  });

  it('does not count an eviction or a node drain as a failure', () => {
    expect(job.podFailurePolicy.rules).toContainEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
  });

  it("runs the image the README builds from the repository's Dockerfile", () => {
    const build = /docker build -t (\S+) \./.exec(README);
    expect(build?.[1]).toBe(container?.image);
  });
});

describe('the Dockerfile', () => {
  it('builds dist/ in a first stage and installs only production dependencies in the image that runs', () => {
    const stages = DOCKERFILE.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/RUN npx tsc -p tsconfig\.json/);
    expect(stages[1]).toMatch(/RUN npm ci --omit=dev/);
    expect(stages[1]).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(stages[1]).not.toMatch(/npm (ci|install)(?![^\n]*--omit=dev)/);
  });

  it('runs as a numeric non-root user, with chaser as the entrypoint', () => {
    expect(DOCKERFILE).toMatch(/^USER [1-9]\d*(:\d+)?$/m);
    expect(DOCKERFILE).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/chaser\.js"\]$/m);
  });
});

describe("the README's CI gate", () => {
  it('keeps the default --fail-on, so outstanding consumers fail the step', () => {
    const ci = codeBlocks(section('CI gate'), 'sh').join('\n');
    expect(ci).toMatch(/npx chaser (dry-run|digest|sweep)/);
    expect(ci).not.toContain('--fail-on never');
  });
});
