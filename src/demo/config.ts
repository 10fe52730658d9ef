/**
 * The config `chaser dry-run --demo` runs with, written as a user would write chaser.config.json
 * (validated by the same schema). Tiers and source are the defaults: the demo shows the stock ladder
 * against the stock table. The channel and group ids are made up; nothing is ever posted.
 *
 * ml-research is deliberately missing from `teams`: its nudges go to the fallback channel and the
 * digest lists the team as unrouted, which is what a real campaign's forgotten team looks like.
 */
export const demoConfigInput = {
  teams: {
    payments: { channel: 'C0PAYMENTS1', mention: 'S0PAYONCALL' },
    identity: { channel: 'C0IDENTITY1', mention: 'S0IDONCALL1' },
    search: { channel: 'C0SEARCHENG' },
    mobile: { channel: 'C0MOBILEAPP', mention: 'S0MOBONCALL' },
    'data-platform': { channel: '#data-platform-alerts', mention: 'S0DATAONCAL' },
  },
  fallbackChannel: '#security-rotation-triage',
  digest: { channel: '#security-rotation' },
} as const;
