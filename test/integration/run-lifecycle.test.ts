import { describe, expect, it } from 'vitest';
import { seedThreeTeams } from '../support/campaign.js';
import { backend } from '../support/db.js';
import { baseConfig, useScenario } from '../support/scenario.js';
import { NOW } from '../support/clock.js';

const ISO = NOW.toISOString();

/** A config as a new user writes it before adding the digest. */
function withoutDigest(): Record<string, unknown> {
  const { digest: _digest, ...rest } = baseConfig();
  return rest;
}

describe(`run lifecycle (${backend})`, () => {
  const s = useScenario();

  describe('dry-run refuses what sweep refuses', () => {
    it('no digest destination: sweep and dry-run both exit 78 with the same fix; --no-digest lets both run', async () => {
      await seedThreeTeams(s.db.sql);
      s.writeConfig(withoutDigest());
      const sweep = await s.run(['sweep', '--now', ISO]);
      const dry = await s.run(['dry-run', '--now', ISO]);
      expect(sweep.code).toBe(78);
      expect(dry.code).toBe(78);
      expect(dry.stderr).toContain('digest: no destination configured');
      expect(dry.stderr).toContain('or pass --no-digest');
      expect(s.slack.requests).toHaveLength(0);

      expect((await s.run(['dry-run', '--now', ISO, '--no-digest'])).code).toBe(3);
    });

    it('no SLACK_BOT_TOKEN: sweep exits 78; dry-run previews (exit 3) and warns that sweep would refuse', async () => {
      await seedThreeTeams(s.db.sql);
      const sweep = await s.run(['sweep', '--now', ISO], { env: { SLACK_BOT_TOKEN: undefined } });
      expect(sweep.code).toBe(78);
      const dry = await s.run(['dry-run', '--now', ISO], { env: { SLACK_BOT_TOKEN: undefined } });
      expect(dry.code).toBe(3);
      expect(dry.stderr).toMatch(/warning: SLACK_BOT_TOKEN is not set: .*`chaser sweep` would refuse to run \(exit 78\)/);
      const withToken = await s.run(['dry-run', '--now', ISO]);
      expect(withToken.stderr).not.toContain('SLACK_BOT_TOKEN');
    });
  });
});
