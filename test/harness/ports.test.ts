import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { refusingPort } from '../support/ports.js';

const errorCode = (start: (onError: (error: NodeJS.ErrnoException) => void) => void) =>
  new Promise<string | undefined>((resolve) => start((error) => resolve(error.code)));

describe('refusingPort: a closed port that stays closed', () => {
  it('refuses connections like a closed port, and no server can take the port while it is held', async () => {
    const refusing = await refusingPort();
    try {
      const connected = await errorCode((onError) => connect({ host: '127.0.0.1', port: refusing.port }).on('error', onError));
      expect(connected).toBe('ECONNREFUSED');
      for (const host of ['127.0.0.1', '0.0.0.0']) {
        const server = createServer();
        const listened = await errorCode((onError) => server.on('error', onError).listen(refusing.port, host));
        expect(listened, host).toBe('EADDRINUSE');
      }
    } finally {
      await refusing.close();
    }
  });
});
