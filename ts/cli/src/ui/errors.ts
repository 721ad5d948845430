// Errors the CLI reports as one line and an exit code, without a stack trace:
// a UsageError is the user's to fix (exit 2, with a pointer to --help), a
// CommandError is the cluster's answer (exit 1).

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class CommandError extends Error {
  override readonly name = 'CommandError';
}
