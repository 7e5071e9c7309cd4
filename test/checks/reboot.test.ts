import test from 'ava';
import { kernelImageVersion, sameKernelBuild } from '../../src/parse/kernel-image';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checks, fixes } from '../../checks/reboot/index';
import { fixes as updatesFixes } from '../../checks/updates/index';
import { judgeRunningKernel, kernelFlavour, kernelReleaseOfImage, newestKernel } from '../../checks/reboot/kernels';
import { rebootLivepatch } from '../../checks/reboot/livepatch';
import { rebootPolicy } from '../../checks/reboot/policy';
import { rebootRequired } from '../../checks/reboot/required';
import { copyRoot, evidencePathsAreHostPaths, hostFor, liveView, ROOTS, run } from './updates-reboot-helpers';

const ALL_ROOTS = fs.readdirSync(ROOTS).filter((n) => fs.statSync(path.join(ROOTS, n)).isDirectory());

test('the area lists its checks in CHECKS.md order with CHECKS.md severities, and the fixes that exist', (t) => {
  t.deepEqual(
    checks.map((c) => [c.id, c.area, c.severity]),
    [
      ['reboot.required', 'reboot', 'high'],
      ['reboot.policy', 'reboot', 'medium'],
      ['reboot.livepatch', 'reboot', 'info'],
      ['reboot.stale-services', 'reboot', 'medium'],
    ],
  );
  t.deepEqual(fixes.map((f) => f.id).sort(), ['reboot.restart-services', 'reboot.schedule', 'reboot.set-policy'].sort());
  for (const c of checks) t.true((c.watch?.length ?? 0) > 0 && (c.interval ?? 0) > 0, c.id);
});

test('on every fixture root each check gives one well-formed finding, never a throw', async (t) => {
  for (const root of ALL_ROOTS) {
    for (const check of checks) {
      const f = await run(check, root);
      t.is(f.id, check.id);
      t.false(/[\r\n]/.test(f.summary), `${root} ${check.id}: one line`);
      t.true(evidencePathsAreHostPaths(f), `${root} ${check.id}: ${JSON.stringify(f.evidence)}`);
      // reboot.policy on dnf offers updates.enable-dnf-automatic (it sets reboot = when-needed).
      for (const id of f.fixes) t.true([...fixes, ...updatesFixes].some((x) => x.id === id), `${check.id} offers ${id}, which must exist`);
    }
  }
});

// ---------------------------------------------------------------------------
// kernels (pure)

test('kernel images: releases, flavours, the newest by Debian ordering', (t) => {
  t.is(kernelReleaseOfImage('vmlinuz-6.1.0-27-amd64'), '6.1.0-27-amd64');
  t.is(kernelReleaseOfImage('vmlinuz'), null);
  t.is(kernelReleaseOfImage('vmlinuz.old'), null);
  t.is(kernelReleaseOfImage('vmlinuz-0-rescue-0123456789abcdef'), null);
  t.is(kernelFlavour('6.1.0-27-cloud-amd64'), 'cloud-amd64');
  t.is(kernelFlavour('6.8.0-49-generic'), 'generic');
  t.is(kernelFlavour('5.14.0-427.13.1.el9_4.x86_64'), '');
  t.is(newestKernel(['6.1.0-9-amd64', '6.1.0-27-amd64', '6.1.0-26-amd64']), '6.1.0-27-amd64');
  t.deepEqual(judgeRunningKernel('6.1.0-26-amd64', ['6.1.0-9-amd64', '6.1.0-27-amd64']), { kind: 'outdated', running: '6.1.0-26-amd64', newest: '6.1.0-27-amd64' });
  t.deepEqual(judgeRunningKernel('6.1.0-27-amd64', ['6.1.0-9-amd64', '6.1.0-27-amd64']), { kind: 'current', newest: '6.1.0-27-amd64' });
  // A newer kernel of another flavour is not the one this machine boots.
  t.deepEqual(judgeRunningKernel('6.1.0-26-cloud-amd64', ['6.1.0-26-cloud-amd64', '6.1.0-27-amd64']), { kind: 'current', newest: '6.1.0-26-cloud-amd64' });
  t.is(judgeRunningKernel('6.1.0-26-amd64', []).kind, 'unknown');
});

