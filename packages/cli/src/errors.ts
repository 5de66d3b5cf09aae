/** Errors the CLI reports as one line, without a stack. */

/** A problem with the user's input (a file, an option, a model spec): one line, exit 1. */
export class CliError extends Error {
  /** @param message one line naming the problem and where it is. */
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
