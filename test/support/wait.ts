/**
 * Waits for an EVENT, never for a duration: polls `condition` until it returns something truthy
 * (which is returned) and fails with `what` if that takes longer than `timeoutMs`. The timeout
 * is a safety net against a hung test, not part of what the test measures.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: { what: string; timeoutMs?: number; everyMs?: number },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: gave up waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 10));
  }
}
