// updates.pending.security and updates.pending.all: candidates computed from
// the dpkg status and apt's lists (checks/updates/pending.ts), on fixture
// sysroots (test/fixtures/roots/build-pending.sh), cross-checked against the
// real `apt-get -s dist-upgrade` reading the same sysroot (and, when this
// machine has lists, against apt on this machine itself: read-only, no lock,
// no network).

import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STATE_CACHE_DIR } from '../../checks/state-cache';
import { checks } from '../../checks/updates/index';
import { readPendingUpdates, type PendingUpdate } from '../../checks/updates/pending';
import { pendingAll } from '../../checks/updates/pending-all';
import { pendingSecurity } from '../../checks/updates/pending-security';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { at, copyRoot, ctx, evidencePathsAreHostPaths, hostFor, ROOTS, run } from './updates-reboot-helpers';

const LISTS = 'var/lib/apt/lists';

function have(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).status === 0;
}
const withApt = have('apt-get') ? test : test.skip;
const withLz4 = have('lz4') && have('gzip') ? test : test.skip;

// ---------------------------------------------------------------------------
// The real apt, reading a sysroot and nothing of this machine's configuration

interface AptUpgrade {
  installed: string;
  candidate: string;
  /** "Debian-Security:12/oldstable-security, Debian:12.15/oldstable" */
  origins: string;
}

interface AptSimulation {
  upgrades: Map<string, AptUpgrade>;
  keptBack: string[];
}

/** apt-get's `Inst name [old] (new origins [arch])` and "kept back" lines. */
export function parseAptSimulation(out: string): AptSimulation {
  const upgrades = new Map<string, AptUpgrade>();
  for (const m of out.matchAll(/^Inst (\S+) \[([^\]]+)\] \((\S+) (.*) \[[^\]]+\]\)/gm)) upgrades.set(m[1], { installed: m[2], candidate: m[3], origins: m[4] });
  const kept = /^The following packages have been kept back:\n((?: .*\n)+)/m.exec(out);
  return { upgrades, keptBack: kept ? kept[1].trim().split(/\s+/) : [] };
}

/**
 * `apt-get -s dist-upgrade` on a sysroot. APT_CONFIG is read before anything
 * else and points every Dir:: into the sysroot, so this machine's
 * apt.conf.d, sources and preferences stay out (STACK-NOTES); the same
 * directories are also given with -o. No cache file is written (pkgcache "").
 */
