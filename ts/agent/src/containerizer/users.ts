// Looking a user up by name for the POSIX containerizer, from /etc/passwd
// (no NSS bindings in Node; LDAP users are out of scope for now).

import { readFileSync } from 'node:fs';

export interface PosixUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function lookupUser(name: string, passwdFile = '/etc/passwd'): PosixUser | undefined {
  for (const line of readFileSync(passwdFile, 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] !== name || fields.length < 7) continue;
    return { name, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '/' };
  }
  return undefined;
}
