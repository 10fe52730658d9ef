/**
 * One database turn shared by work that runs side by side in a run (the harvest's records, the
 * thread deliveries' bookkeeping, a wave's activity read): each waits for the one before it. The
 * embedded PGlite serves every connection from one session, so a transaction on one connection
 * must not interleave with another connection's statements.
 */
export type Turn = <T>(work: () => Promise<T>) => Promise<T>;

export function createTurn(): Turn {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = last.then(work);
    last = run.catch(() => undefined);
    return run;
  };
}
