/** A tool refused its input: reported to the model as a tool error, not retried. */
export class ToolInputError extends Error {}
