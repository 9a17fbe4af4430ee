// Smoke test of the built page (dist/): it loads, the analysis worker starts and answers, and
// the page stays private: only same-origin requests, under an enforced CSP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp } from './harness.mjs';

const READY = '.engine-status[data-state="ready"][data-ping="ok"]';

test('page loads, engine gets ready, no errors, only same-origin requests', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;

  // "ready" comes from the worker; data-ping="ok" after a Ping/Pong round trip through it.
  await page.locator(READY).waitFor({ timeout: 30_000 });
  assert.match(await page.locator('.engine-status').innerText(), /Analysis engine ready/);
  assert.match(await page.locator('.drop-zone').innerText(), /Drop an \.hprof heap dump here/);
  assert.ok(await page.getByRole('button', { name: 'Try a sample dump' }).isVisible());
  const shot = await app.screenshot('smoke');
  t.diagnostic(`screenshot: ${shot}`);

  assert.deepEqual(app.pageErrors, []);
  assert.deepEqual(app.consoleErrors, [], `console: ${app.console.join('\n')}`);
  assert.deepEqual(app.failedRequests, []);

  // The browser's view: nothing but our origin (the resolver rules would also make any other
  // host fail, but it must not even be tried).
  // (The browser's view includes the worker's own requests: its wasm.)
  assert.ok(app.requests.some((u) => u.endsWith('/worker_bg.wasm')), `requests: ${app.requests}`);
  const foreign = app.requests.filter((u) => new URL(u).origin !== app.origin);
  assert.deepEqual(foreign, [], 'requests to other origins');
  // The server's view: the worker and both wasm modules were fetched from us.
  for (const re of [/^\/worker_loader\.js$/, /^\/worker_bg\.wasm$/, /^\/app-[0-9a-f]+_bg\.wasm$/]) {
    assert.ok(app.served.some((p) => re.test(p)), `${re} not served; served: ${app.served}`);
  }
});

test('the Content-Security-Policy is enforced: no connection to another origin', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.locator(READY).waitFor({ timeout: 30_000 });

  // Trunk's inline loader ran (the app is up), so its hash made it into script-src...
  assert.match(app.policy, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]+=*'/);
  // ...and anything reaching out is blocked by the CSP itself, before any DNS or socket.
  const outcome = await page.evaluate(async () => {
    const seen = new Promise((ok) =>
      document.addEventListener('securitypolicyviolation', (e) => ok(e.violatedDirective), { once: true }),
    );
    const fetched = await fetch('http://example.invalid/collect').then(
      () => 'sent',
      () => 'blocked',
    );
    return { fetched, violated: await seen };
  });
  assert.deepEqual(outcome, { fetched: 'blocked', violated: 'connect-src' });
  assert.ok(!app.served.some((p) => p.includes('collect')));
});

test('a worker that cannot start is reported, not left spinning', async (t) => {
  const app = await openApp({ notFound: [/^\/worker_bg\.wasm$/] });
  t.after(() => app.close());
  const status = app.page.locator('.engine-status[data-state="failed"]');
  await status.waitFor({ timeout: 30_000 });
  assert.match(await status.innerText(), /Analysis engine failed/);
  assert.equal(await status.getAttribute('role'), 'alert');
  await app.screenshot('worker-failed');
});
