// Limits of the tRPC HTTP endpoint, shared by the server and the browser's client (so this file imports nothing).

/**
 * The most calls one batched request to /api/trpc may carry. The browser's batch link splits at this number;
 * a larger batch is refused as a whole with a 400 before any call runs.
 */
export const MAX_BATCH_SIZE = 50;
