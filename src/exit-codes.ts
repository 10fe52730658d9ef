/** The exit-code table of the contract, as named constants. */
export const ExitCode = {
  ok: 0,
  outstanding: 3,
  deliveryFailed: 4,
  usage: 64,
  unavailable: 69,
  internal: 70,
  locked: 75,
  config: 78,
  /** Ended by SIGINT / SIGTERM (128 + the signal's number, as shells report it). */
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Most severe first: 70 > 78 > 69 > 64 > 75 > 4 > 3 > 0; a signal ends the run whatever else happened. */
const severityOrder: readonly ExitCode[] = [143, 130, 70, 78, 69, 64, 75, 4, 3, 0];

/** The signals that stop a run early, and the code each ends it with. */
export type StopSignal = 'SIGTERM' | 'SIGINT';
export const SIGNAL_EXIT: Record<StopSignal, ExitCode> = { SIGTERM: ExitCode.terminated, SIGINT: ExitCode.interrupted };

/** The single place that decides which of several outcomes wins. */
export function mostSevere(codes: Iterable<ExitCode>): ExitCode {
  let best: ExitCode = ExitCode.ok;
  for (const code of codes) {
    if (severityOrder.indexOf(code) < severityOrder.indexOf(best)) best = code;
  }
  return best;
}

/** An error a user can cause (bad config, database down, …), carrying the exit code it maps to. */
export class ChaserError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** Lines shown under the message, e.g. every config problem. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ChaserError';
  }
}
