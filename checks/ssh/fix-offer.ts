// Which ssh fixes exist, by id: what a finding may offer (no key leads
// nowhere). Kept apart from fixes.ts on purpose: the fixes import the checks'
// helpers (inventories, the server state), and the checks name fixes; if the
// checks imported fixes.ts, that cycle would load a fix half-defined. A test
// keeps this list and fixes.ts in step.

export const SSH_FIX_IDS: readonly string[] = [
  'ssh.server.harden',
  'ssh.client.harden',
  'ssh.rotate-host-keys',
  'ssh.retire-host-keys',
  'ssh.rotate-user-key',
  'ssh.remove-authorized-key',
];

export function offer(...ids: string[]): string[] {
  return ids.filter((id) => SSH_FIX_IDS.includes(id));
}