function aptSimulate(root: string, t: { teardown(fn: () => void): void }): AptSimulation {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-apt-sim-'));
  t.teardown(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const conf = path.join(scratch, 'apt.conf');
  fs.writeFileSync(
    conf,
    [
      `Dir "${root}/";`,
      `Dir::Etc "${root}/etc/apt/";`,
      `Dir::Etc::Parts "${root}/etc/apt/apt.conf.d/";`,
      `Dir::Etc::main "${root}/etc/apt/apt.conf";`,
      `Dir::State::status "${root}/var/lib/dpkg/status";`,
      `Dir::Cache "${scratch}/cache/";`,
      'Dir::Cache::pkgcache "";',
      'Dir::Cache::srcpkgcache "";',
      'APT::Architecture "amd64";',
      'APT::Architectures { "amd64"; "i386"; };',
      '',
    ].join('\n'),
  );
  const out = execFileSync(
    'apt-get',
    ['-s', '-o', 'Debug::NoLocking=1', '-o', `Dir=${root}/`, '-o', `Dir::State::status=${root}/var/lib/dpkg/status`, '-o', `Dir::Etc=${root}/etc/apt/`, 'dist-upgrade'],
    { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', APT_CONFIG: conf }, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return parseAptSimulation(out);
}

async function pendingOf(host: Host): Promise<PendingUpdate[]> {
  const r = await readPendingUpdates(host);
  if (r.kind !== 'ok') throw new Error(`${r.kind}: ${'summary' in r ? r.summary : ''}`);
  return r.updates;
}

/**
 * Our result agrees with apt: the same packages and versions, apart from the
 * ones apt keeps back (held); and "security" exactly when apt names a
 * -security archive among the candidate's origins, apart from an upgrade
 * that supersedes a security version (apt names the candidate's archive only).
 */
function assertAgrees(t: { deepEqual(a: unknown, b: unknown, m?: string): void; is(a: unknown, b: unknown, m?: string): void }, ours: PendingUpdate[], apt: AptSimulation, label: string): void {
  const held = ours.filter((u) => u.held).map((u) => u.subject);
  t.deepEqual(apt.keptBack.sort(), held.sort(), `${label}: apt keeps back exactly the held packages`);
  const notHeld = ours.filter((u) => !u.held);
  t.deepEqual(
    notHeld.map((u) => [u.subject, u.installed, u.candidate]).sort(),
    [...apt.upgrades.entries()].map(([name, u]) => [name, u.installed, u.candidate]).sort(),
    `${label}: same upgrades and versions as apt-get -s dist-upgrade`,
  );
  for (const u of notHeld) {
    const aptSays = /-security/.test(apt.upgrades.get(u.subject)?.origins ?? '');
    t.is(u.security !== null && u.from.includes(u.security), aptSays, `${label}: ${u.subject} security as apt sees the candidate`);
  }
}

// ---------------------------------------------------------------------------
// Fixture sysroots

test('the area lists both pending checks after the auto checks (CHECKS.md order), info for .all', (t) => {
  t.deepEqual(
    checks.slice(-2).map((c) => [c.id, c.severity]),
    [
      ['updates.pending.security', 'high'],
      ['updates.pending.all', 'info'],
    ],
  );
});

test('deb12-pending: candidates follow apt: security, point release, backports, pins, held, multi-arch, arch all', async (t) => {
  const updates = await pendingOf(hostFor('deb12-pending'));
  t.deepEqual(
    updates.map((u) => [u.subject, u.installed, u.candidate, u.security?.version ?? null, u.held]),
    [
      ['base-files', '12.4+deb12u11', '12.4+deb12u12', null, false],
      // backports (NotAutomatic + ButAutomaticUpgrades = 100) upgrade what came from backports, though the
      // main archive (500) has an older cockpit: apt never looks below the installed version …
      ['cockpit', '287-1~bpo12+1', '300-1~bpo12+1', null, false],
      // … the point release's newer curl supersedes the security archive's deb12u8
      ['curl', '7.88.1-10+deb12u7', '7.88.1-10+deb12u12', '7.88.1-10+deb12u8', false],
      // "any" → "all" is an upgrade of the same package
      ['fonts-dejavu-core', '2.37-6', '2.37-6+deb12u1', null, false],
      ['libc6', '2.36-9+deb12u7', '2.36-9+deb12u9', null, false],
      ['libc6:i386', '2.36-9+deb12u7', '2.36-9+deb12u9', null, false],
      ['libgcrypt20', '1.10.1-3', '1.10.1-3+deb12u1', '1.10.1-3+deb12u1', false],
      ['libssl3', '3.0.15-1~deb12u1', '3.0.17-1~deb12u2', '3.0.17-1~deb12u2', false],
      // … but never replace the installed version of a package from the main archive (nginx stays on 1.22)
      ['nginx', '1.22.1-9', '1.22.1-9+deb12u1', '1.22.1-9+deb12u1', false],
      ['openssl', '3.0.15-1~deb12u1', '3.0.17-1~deb12u2', '3.0.17-1~deb12u2', false],
      ['publicsuffix', '20230209.2326-1', '20231001.0357-0+deb12u1', null, false],
      ['sudo', '1.9.13p3-1+deb12u1', '1.9.13p3-1+deb12u2', '1.9.13p3-1+deb12u2', true],
    ],
  );
  // Not there: linux-image-amd64 (pinned 1001 to its installed version), tzdata (bookworm-updates pinned to -10),
  // oldpkg (config files only), hardtop-local (in no list), dpkg (current); disabled.bak is not a preferences file.
  const names = updates.map((u) => u.name);
  for (const absent of ['linux-image-amd64', 'tzdata', 'oldpkg', 'hardtop-local', 'dpkg']) t.false(names.includes(absent), absent);
});

withApt('deb12-pending: apt-get -s dist-upgrade on the same sysroot agrees', async (t) => {
  const root = path.join(ROOTS, 'deb12-pending');
  const ours = await pendingOf(hostFor(root));
  const apt = aptSimulate(root, t);
  t.is(apt.upgrades.size, 11);
  assertAgrees(t, ours, apt, 'deb12-pending');
  // The one documented difference in what "security" means: apt names only the candidate's archive.
  t.regex(apt.upgrades.get('curl')?.origins ?? '', /^Debian:12\.15\/oldstable$/);
  t.truthy(ours.find((u) => u.name === 'curl')?.security);
});

withApt('ubuntu-pending: noble-security (label "Ubuntu"), a third-party Release without Suite; apt agrees', async (t) => {
  const root = path.join(ROOTS, 'ubuntu-pending');
  const ours = await pendingOf(hostFor(root));
  t.deepEqual(
    ours.map((u) => [u.subject, u.candidate, u.security !== null]),
    [
      ['libssl3t64', '3.0.13-0ubuntu3.4', true],
      ['nginx', '1.26.2-1~noble', false],
      ['openssh-server', '1:9.6p1-3ubuntu13.5', true],
      ['ubuntu-advantage-tools', '34~24.04', false],
    ],
  );
  assertAgrees(t, ours, aptSimulate(root, t), 'ubuntu-pending');
});

withApt('APT::Default-Release (990) and a general pin change the candidates as they change apt\'s', async (t) => {
  const root = copyRoot(t, 'deb12-pending');
  fs.writeFileSync(path.join(root, 'etc/apt/apt.conf.d/99default-release'), 'APT::Default-Release "bookworm-backports";\n');
  let ours = await pendingOf(hostFor(root));
  t.is(ours.find((u) => u.name === 'nginx')?.candidate, '1.26.0-1~bpo12+1', 'backports at 990 beats the security archive');
  assertAgrees(t, ours, aptSimulate(root, t), 'Default-Release');

  fs.rmSync(path.join(root, 'etc/apt/apt.conf.d/99default-release'));
  fs.writeFileSync(path.join(root, 'etc/apt/preferences.d/backports'), 'Package: *\nPin: release n=bookworm-backports\nPin-Priority: 90\n');
  ours = await pendingOf(hostFor(root));
  t.false(
    ours.some((u) => u.name === 'cockpit'),
    'backports below the installed version\'s 100: cockpit stays',
  );
  assertAgrees(t, ours, aptSimulate(root, t), 'general pin');
});

withLz4('compressed lists (Acquire::GzipIndexes: .lz4, .gz) give the same result, through lz4cat and zcat', async (t) => {
  const root = copyRoot(t, 'deb12-pending');
  const lists = path.join(root, LISTS);
  for (const name of fs.readdirSync(lists).filter((n) => n.endsWith('_Packages'))) {
    const file = path.join(lists, name);
    if (name.includes('security')) execFileSync('gzip', ['-n', file]);
    else execFileSync('lz4', ['-q', '--rm', file, `${file}.lz4`]);
  }
  t.deepEqual(
    fs.readdirSync(lists).filter((n) => n.includes('_Packages')).map((n) => path.extname(n)).sort(),
    ['.gz', '.lz4', '.lz4', '.lz4', '.lz4'],
  );
  const plain = await pendingOf(hostFor('deb12-pending'));
  const compressed = await pendingOf(hostFor(root));
  t.deepEqual(
    compressed.map((u) => [u.subject, u.candidate, u.security?.version]),
    plain.map((u) => [u.subject, u.candidate, u.security?.version]),
  );
  const f = await run(pendingSecurity, root);
  t.is(f.status, 'fail');
  t.true(f.evidence.some((e) => e.file === `/${LISTS}/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.gz`));
  if (have('apt-get')) assertAgrees(t, compressed, aptSimulate(root, t), 'compressed');
});

test('updates.pending.security on deb12-pending: fail, count and first names, lists age, one item per package', async (t) => {
  const f = await run(pendingSecurity, 'deb12-pending');
  t.is(f.status, 'fail');
  t.is(
    f.summary,
    '6 security updates pending (1 held): curl 7.88.1-10+deb12u7 → 7.88.1-10+deb12u12, libgcrypt20 1.10.1-3 → 1.10.1-3+deb12u1, libssl3 3.0.15-1~deb12u1 → 3.0.17-1~deb12u2, nginx 1.22.1-9 → 1.22.1-9+deb12u1, openssl 3.0.15-1~deb12u1 → 3.0.17-1~deb12u2 +1 more; lists of 2026-11-26, 1 day old',
  );
  t.deepEqual(
    f.items?.map((i) => [i.subject, i.status, i.summary]),
    [
      ['curl', 'fail', 'curl 7.88.1-10+deb12u7 → 7.88.1-10+deb12u12 (Debian bookworm; supersedes security update 7.88.1-10+deb12u8 (Debian-Security bookworm-security))'],
      ['libgcrypt20', 'fail', 'libgcrypt20 1.10.1-3 → 1.10.1-3+deb12u1 (Debian-Security bookworm-security)'],
      ['libssl3', 'fail', 'libssl3 3.0.15-1~deb12u1 → 3.0.17-1~deb12u2 (Debian-Security bookworm-security)'],
      ['nginx', 'fail', 'nginx 1.22.1-9 → 1.22.1-9+deb12u1 (Debian-Security bookworm-security)'],
      ['openssl', 'fail', 'openssl 3.0.15-1~deb12u1 → 3.0.17-1~deb12u2 (Debian-Security bookworm-security)'],
      ['sudo', 'fail', 'sudo 1.9.13p3-1+deb12u1 → 1.9.13p3-1+deb12u2 (held) (Debian-Security bookworm-security)'],
    ],
  );
  const openssl = f.items?.find((i) => i.subject === 'openssl');
  t.deepEqual(openssl?.evidence, [
    { file: '/var/lib/dpkg/status', line: 12, text: 'Package: openssl Version: 3.0.15-1~deb12u1' },
    {
      file: '/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages',
      line: 1,
      text: 'Package: openssl Version: 3.0.17-1~deb12u2 (Debian-Security bookworm-security)',
    },
  ]);
  t.true(evidencePathsAreHostPaths(f));
  t.true(f.evidence.some((e) => e.file === '/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease' && /Date: Thu, 26 Nov 2026/.test(e.text ?? '')));
});

test('updates.pending.all on deb12-pending: info with the count, security and held counts, every package an item', async (t) => {
  const f = await run(pendingAll, 'deb12-pending');
  t.is(f.status, 'info');
  t.regex(f.summary, /^12 updates pending \(6 security, 1 held\): base-files 12\.4\+deb12u11 → 12\.4\+deb12u12, cockpit 287-1~bpo12\+1 → 300-1~bpo12\+1, /);
  t.regex(f.summary, /\+7 more; lists of 2026-11-27, 1 day old; dependencies and phased updates are not resolved$/);
  t.is(f.items?.length, 12);
  t.deepEqual(f.items?.find((i) => i.subject === 'libc6:i386')?.summary, 'libc6:i386 2.36-9+deb12u7 → 2.36-9+deb12u9 (Debian bookworm)');
  t.deepEqual(f.items?.find((i) => i.subject === 'libgcrypt20')?.summary, 'libgcrypt20 1.10.1-3 → 1.10.1-3+deb12u1 (Debian-Security bookworm-security, Debian bookworm; security)');
  t.true(f.items?.every((i) => i.status === 'info'));
});

test('nothing pending: pass with the lists age; stale lists make it a warning; all is info "0 updates"', async (t) => {
  const root = copyRoot(t, 'deb12-pending');
  // Everything installed at its candidate: rewrite the status from our own result.
  const status = path.join(root, 'var/lib/dpkg/status');
  let text = fs.readFileSync(status, 'utf8');
  for (const u of await pendingOf(hostFor(root))) {
    text = text.replace(new RegExp(`(Package: ${u.name}\\n(?:.+\\n)*?Architecture: ${u.architecture}\\n(?:.+\\n)*?Version: )${u.installed.replace(/[.+~]/g, '\\$&')}\\n`), `$1${u.candidate}\n`);
  }
  fs.writeFileSync(status, text);
  t.deepEqual(await pendingOf(hostFor(root)), []);

  const f = await run(pendingSecurity, root);
  t.is(f.status, 'pass');
  t.is(f.summary, 'no security update pending (16 packages against 1 security list; lists of 2026-11-26, 1 day old; dependencies and phased updates are not resolved)');
  const later = await run(pendingSecurity, root, at('2026-12-10T12:00:00Z'));
  t.is(later.status, 'warn');
  t.regex(later.summary, /but they are stale \(lists of 2026-11-26, 13 days old\): run apt-get update$/);
  const all = await run(pendingAll, root);
  t.is(all.status, 'info');
  t.regex(all.summary, /^0 updates pending \(16 packages, 5 lists; lists of 2026-11-27, 1 day old\)$/);
});

test('pending updates found by stale lists still fail: age never hides them', async (t) => {
  const f = await run(pendingSecurity, 'deb12-pending', at('2027-03-01T00:00:00Z'));
  t.is(f.status, 'fail');
  t.regex(f.summary, /lists of 2026-11-26, 94 days old$/);
});

test('no security archive among the lists: warn, it cannot arrive', async (t) => {
  const root = copyRoot(t, 'deb12-pending');
  for (const n of fs.readdirSync(path.join(root, LISTS)).filter((n) => n.includes('debian-security'))) fs.rmSync(path.join(root, LISTS, n));
  const f = await run(pendingSecurity, root);
  t.is(f.status, 'warn');
  t.regex(f.summary, /^no security archive among the apt lists .*: security updates cannot arrive; add the -security suite to sources.list$/);
  t.is((await run(pendingAll, root)).status, 'info');
});

test('no lists at all (never updated, or cleaned): security warns "cannot tell", all is info; other systems skip with the reason', async (t) => {
  const f = await run(pendingSecurity, 'deb12-auto-on');
  t.is(f.status, 'warn');
  t.is(f.summary, 'cannot tell: no package lists in /var/lib/apt/lists (apt-get update never ran here, or the lists were cleaned); run apt-get update');
  t.is((await run(pendingAll, 'deb12-auto-on')).status, 'info');
  for (const check of [pendingSecurity, pendingAll]) {
    // dnf sysroots: test/checks/updates-dnf.test.ts. An rpm tree without dnf, or no package manager at all:
    const rhel = await run(check, 'rhel9-kpatch');
    t.is(rhel.status, 'skip');
    t.is(rhel.summary, 'Red Hat Enterprise Linux 9.4 (Plow) (ID=rhel: RHEL/Alma/Rocky family (dnf4)) has no package manager hardtop can read here: no /var/lib/dpkg/status (apt) and no /usr/bin/dnf5, /usr/bin/dnf or /usr/bin/dnf-3');
    const none = await run(check, 'tls-none');
    t.is(none.status, 'skip');
    // os-release says Debian, but the tree has no dpkg database: said so, not guessed.
    t.is(none.summary, 'Debian GNU/Linux 12 (bookworm) (ID=debian: Debian/Ubuntu family (apt)) has no package manager hardtop can read here: no /var/lib/dpkg/status (apt) and no /usr/bin/dnf5, /usr/bin/dnf or /usr/bin/dnf-3');
  }
});

test('malformed input is an error naming file:line: a Packages stanza, an InRelease, a preferences file, the dpkg status', async (t) => {
  const cases: [string, (root: string) => void, RegExp][] = [
    [
      'Packages',
      (root) => fs.appendFileSync(path.join(root, LISTS, 'deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages'), 'Version: 1\nArchitecture: all\n'),
      /^cannot read the apt lists: malformed \/var\/lib\/apt\/lists\/deb\.debian\.org_debian_dists_bookworm-updates_main_binary-amd64_Packages:15: stanza has no Package field$/,
    ],
    [
      'InRelease',
      (root) => {
        const f = path.join(root, LISTS, 'deb.debian.org_debian_dists_bookworm-updates_InRelease');
        fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/-----BEGIN PGP SIGNATURE-----[^]*$/, ''));
      },
      /^cannot read the apt lists: malformed \/var\/lib\/apt\/lists\/deb\.debian\.org_debian_dists_bookworm-updates_InRelease:\d+: clear-signed file has no "-----BEGIN PGP SIGNATURE-----" line$/,
    ],
    [
      'preferences',
      (root) => fs.writeFileSync(path.join(root, 'etc/apt/preferences.d/broken'), 'Package: nginx\nPin: release a=stable\n'),
      /^apt cannot read its preferences: \/etc\/apt\/preferences\.d\/broken:1: No priority \(or zero\) specified for pin$/,
    ],
    [
      'status',
      (root) => fs.appendFileSync(path.join(root, 'var/lib/dpkg/status'), 'garbage\n'),
      /^malformed \/var\/lib\/dpkg\/status:\d+: not a "Field: value" line$/,
    ],
  ];
  for (const [label, breakIt, summary] of cases) {
    const root = copyRoot(t, 'deb12-pending');
    breakIt(root);
    for (const check of [pendingSecurity, pendingAll]) {
      const f = await run(check, root);
      t.is(f.status, 'error', `${label} ${check.id}`);
      t.regex(f.summary, summary, label);
      t.true(f.evidence.every((e) => e.file !== undefined && !e.file.includes(root)), label);
    }
  }
});

// ---------------------------------------------------------------------------
// This machine, read-only

const liveLists = fs.existsSync(`/${LISTS}`) && fs.readdirSync(`/${LISTS}`).some((n) => /_Packages(\.\w+)?$/.test(n));
/**
 * The live host with hardtop's state cache dir hidden: a test never writes this
 * machine's /var/lib/hardtop, and scans the lists itself rather than reading
 * what a `hardtop check` remembered (checks/updates/lists-cache.ts).
 */
function withoutStateCache(host: Host): Host {
  const inCache = (p: string) => p === STATE_CACHE_DIR || p.startsWith(`${STATE_CACHE_DIR}/`);
  return new Proxy(host, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const fn = value as (...a: unknown[]) => unknown;
      if (prop === 'readText') return (p: string, ...rest: unknown[]) => (inCache(p) ? Promise.resolve(null) : fn.call(target, p, ...rest));
      if (prop === 'writeAtomic' || prop === 'ensurePrivateDir') {
        return (p: string, ...rest: unknown[]) => (inCache(p) ? Promise.reject(new Error('no state writes in tests')) : fn.call(target, p, ...rest));
      }
      return fn.bind(target);
    },
  });
}

(liveLists && have('apt-get') ? test : test.skip)('this machine: the same upgrades and security set as apt-get -s dist-upgrade here', async (t) => {
  const host = withoutStateCache(createLocalHost({ root: '/', network: false }));
  const started = Date.now();
  const ours = await pendingOf(host);
  const ms = Date.now() - started;
  const out = execFileSync('apt-get', ['-s', '-o', 'Debug::NoLocking=1', 'dist-upgrade'], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' }, timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  assertAgrees(t, ours, parseAptSimulation(out), 'this machine');
  t.log(`${ours.length} updates (${ours.filter((u) => u.security).length} security) computed in ${ms} ms`);
  const f = await pendingSecurity.run(host, { ...ctx, now: new Date() });
  t.true(['pass', 'fail', 'warn'].includes(f.status), f.summary);
});
