/** Tables of the ops domain (spread into convex/schema.ts). */
export const opsTables = {};