// ---------------------------------------------------------------------------
// reboot.required

test('required: no flag passes, and under --root says the kernel comparison was skipped', async (t) => {
  const f = await run(rebootRequired, 'deb12-auto-on');
  t.is(f.status, 'pass');
  t.is(f.summary, "no /run/reboot-required; kernel comparison skipped under --root (the running kernel is not the tree's)");
});

test('required: the flag fails and lists the packages from .pkgs, once each', async (t) => {
  const f = await run(rebootRequired, 'deb12-auto-off');
  t.is(f.status, 'fail');
  t.regex(f.summary, /^REBOOT REQUIRED by linux-image-6.1.0-27-amd64, libc6(, since \d{4}-\d\d-\d\d \d\d:\d\d UTC)? \(\/run\/reboot-required\); kernel comparison skipped under --root/);
  t.deepEqual(f.evidence, [{ file: '/run/reboot-required' }, { file: '/run/reboot-required.pkgs', text: 'linux-image-6.1.0-27-amd64 libc6' }]);
});

test('required: since when (the flag\'s mtime, to the minute, UTC) and by which packages, the list cut at the policy\'s length', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const pkgs = ['linux-image-6.1.0-27-amd64', 'libc6', 'openssl', 'libssl3', 'dbus', 'systemd', 'linux-image-6.1.0-28-amd64'];
  fs.writeFileSync(path.join(root, 'run/reboot-required.pkgs'), pkgs.join('\n') + '\n');
  const when = new Date('2026-11-27T06:25:41Z');
  fs.utimesSync(path.join(root, 'run/reboot-required'), when, when);
  const f = await run(rebootRequired, root);
  t.is(f.status, 'fail');
  t.is(
    f.summary,
    "REBOOT REQUIRED by linux-image-6.1.0-27-amd64, libc6, openssl, libssl3, dbus, systemd +1 more, since 2026-11-27 06:25 UTC (/run/reboot-required); kernel comparison skipped under --root (the running kernel is not the tree's)",
  );
  t.deepEqual(f.evidence[1], { file: '/run/reboot-required.pkgs', text: pkgs.join(' ') });
  // No .pkgs (a hook that writes only the flag): still REBOOT REQUIRED, with the time.
  fs.rmSync(path.join(root, 'run/reboot-required.pkgs'));
  t.regex((await run(rebootRequired, root)).summary, /^REBOOT REQUIRED since 2026-11-27 06:25 UTC \(\/run\/reboot-required\);/);
});

test('ubuntu-reboot (Ubuntu 24.04, a kernel update waiting): REBOOT REQUIRED by its packages; nobody is told (policy fails); no livepatch', async (t) => {
  const f = await run(rebootRequired, 'ubuntu-reboot');
  t.is(f.status, 'fail');
  t.regex(f.summary, /^REBOOT REQUIRED by linux-image-6\.8\.0-49-generic, linux-base, libc6(, since [^)]+)? \(\/run\/reboot-required\); kernel comparison skipped under --root/);
  t.deepEqual(f.fixes, ['reboot.schedule']);
  // The running kernel compared on a live view: 6.8.0-45 runs, 6.8.0-49 is installed.
  const live = await run(rebootRequired, liveView(hostFor('ubuntu-reboot'), '6.8.0-45-generic'));
  t.regex(live.summary, /; running kernel 6\.8\.0-45-generic is older than installed 6\.8\.0-49-generic$/);
  const policy = await run(rebootPolicy, 'ubuntu-reboot');
  t.is(policy.status, 'fail');
  t.deepEqual(policy.fixes, ['reboot.set-policy']);
  t.is((await run(rebootLivepatch, 'ubuntu-reboot')).summary, 'none: neither canonical-livepatch nor kpatch is installed, no live patch loaded');
});

test('required: /var/run/reboot-required is found on systems where /var/run is a real directory', async (t) => {
  const root = copyRoot(t, 'deb12-auto-on');
  fs.rmSync(path.join(root, 'var/run'));
  fs.mkdirSync(path.join(root, 'var/run'));
  fs.writeFileSync(path.join(root, 'var/run/reboot-required'), '*** System restart required ***\n');
  const f = await run(rebootRequired, root);
  t.is(f.status, 'fail');
  t.is(f.summary, "REBOOT REQUIRED (/var/run/reboot-required); kernel comparison skipped under --root (the running kernel is not the tree's)");
});

