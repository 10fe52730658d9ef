import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.js';
import { neededScopes } from '../../src/doctor/slack-checks.js';

const configOf = (input: unknown) => {
  const result = validateConfig(input);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config;
};
const imWrite = (input: unknown) => neededScopes(configOf(input)).find((need) => need.scope === 'im:write');

const ladder = (escalateTo?: string) => [
  { name: 'gentle', afterDaysOverdue: 0, every: '72h' },
  { name: 'urgent', afterDaysOverdue: 7, every: '24h', escalateAfterIgnored: 3, ...(escalateTo ? { escalateTo } : {}) },
];

describe('doctor: the scopes a config needs', () => {
  it('im:write for an escalation to a user (a DM), even when the digest goes to a channel', () => {
    const digest = { channel: '#security-leads' };
    expect(imWrite({ digest, tiers: ladder('U0MANAGER1') })).toMatchObject({ why: 'send escalations to a user as a DM', required: true });
    expect(imWrite({ digest, tiers: ladder(), teams: { payments: { channel: '#payments', escalateTo: 'U0PAYMGR01' } } })).toBeDefined();
  });

  it('no im:write when escalations go to channels or the lead in a channel, or nothing escalates', () => {
    const digest = { channel: '#security-leads' };
    expect(imWrite({ digest, tiers: ladder('#payments-leads') })).toBeUndefined();
    expect(imWrite({ digest, tiers: ladder() })).toBeUndefined();
    // A team's user target is only used once a tier escalates.
    expect(imWrite({ digest, teams: { payments: { channel: '#payments', escalateTo: 'U0PAYMGR01' } } })).toBeUndefined();
  });
});
