// Election znodes: children of the configured path named `info_<sequence>`,
// ephemeral and sequential, each holding a MasterInfo as JSON. The lowest
// sequence leads (as in Mesos's group membership, src/zookeeper/group.cpp and
// src/master/contender/). Other children of the path (the registry, later)
// are ignored.

export const ELECTION_PREFIX = 'info_';

/** The election members among a path's children, lowest sequence first. */
export function electionMembers(children: string[]): string[] {
  return children
    .filter((c) => c.startsWith(ELECTION_PREFIX) && /^\d+$/.test(c.slice(ELECTION_PREFIX.length)))
    // Sequence numbers are zero-padded to 10 digits but wrap past 2^31 to
    // negative in theory; compare as numbers, not strings, to be exact.
    .sort((a, b) => Number(a.slice(ELECTION_PREFIX.length)) - Number(b.slice(ELECTION_PREFIX.length)));
}

export function joinPath(dir: string, child: string): string {
  return dir === '/' ? `/${child}` : `${dir}/${child}`;
}
