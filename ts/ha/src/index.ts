export { parseZkUrl, type ZkUrl } from './zk-url.js';
export { parseMasterInfo, type MasterInfo } from './master-info.js';
export { ZK, ZkSession, ZkError, type Stat, type ZkSessionOptions } from './zk-session.js';
export { MasterContender, type ContenderOptions } from './contender.js';
export { LeaderDetector, type DetectorOptions } from './detector.js';
export { ELECTION_PREFIX, electionMembers, joinPath } from './election.js';
