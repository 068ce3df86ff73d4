/** Tables of the clerk domain (spread into convex/schema.ts). */
export const clerkTables = {};
