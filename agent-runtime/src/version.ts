/** Version of the agent runtime, reported by GET / and in the listening log line. */
export const RUNTIME_VERSION = '0.1.0';
