// /etc/services, pure: service name (and aliases) → TCP port, as
// getservbyname(name, "tcp") answers. Format: `name port/proto [aliases…]`,
// "#" starts a comment. Odd lines are skipped (the file is advisory; a bad
// line must not make a check fail).

export function parseServices(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [name, portProto, ...aliases] = line.split(/\s+/);
    const m = /^(\d{1,5})\/tcp$/i.exec(portProto ?? '');
    if (!m || Number(m[1]) > 65535) continue;
    for (const n of [name, ...aliases]) if (!out.has(n.toLowerCase())) out.set(n.toLowerCase(), Number(m[1]));
  }
  return out;
}
