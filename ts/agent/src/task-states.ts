// Task state helpers shared by the agent's parts (they live in @tessera/common,
// as the master and the CLI use the same ones).

export { isTerminalState as isTerminal, shortTaskState as shortStateName } from '@tessera/common';
