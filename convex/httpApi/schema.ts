/** Tables of the httpApi domain (spread into convex/schema.ts). */
export const httpApiTables = {};