test('required: a directory where the flag should be is an error', async (t) => {
  const f = await run(rebootRequired, 'deb12-malformed');
  t.is(f.status, 'error');
  t.is(f.summary, '/run/reboot-required is not a regular file (dir): cannot tell whether a reboot is required');
});

test('required: an unreadable .pkgs still fails (the flag decides) and says why', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  fs.rmSync(path.join(root, 'run/reboot-required.pkgs'));
  fs.mkdirSync(path.join(root, 'run/reboot-required.pkgs'));
  const f = await run(rebootRequired, root);
  t.is(f.status, 'fail');
  t.regex(f.summary, /\(cannot read \/run\/reboot-required.pkgs: not a regular file\)/);
});

test('required, live system: a running kernel older than the newest installed fails even without the flag', async (t) => {
  const host = hostFor('deb12-auto-on');
  const old = await run(rebootRequired, liveView(host, '6.1.0-26-amd64'));
  t.is(old.status, 'fail');
  t.is(old.summary, 'running kernel 6.1.0-26-amd64 is older than installed 6.1.0-27-amd64');
  t.deepEqual(old.evidence, [{ file: '/boot/vmlinuz-6.1.0-27-amd64', text: 'running 6.1.0-26-amd64' }]);

  const current = await run(rebootRequired, liveView(host, '6.1.0-27-amd64'));
  t.is(current.status, 'pass');
  t.is(current.summary, 'no /run/reboot-required; running kernel 6.1.0-27-amd64 is the newest installed (release compared; build not: no version string in /boot/vmlinuz-6.1.0-27-amd64)');

  const container = await run(rebootRequired, liveView(hostFor('deb12-auto-on'), '6.18.44-fc-v857'));
  t.is(container.status, 'pass');

  const both = await run(rebootRequired, liveView(hostFor('deb12-auto-off'), '6.1.0-26-amd64'));
  t.is(both.status, 'fail');
  t.regex(both.summary, /^REBOOT REQUIRED .*; running kernel 6.1.0-26-amd64 is older than installed 6.1.0-27-amd64$/);
});

/** A minimal x86 boot image as Documentation/arch/x86/boot.rst lays it out: "HdrS" at 0x202, the version pointer at 0x20E. */
function bootImage(version: string): Buffer {
  const image = Buffer.alloc(0x4000);
  image.write('HdrS', 0x202, 'latin1');
  const at = 0x3000;
  image.writeUInt16LE(at - 0x200, 0x20e);
  image.write(`${version}\0`, at, 'latin1');
  return image;
}

test('kernel image header: the version string needrestart reads; anything else is null, never a throw', (t) => {
  const v = '6.1.0-27-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)';
  t.is(kernelImageVersion(bootImage(v)), v);
  t.is(kernelImageVersion(Buffer.alloc(0)), null);
  t.is(kernelImageVersion(Buffer.alloc(0x1000)), null, 'no HdrS magic');
  const noNul = bootImage(v);
  noNul.fill(0x41, 0x3000, noNul.length);
  t.is(kernelImageVersion(noNul), null, 'a string that never ends');
  t.is(kernelImageVersion(bootImage('6.1\x1b[2Jevil')), null, 'control characters');
  const outside = bootImage(v);
  outside.writeUInt16LE(0xfff0, 0x20e);
  t.is(kernelImageVersion(outside), null, 'a pointer past the end');
  t.true(sameKernelBuild(v, '6.1.0-27-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)\n'));
  t.false(sameKernelBuild(v, '6.1.0-27-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30)'));
  t.false(sameKernelBuild(v, '6.1.0-26-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)'));
});

