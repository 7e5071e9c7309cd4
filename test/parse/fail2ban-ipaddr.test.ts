import test from 'ava';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import { formatIpNet, isEverything, isLoopback, isSingle, netContains, parseIPv4, parseIPv6, parseIpNet, sshClientAddress, type IpNet } from '../../src/parse/fail2ban-ipaddr';

function net(text: string): IpNet {
  const n = parseIpNet(text);
  if (!n) throw new Error(`not a network: ${text}`);
  return n;
}

test('IPv4: four decimal parts 0–255, nothing else', (t) => {
  t.is(parseIPv4('192.0.2.1'), 0xc0000201n);
  t.is(parseIPv4('0.0.0.0'), 0n);
  t.is(parseIPv4('255.255.255.255'), 0xffffffffn);
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', '1.2.3.4 ', 'a.b.c.d', '']) t.is(parseIPv4(bad), null, bad);
});

test('IPv6: compression, an IPv4 tail, hex case; no zones, no second "::"', (t) => {
  t.is(parseIPv6('::'), 0n);
  t.is(parseIPv6('::1'), 1n);
  t.is(parseIPv6('2001:DB8::1'), 0x20010db8000000000000000000000001n);
  t.is(parseIPv6('2001:db8:0:0:0:0:0:1'), 0x20010db8000000000000000000000001n);
  t.is(parseIPv6('::ffff:192.0.2.1'), 0xffffc0000201n);
  t.is(parseIPv6('1:2:3:4:5:6:7::'), 0x00010002000300040005000600070000n);
  for (const bad of ['1::2::3', ':::', '1:2:3:4:5:6:7:8:9', '12345::', 'fe80::1%eth0', '1.2.3.4::', '::1.2.3', 'g::1', ':1::', '1:2:3:4:5:6:7:8::']) t.is(parseIPv6(bad), null, bad);
});

test('networks: prefixes and netmasks, host bits masked off, mapped IPv4 becomes IPv4', (t) => {
  t.deepEqual(net('10.1.2.3/8'), { family: 4, addr: 0x0a000000n, prefix: 8 });
  t.deepEqual(net('192.168.0.0/255.255.0.0'), { family: 4, addr: 0xc0a80000n, prefix: 16 });
  t.deepEqual(net('[2001:db8::1]'), { family: 6, addr: 0x20010db8000000000000000000000001n, prefix: 128 });
  t.deepEqual(net('2001:db8:1234:5678::/48'), { family: 6, addr: 0x20010db8123400000000000000000000n, prefix: 48 });
  t.deepEqual(net('::ffff:192.0.2.1'), { family: 4, addr: 0xc0000201n, prefix: 32 });
  t.is(net('::ffff:192.0.2.0/120').family, 6, 'with a prefix it stays IPv6');
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/255.0.255.0', '10.0.0.0/8/8', 'admin.example.org', '10.0.0/8', '10.0.0.0/x', '']) t.is(parseIpNet(bad), null, bad);
});

test('contains: by prefix, never across families; a network holds its own subnets only', (t) => {
  t.true(netContains(net('127.0.0.1/8'), net('127.0.0.2')));
  t.false(netContains(net('127.0.0.1/8'), net('128.0.0.1')));
  t.true(netContains(net('192.0.2.0/24'), net('192.0.2.255')));
  t.false(netContains(net('192.0.2.0/24'), net('192.0.3.0')));
  t.true(netContains(net('0.0.0.0/0'), net('203.0.113.9')));
  t.false(netContains(net('0.0.0.0/0'), net('2001:db8::1')), 'IPv4 everything is not IPv6 everything');
  t.true(netContains(net('::/0'), net('2001:db8::1')));
  t.true(netContains(net('2001:db8:1234::/48'), net('2001:db8:1234:ffff::1')));
  t.false(netContains(net('2001:db8:1234::/48'), net('2001:db8:1235::1')));
  t.true(netContains(net('10.0.0.0/8'), net('10.20.0.0/16')));
  t.false(netContains(net('10.20.0.0/16'), net('10.0.0.0/8')));
  t.true(netContains(net('192.0.2.7'), net('::ffff:192.0.2.7')), 'a mapped address is its IPv4 address');
});

