/**
 * The delegation graph as the builder draws it: each agent's depth (how many
 * delegations deep it can be reached), a dagre layout (top to bottom, a
 * delegating agent above its delegates), and which nodes and edges a refused
 * chain covers.
 */
import dagre from "@dagrejs/dagre";

export type GraphEdge = { from: string; to: string };

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 70;

export const edgeKey = (from: string, to: string) => `${from}>${to}`;

/**
 * Depth of each agent: the most delegations on a path from an agent nobody
 * delegates to (0 for those). An agent on a cycle (bad data) is not looped over.
 */
export function depths(nodeIds: readonly string[], edges: readonly GraphEdge[]): Map<string, number> {
  const incoming = new Map<string, string[]>();
  for (const e of edges) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e.from]);
  const memo = new Map<string, number>();
  const visit = (id: string, onPath: Set<string>): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    onPath.add(id);
    let depth = 0;
    for (const parent of incoming.get(id) ?? []) {
      if (!onPath.has(parent)) depth = Math.max(depth, visit(parent, onPath) + 1);
    }
    onPath.delete(id);
    memo.set(id, depth);
    return depth;
  };
  for (const id of nodeIds) visit(id, new Set());
  return memo;
}

/** Top-left positions of the nodes, laid out by dagre. */
export function layout(nodeIds: readonly string[], edges: readonly GraphEdge[]): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 70, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of nodeIds) g.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of edges) if (g.hasNode(e.from) && g.hasNode(e.to)) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const id of nodeIds) {
    const node = g.node(id);
    out.set(id, { x: node.x - NODE_WIDTH / 2, y: node.y - NODE_HEIGHT / 2 });
  }
  return out;
}

/** The nodes and consecutive edges of a chain ("A → B → A": A, B; A>B, B>A). */
export function chainParts(agentIds: readonly string[]): { nodes: Set<string>; edges: Set<string> } {
  const edges = new Set<string>();
  for (let i = 1; i < agentIds.length; i++) edges.add(edgeKey(agentIds[i - 1]!, agentIds[i]!));
  return { nodes: new Set(agentIds), edges };
}
