/**
 * The base of every typed refusal in this project: a stable `code` that callers (the service, the
 * tasks, tests) branch on without matching messages, a message that says what to do next, and
 * the class's own name as `name` (so logs and stack traces say which refusal it was).
 */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
