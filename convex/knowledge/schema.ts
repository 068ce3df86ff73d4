/** Knowledge tables (see the knowledge issue). */
export const knowledgeTables = {};
