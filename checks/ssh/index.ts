// The ssh area, in CHECKS.md order: server (server-*.ts), client (client-*.ts)
// and key (keys-*.ts) checks; the fixes are in fixes.ts (fix-*.ts).

import type { Check } from '../../src/core/types';
import { ciphersCheck, hostKeyAlgorithmsCheck, kexCheck, macsCheck } from './server-algorithms';
import { emptyPasswordsCheck, kbdInteractiveCheck, passwordAuthCheck, rootLoginCheck } from './server-auth';
import { deprecatedOptionsCheck } from './server-deprecated';
import { hostKeyAgeCheck, hostKeysCheck } from './server-host-keys';
import { serverInstalledCheck } from './server-installed';
import { clientAlgorithmsCheck } from './client-algorithms';
import { clientDeprecatedCheck } from './client-deprecated';
import { clientPasswordAuthCheck } from './client-password-auth';
import { keyAgeCheck } from './keys-age';
import { authorizedKeysCheck } from './keys-authorized';
import { userKeysCheck } from './keys-user';

export { fixes } from './fixes';

export const serverChecks: Check[] = [
  serverInstalledCheck,
  rootLoginCheck,
  passwordAuthCheck,
  kbdInteractiveCheck,
  emptyPasswordsCheck,
  kexCheck,
  ciphersCheck,
  macsCheck,
  hostKeyAlgorithmsCheck,
  hostKeysCheck,
  deprecatedOptionsCheck,
  hostKeyAgeCheck,
];

/** ssh.client.* and ssh.keys.*, in CHECKS.md order. */
export const clientAndKeyChecks: Check[] = [
  clientPasswordAuthCheck,
  clientAlgorithmsCheck,
  clientDeprecatedCheck,
  authorizedKeysCheck,
  userKeysCheck,
  keyAgeCheck,
];

export const checks: Check[] = [...serverChecks, ...clientAndKeyChecks];
