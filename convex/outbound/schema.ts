/** Tables of the outbound domain (spread into convex/schema.ts). */
export const outboundTables = {};
