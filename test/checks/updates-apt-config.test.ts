// Our reading of apt's configuration against apt's own, with the real
// apt-config (never a mock):
// - on EVERY fixture sysroot that has an /etc/apt: apt-config dump with a
//   temp APT_CONFIG whose Dir::Etc points into the root (so this machine's
//   /etc/apt is not read) holds every value our loader merges, and the same
//   APT::Periodic and Unattended-Upgrade values both ways; where apt refuses
//   the configuration, we report the same syntax error at the same file:line;
// - on this machine's own /etc/apt (read only): the live cross-check that
//   updates.auto.enabled runs on `/` agrees;
// - a real disagreement (our reading of a tree vs apt-config reading this
//   machine) makes updates.auto.enabled an error naming both values.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crossCheckWithAptConfig, loadAptConf, parseAptConfigDump } from '../../checks/updates/apt-config';
import { autoEnabled } from '../../checks/updates/auto-enabled';
import { createLocalHost } from '../../src/host/local-host';
import { aptConfigAvailable } from '../fixtures/fix/updates/tree';
import { ctx, hostFor, liveView, ROOTS } from './updates-reboot-helpers';

const withApt = aptConfigAvailable() ? test : test.skip;
const KEYS = ['APT::Periodic::Enable', 'APT::Periodic::Update-Package-Lists', 'APT::Periodic::Unattended-Upgrade'];

/** Namespaces whose values are compared in both directions (apt adds none of its own there). */
const OWNED = /^(apt::periodic|unattended-upgrade)::/i;

type AptRun = { ok: true; lines: Set<string>; values: Map<string, string> } | { ok: false; stderr: string };

/** apt-config dump of a sysroot's /etc/apt, and nothing of this machine's. */
function aptConfigOn(root: string): AptRun {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-aptcfg-'));
  try {
    const base = path.join(tmp, 'base.conf');
    fs.writeFileSync(base, `Dir::Etc "${root}/etc/apt/";\nDir::Etc::Parts "apt.conf.d";\nDir::Etc::main "apt.conf";\n`);
    const out = execFileSync('apt-config', ['dump'], { env: { ...process.env, APT_CONFIG: base }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, lines: new Set(out.split('\n')), values: parseAptConfigDump(out) };
  } catch (err) {
    return { ok: false, stderr: String((err as { stderr?: unknown }).stderr ?? err) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const rootsWithApt = fs
  .readdirSync(ROOTS)
  .filter((n) => fs.existsSync(path.join(ROOTS, n, 'etc/apt/apt.conf.d')))
  .sort();

withApt('real apt-config (temp APT_CONFIG into the root) agrees with our loader on every fixture root with an /etc/apt', async (t) => {
  t.true(rootsWithApt.length >= 10, rootsWithApt.join(' '));
  for (const name of ['deb12-auto-on', 'deb12-auto-off', 'deb12-auto-overridden', 'deb12-auto-clear', 'deb12-malformed', 'ubuntu-reboot']) {
    t.true(rootsWithApt.includes(name), `${name} is compared`);
  }
  let compared = 0;
  for (const name of rootsWithApt) {
    const root = path.join(ROOTS, name);
    const ours = await loadAptConf(hostFor(root));
    t.deepEqual(ours.conf.includes, [], `${name}: no #include (apt would follow it outside the root)`);
    const apt = aptConfigOn(root);
    if (!apt.ok) {
      // apt refuses the whole configuration: we must report the same error, file:line and message.
      t.true(ours.problems.length > 0, `${name}: apt-config failed (${apt.stderr.trim()}) but our loader found no problem`);
      const message = ours.problems[0].summary.replace(/ \/etc\/apt\//, ` ${root}/etc/apt/`);
      t.true(apt.stderr.includes(`E: ${message}`), `${name}: apt says ${apt.stderr.trim()}; we say ${ours.problems[0].summary}`);
      compared++;
      continue;
    }
    t.deepEqual(ours.problems, [], `${name}: apt-config read it; so must we`);
    const mine = ours.conf.dump();
    const missing = mine.map((v) => `${v.key} "${v.value}";`).filter((line) => !apt.lines.has(line));
    t.deepEqual(missing, [], `${name}: values we merge that apt-config does not hold`);
    const oursOwned = new Map(mine.filter((v) => OWNED.test(v.key)).map((v) => [v.key.toLowerCase(), v.value]));
    // apt prints a list's parent as `Key "";`; our dump only has nodes with a value.
    const isParent = (k: string) => [...apt.values.keys()].some((o) => o.startsWith(`${k}::`));
    const aptOwned = new Map([...apt.values].filter(([k, v]) => OWNED.test(k) && !(v === '' && isParent(k))));
    t.deepEqual(aptOwned, oursOwned, `${name}: APT::Periodic and Unattended-Upgrade, both ways`);
    for (const key of KEYS) t.is(ours.conf.get(key)?.value, apt.values.get(key.toLowerCase()), `${name} ${key}`);
    compared++;
  }
  t.is(compared, rootsWithApt.length);
});

withApt("this machine's own /etc/apt (read only): the live cross-check agrees, and every value we merge is in apt-config dump", async (t) => {
  const host = createLocalHost({ root: '/', network: false });
  const { conf, problems } = await loadAptConf(host);
  t.deepEqual(problems, []);
  t.deepEqual(await crossCheckWithAptConfig(host, conf, KEYS), { kind: 'agree' });
  const lines = new Set(execFileSync('apt-config', ['dump'], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } }).split('\n'));
  // apt's own start-up turns a plain Acquire::Languages into a one-item list
  // (`Acquire::Languages:: "none";`): that is apt's post-processing, not parsing.
  const missing = conf
    .dump()
    .filter((v) => !lines.has(`${v.key} "${v.value}";`) && !lines.has(`${v.key}:: "${v.value}";`))
    .map((v) => `${v.key} "${v.value}";`);
  t.deepEqual(missing, []);
});

withApt('a real disagreement (a tree read as if live, apt-config reading this machine) makes updates.auto.enabled an error naming both values', async (t) => {
  const machine = parseAptConfigDump(execFileSync('apt-config', ['dump'], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } }));
  const machineUu = machine.get('apt::periodic::unattended-upgrade');
  if (machineUu === '1' && machine.get('apt::periodic::update-package-lists') === '1' && !machine.has('apt::periodic::enable')) {
    t.log('this machine has the same values as deb12-auto-on: nothing to disagree about');
    t.pass();
    return;
  }
  const f = await autoEnabled.run(liveView(hostFor('deb12-auto-on')), ctx);
  t.is(f.status, 'error');
  t.true(f.summary.startsWith("our reading of apt's configuration disagrees with apt-config dump: "), f.summary);
  t.true(
    f.summary.includes(`APT::Periodic::Unattended-Upgrade: ours "1" (/etc/apt/apt.conf.d/20auto-upgrades:2), apt-config ${machineUu === undefined ? 'unset' : `"${machineUu}"`}`) ||
      !f.summary.includes('APT::Periodic::Unattended-Upgrade:'),
    f.summary,
  );
  t.true(f.evidence.some((e) => e.command === 'apt-config dump'));
  // Under --root the same tree is judged by our reading alone: no apt-config, a pass.
  const rooted = await autoEnabled.run(hostFor('deb12-auto-on'), ctx);
  t.is(rooted.status, 'pass');
  t.false(rooted.summary.includes('apt-config'));
});
