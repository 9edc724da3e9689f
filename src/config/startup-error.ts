/**
 * A condition that stops the service before it serves anything: a bad setting, a policy file
 * that does not validate, a data folder it cannot use. main.ts prints the message as one line
 * and exits non-zero; the message names the setting or the folder and the cause.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
