import { Router } from 'express';

/**
 * /healthz (the process answers) and /readyz (a serving certificate is loaded, and the
 * webhook is not shutting down); `notReadyBecause` words the 503.
 */
export function healthRoutes(
  isReady: () => boolean,
  notReadyBecause: () => string = () => 'no serving certificate loaded',
): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  router.get('/readyz', (_req, res) => {
    const ready = isReady();
    res
      .status(ready ? 200 : 503)
      .type('text/plain')
      .send(ready ? 'ok\n' : `not ready: ${notReadyBecause()}\n`);
  });
  return router;
}
