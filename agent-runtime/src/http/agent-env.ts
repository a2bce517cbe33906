/**
 * The per-request variables every middleware and route of the agent app shares.
 * Keep it small: anything here is visible to every handler.
 */
export interface AgentEnv {
  Variables: {
    requestId: string;
    /** Tokens of the model call, for the access log. */
    usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  };
}