test('width: everything, loopback, single', (t) => {
  t.true(isEverything(net('0.0.0.0/0')));
  t.true(isEverything(net('::/0')));
  t.false(isEverything(net('0.0.0.0/1')));
  t.true(isLoopback(net('127.0.0.1/8')));
  t.true(isLoopback(net('127.5.0.0/16')));
  t.true(isLoopback(net('::1')));
  t.false(isLoopback(net('::1/127')), '::/127 holds :: too');
  t.false(isLoopback(net('126.0.0.0/7')));
  t.true(isSingle(net('192.0.2.1')));
  t.false(isSingle(net('192.0.2.1/31')));
});

test('format: dotted quads, RFC 5952 IPv6, prefix unless single', (t) => {
  t.is(formatIpNet(net('10.1.2.3/8')), '10.0.0.0/8');
  t.is(formatIpNet(net('2001:0DB8:0000:0000:0001:0000:0000:0001')), '2001:db8::1:0:0:1');
  t.is(formatIpNet(net('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1', 'a single zero group is not compressed');
  t.is(formatIpNet(net('::')), '::');
  t.is(formatIpNet(net('::1')), '::1');
  t.is(formatIpNet(net('2001:db8::/32')), '2001:db8::/32');
});

test('SSH_CONNECTION: the client address, zone dropped, garbage refused', (t) => {
  t.is(formatIpNet(sshClientAddress('127.0.0.2 5555 127.0.0.1 22')!), '127.0.0.2');
  t.is(formatIpNet(sshClientAddress('2001:db8::5 40000 2001:db8::1 22')!), '2001:db8::5');
  t.is(formatIpNet(sshClientAddress('fe80::1%eth0 40000 fe80::2%eth0 22')!), 'fe80::1');
  t.is(formatIpNet(sshClientAddress('::ffff:192.0.2.9 1 ::ffff:192.0.2.1 22')!), '192.0.2.9');
  t.is(sshClientAddress(undefined), null);
  t.is(sshClientAddress(''), null);
  t.is(sshClientAddress('hostname 1 2 3'), null);
  t.is(sshClientAddress('10.0.0.0/8 1 2 3'), null, 'a network is not a client');
});

test('parse and contains agree with fail2ban\'s own IPAddr (server/ipdns.py)', (t) => {
  const nets = ['127.0.0.1/8', '10.1.2.3/8', '192.168.0.0/255.255.0.0', '0.0.0.0/0', '::/0', '::1', '2001:db8:1234::/48', '[2001:db8::1]', '::ffff:192.0.2.7', '192.0.2.0/24', '2001:db8::/32', '203.0.113.9'];
  const ips = ['127.0.0.2', '10.200.0.1', '192.168.44.1', '192.0.2.7', '2001:db8:1234:1::9', '2001:db8::1', '::1', '203.0.113.9', '::ffff:192.0.2.7'];
  const py = `
import json, sys
from fail2ban.server.ipdns import IPAddr
nets, ips = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = {'nets': [], 'contains': []}
for n in nets:
    a = IPAddr(n)
    out['nets'].append([4 if a.isIPv4 else 6, str(a.addr), a.plen])
for n in nets:
    out['contains'].append([IPAddr(n).contains(IPAddr(i)) for i in ips])
print(json.dumps(out))`;
  const python = fs.readFileSync('/usr/bin/fail2ban-client', 'utf8').split('\n')[0].replace(/^#!\s*/, '');
  const oracle = JSON.parse(child.execFileSync(python, ['-c', py, JSON.stringify(nets), JSON.stringify(ips)], { encoding: 'utf8' })) as {
    nets: Array<[number, string, number]>;
    contains: boolean[][];
  };
  nets.forEach((n, i) => {
    const ours = net(n);
    t.deepEqual([ours.family, ours.addr.toString(), ours.prefix], oracle.nets[i], n);
    ips.forEach((ip, j) => t.is(netContains(ours, net(ip)), oracle.contains[i][j], `${n} ∋ ${ip}`));
  });
});