test('required, live system: same release but a newer build in /boot (an ABI-compatible upgrade) fails, as needrestart says', async (t) => {
  const root = copyRoot(t, 'deb12-auto-on');
  const release = '6.1.0-27-amd64';
  fs.writeFileSync(path.join(root, 'boot', `vmlinuz-${release}`), bootImage(`${release} (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)`));
  fs.mkdirSync(path.join(root, 'proc/sys/kernel'), { recursive: true });
  fs.writeFileSync(path.join(root, 'proc/sys/kernel/version'), '#1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30)\n');
  const old = await run(rebootRequired, liveView(hostFor(root), release));
  t.is(old.status, 'fail');
  t.is(
    old.summary,
    'running kernel 6.1.0-27-amd64 is an older build than the installed image of the same release (running "#1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30)", /boot/vmlinuz-6.1.0-27-amd64: "6.1.0-27-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)")',
  );
  t.deepEqual(old.evidence.map((e) => e.file), ['/boot/vmlinuz-6.1.0-27-amd64', '/proc/sys/kernel/version']);
  t.deepEqual(old.fixes, ['reboot.schedule']);

  fs.writeFileSync(path.join(root, 'proc/sys/kernel/version'), '#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)\n');
  const same = await run(rebootRequired, liveView(hostFor(root), release));
  t.is(same.status, 'pass');
  t.is(same.summary, 'no /run/reboot-required; running kernel 6.1.0-27-amd64 is the newest installed (same build: #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01))');
});

test('required, live system: no kernel images in /boot (a container) skips the comparison, says so', async (t) => {
  const root = copyRoot(t, 'deb12-auto-on');
  for (const f of fs.readdirSync(path.join(root, 'boot'))) fs.rmSync(path.join(root, 'boot', f));
  const f = await run(rebootRequired, liveView(hostFor(root)));
  t.is(f.status, 'pass');
  t.is(f.summary, 'no /run/reboot-required; kernel comparison skipped: no /boot/vmlinuz-* installed');
});

// ---------------------------------------------------------------------------
// reboot.policy

test('policy: Automatic-Reboot true with its time passes', async (t) => {
  const f = await run(rebootPolicy, 'deb12-auto-on');
  t.is(f.status, 'pass');
  t.is(
    f.summary,
    'unattended-upgrades reboots by itself at "02:00" (/etc/apt/apt.conf.d/50unattended-upgrades:125); Automatic-Reboot "true" (/etc/apt/apt.conf.d/50unattended-upgrades:116)',
  );
  t.deepEqual(f.evidence.map((e) => e.line), [116, 125]);
});

test('policy: nothing reboots or mails: fail', async (t) => {
  const f = await run(rebootPolicy, 'deb12-auto-off');
  t.is(f.status, 'fail');
  t.is(f.summary, 'nobody learns of a needed reboot: Automatic-Reboot is unset (default false) and Mail is unset, and no livepatch service is enabled');
  t.deepEqual(f.evidence, [{ file: '/etc/apt/apt.conf.d', text: 'Unattended-Upgrade::Automatic-Reboot and Unattended-Upgrade::Mail not set' }]);
});

test('policy: settings left behind by a removed unattended-upgrades do not count', async (t) => {
  const f = await run(rebootPolicy, 'deb12-no-uu');
  t.is(f.status, 'fail');
  t.regex(f.summary, /unattended-upgrades is not installed, so its Automatic-Reboot\/Mail settings do nothing/);
});

test('policy: Mail passes; MailReport only-on-error (or legacy MailOnlyOnError) warns; reboot without a time is "now"', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const local = path.join(root, 'etc/apt/apt.conf.d/52unattended-upgrades-local');
  fs.writeFileSync(local, 'Unattended-Upgrade::Mail "root";\n');
  const mail = await run(rebootPolicy, root);
  t.is(mail.status, 'pass');
  t.is(mail.summary, 'unattended-upgrades mails root (/etc/apt/apt.conf.d/52unattended-upgrades-local:1), reboot notices included; no automatic reboot');

  fs.writeFileSync(local, 'Unattended-Upgrade::Mail "root";\nUnattended-Upgrade::MailReport "only-on-error";\n');
  const quiet = await run(rebootPolicy, root);
  t.is(quiet.status, 'warn');
  t.regex(quiet.summary, /MailReport "only-on-error" \(.*:2\): a pending reboot alone sends none/);

  fs.writeFileSync(local, 'Unattended-Upgrade::Mail "root";\nUnattended-Upgrade::MailOnlyOnError "true";\n');
  t.is((await run(rebootPolicy, root)).status, 'warn');

  fs.writeFileSync(local, 'Unattended-Upgrade::Mail "";\nUnattended-Upgrade::Automatic-Reboot "yes";\n');
  const now = await run(rebootPolicy, root);
  t.is(now.status, 'pass');
  t.regex(now.summary, /immediately after the run \(Automatic-Reboot-Time unset: "now"\)/);
});

