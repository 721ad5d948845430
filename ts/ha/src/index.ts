export { parseZkUrl, type ZkUrl } from './zk-url.js';
export { parseMasterInfo, type MasterInfo } from './master-info.js';
export { ZkSession, ZkError, type ZkSessionOptions } from './zk-session.js';
export { MasterContender, type ContenderOptions } from './contender.js';
export { LeaderDetector, type DetectorOptions } from './detector.js';
export { ELECTION_PREFIX, electionMembers } from './election.js';
