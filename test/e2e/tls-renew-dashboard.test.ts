// Renewing ONE certificate from the dashboard (bin/hardtop, built, in a pty):
// in the TLS detail view each certbot lineage's expiry line carries its own
// fix ([f: tls.renew]); with the cursor on spare.test, f previews
// `certbot renew --cert-name spare.test …` — that lineage, though it is not
// due — and not the other one.
//
// The preview only: on this fixture (a copy of tls-letsencrypt, --root) the
// lineage's authenticator is nginx, which would act on this machine, so the
// plan is refused and says why. The renewal itself, against a real pebble,
// and the expiry line showing the new certificate are proven in
// test/checks/tls-renew.test.ts: through the binary certbot cannot trust
// pebble's HTTPS certificate (hardtop runs every command with a clean
// environment, so REQUESTS_CA_BUNDLE never reaches certbot, and
// --no-verify-ssl is not kept in the renewal conf), and the machine's own
// trust store is not the test's to change.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTui, type Tui } from '../helpers/tui';
import { copyRoot } from '../checks/updates-reboot-helpers';

const bin = path.resolve(__dirname, '../../bin/hardtop');
const asRoot = process.geteuid?.() === 0 ? test : test.skip;

/** Is the screen line matching `re` drawn inverse (the detail cursor)? */
function cursorOn(tui: Tui, re: RegExp): boolean {
  const lines = tui.screenText().split('\n');
  const y = lines.findIndex((l) => re.test(l));
  if (y < 0) return false;
  const x = lines[y].search(re);
  return tui.cellStyle(x, y).inverse;
}

async function pause(tui: Tui, ms = 150): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  await tui.settle();
}

asRoot('f on a certificate\'s own line previews tls.renew for that lineage alone (certbot renew --cert-name NAME)', async (t) => {
  t.timeout(120_000);
  const root = copyRoot(t, 'tls-letsencrypt');
  const conf = path.join(root, 'etc/letsencrypt/renewal/spare.test.conf');
  const before = fs.readFileSync(conf);
  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', root, '--only', 'tls', '--no-network'], cols: 160, rows: 50, env: { TERM: 'xterm-256color' } });
  t.teardown(() => tui.dispose());
  await tui.waitForText(/│✔ expiry +2 certificates/, 60_000);
  tui.key('enter');
  await tui.waitForText('TLS — detail');

  const spare = /spare\.test\/fullchain\.pem: "spare\.test" \d+ days left of 90/;
  for (let i = 0; i < 40 && !cursorOn(tui, spare); i++) {
    tui.key('down');
    await pause(tui);
  }
  t.true(cursorOn(tui, spare), tui.screenText());
  t.regex(tui.screenText(), /spare\.test\/fullchain\.pem: "spare\.test" \d+ days left of 90, until 2027-01-30 +\[f: tls\.renew\]/);

  tui.press('f');
  await tui.waitForText('fix tls.renew — preview', 60_000);
  await tui.waitForText('Renew the certificate spare.test now (certbot) and reload the web server');
  await tui.waitForText(/certbot renew --cert-name spare\.test --force-renewal --no-random-sleep-on-renew/);
  // Refused here, and why: certbot's nginx authenticator would act on this machine, not the tree.
  await tui.waitForText(/REFUSED: the authenticator is nginx \(\/etc\/letsencrypt\/renewal\/spare\.test\.conf:\d+\)/);
  const preview = tui.screenText();
  t.false(preview.includes('--cert-name site.test'), 'only the lineage picked');
  tui.key('escape');
  await tui.waitForNoText('fix tls.renew — preview');
  // R (the key) on the same line: the same lineage's renewal.
  tui.press('R');
  await tui.waitForText('fix tls.renew — preview', 60_000);
  await tui.waitForText(/certbot renew --cert-name spare\.test/);
  t.false(tui.screenText().includes('--cert-name site.test'));
  tui.key('escape');
  await tui.waitForNoText('fix tls.renew — preview');
  t.deepEqual(fs.readFileSync(conf), before);
  // Back out of the detail view, then quit.
  if (tui.screenText().includes('TLS — detail')) {
    tui.key('escape');
    await tui.waitForNoText('TLS — detail');
  }
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
