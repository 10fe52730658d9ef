/**
 * The labelled instant every test runs "as of", and the units tests count in. One NOW for the
 * whole suite: a Tuesday morning in the middle of a rotation campaign. Tests pass it in (`--now`,
 * `now` arguments); nothing waits for the clock.
 */
export const NOW = new Date('2026-03-10T09:00:00Z');

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
