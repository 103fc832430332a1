// A tool call that cannot be carried out. It is not a failed turn: the message goes into the
// transcript and back to the model (or the offline summary), and the turn continues.
export class ToolError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}
