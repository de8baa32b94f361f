/** Thrown when the aggregate cannot be built without guessing (manual-strategy clashes, bad input). */
export class AggregationError extends Error {
  readonly details: string[];
  constructor(message: string, details: string[] = []) {
    super(details.length > 0 ? `${message}:\n  - ${details.join("\n  - ")}` : message);
    this.name = "AggregationError";
    this.details = details;
  }
}
