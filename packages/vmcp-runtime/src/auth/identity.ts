/** Who called the gateway, as established by incoming auth. */
export interface Identity {
  subject: string;
  issuer?: string;
  claims: Record<string, unknown>;
  /** The caller's bearer token, kept for token exchange; never logged. */
  token?: string;
}

/** The identity every anonymous caller shares. */
export const ANONYMOUS_IDENTITY: Identity = Object.freeze({
  subject: "anonymous",
  claims: Object.freeze({}),
}) as Identity;