test('policy: an enabled livepatch service passes (Ubuntu, RHEL)', async (t) => {
  const ubuntu = await run(rebootPolicy, 'ubuntu-livepatch');
  t.is(ubuntu.status, 'pass');
  t.regex(ubuntu.summary, /^live patching active: canonical-livepatch \(snap.canonical-livepatch.canonical-livepatchd.service enabled\)/);
  const rhel = await run(rebootPolicy, 'rhel9-kpatch');
  t.is(rhel.status, 'pass');
  t.regex(rhel.summary, /kpatch \(kpatch.service enabled\); 1 live patch\(es\) applied: kpatch_5_14_0_427_13_1/);
  t.deepEqual(rhel.evidence.map((e) => e.file), ['/usr/sbin/kpatch', '/etc/systemd/system/multi-user.target.wants/kpatch.service', '/sys/kernel/livepatch']);
});

test('policy: skipped on a non-apt system without livepatch; error on a broken apt config', async (t) => {
  const root = copyRoot(t, 'rhel9-kpatch');
  fs.rmSync(path.join(root, 'etc/systemd/system/multi-user.target.wants/kpatch.service'));
  fs.rmSync(path.join(root, 'sys'), { recursive: true });
  t.is((await run(rebootPolicy, root)).status, 'skip');
  const broken = await run(rebootPolicy, 'deb12-malformed');
  t.is(broken.status, 'error');
  t.is(broken.summary, 'apt cannot read its configuration: Syntax error /etc/apt/apt.conf.d/20auto-upgrades:2: Extra junk after value');
});

// ---------------------------------------------------------------------------
// reboot.livepatch

test('livepatch: canonical-livepatch found (info)', async (t) => {
  const f = await run(rebootLivepatch, 'ubuntu-livepatch');
  t.is(f.status, 'info');
  t.is(f.summary, 'canonical-livepatch: snap.canonical-livepatch.canonical-livepatchd.service enabled');
  t.deepEqual(f.evidence.map((e) => e.file), ['/snap/bin/canonical-livepatch', '/etc/systemd/system/multi-user.target.wants/snap.canonical-livepatch.canonical-livepatchd.service']);
});

test('livepatch: kpatch with a loaded patch (info)', async (t) => {
  const f = await run(rebootLivepatch, 'rhel9-kpatch');
  t.is(f.status, 'info');
  t.is(f.summary, 'kpatch: kpatch.service enabled; 1 of 1 loaded live patch(es) enabled: kpatch_5_14_0_427_13_1');
});

test('livepatch: none (info)', async (t) => {
  const f = await run(rebootLivepatch, 'deb12-auto-on');
  t.is(f.status, 'info');
  t.is(f.summary, 'none: neither canonical-livepatch nor kpatch is installed, no live patch loaded');
});

test('livepatch: a broken service link and an unreadable patch state are reported, not thrown', async (t) => {
  const root = copyRoot(t, 'rhel9-kpatch');
  fs.rmSync(path.join(root, 'usr/lib/systemd/system/kpatch.service'));
  fs.rmSync(path.join(root, 'sys/kernel/livepatch/kpatch_5_14_0_427_13_1/enabled'));
  fs.mkdirSync(path.join(root, 'sys/kernel/livepatch/kpatch_5_14_0_427_13_1/enabled'));
  const f = await run(rebootLivepatch, root);
  t.is(f.status, 'info');
  t.is(
    f.summary,
    'kpatch: kpatch.service enabled by a broken link (/etc/systemd/system/multi-user.target.wants/kpatch.service: its unit file is missing); 0 of 1 loaded live patch(es) enabled',
  );
  t.is((await run(rebootPolicy, root)).status, 'skip', 'a broken kpatch service is no reboot policy');
});
