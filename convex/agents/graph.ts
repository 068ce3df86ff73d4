/**
 * The delegation graph's rules, as pure functions over edges so the same
 * checks run when a delegation is composed (convex/agents/delegations.ts)
 * and again at run time (data can change in between).
 *
 * Depth = the number of delegation edges in the longest chain: with a limit
 * of 3, Assistant → Researcher → Writer → Editor is allowed, a fifth agent
 * at the end is not. A composition is refused when it would close a cycle or
 * when the longest chain running through it would exceed the limit.
 */

export type Edge<N extends string = string> = { from: N; to: N };

export type CompositionCheck<N extends string = string> =
  | { ok: true; chain: N[] }
  | { ok: false; reason: "cycle"; cycle: N[] }
  | { ok: false; reason: "depth"; chain: N[] };

function adjacency<N extends string>(edges: readonly Edge<N>[], reverse: boolean): Map<N, N[]> {
  const out = new Map<N, N[]>();
  for (const edge of edges) {
    const [a, b] = reverse ? [edge.to, edge.from] : [edge.from, edge.to];
    const list = out.get(a);
    if (list) list.push(b);
    else out.set(a, [b]);
  }
  return out;
}

/** The shortest path `start` → ... → `goal` (both included), or null. */
function shortestPath<N extends string>(next: Map<N, N[]>, start: N, goal: N): N[] | null {
  const parent = new Map<N, N | null>([[start, null]]);
  const queue: N[] = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    if (node === goal) {
      const path: N[] = [];
      for (let at: N | null = node; at !== null; at = parent.get(at) ?? null) path.unshift(at);
      return path;
    }
    for (const n of next.get(node) ?? []) {
      if (!parent.has(n)) {
        parent.set(n, node);
        queue.push(n);
      }
    }
  }
  return null;
}

/**
 * The cycle that adding `from → to` would close, written from `to` round to
 * `to` again (`[to, ..., from, to]`), or null. Delegating to oneself is the
 * cycle `[from, from]`.
 */
export function findCycle<N extends string>(edges: readonly Edge<N>[], from: N, to: N): N[] | null {
  if (from === to) return [from, to];
  const path = shortestPath(adjacency(edges, false), to, from);
  return path === null ? null : [...path, to];
}

/**
 * The longest chain starting at `start` following `next` (start included).
 * Assumes no cycles; a node already on the current path is skipped, so bad
 * data cannot make it loop.
 */
function longestFrom<N extends string>(next: Map<N, N[]>, start: N, memo: Map<N, N[]>, onPath = new Set<N>()): N[] {
  const known = memo.get(start);
  if (known) return known;
  onPath.add(start);
  let best: N[] = [];
  for (const n of next.get(start) ?? []) {
    if (onPath.has(n)) continue;
    const chain = longestFrom(next, n, memo, onPath);
    if (chain.length > best.length) best = chain;
  }
  onPath.delete(start);
  const result = [start, ...best];
  memo.set(start, result);
  return result;
}

/**
 * The longest chain of agents that would run through a new edge
 * `from → to` (the longest chain ending at `from`, then the longest starting
 * at `to`). Its depth is `length - 1`. Call after `findCycle` returned null.
 */
export function longestChainThrough<N extends string>(edges: readonly Edge<N>[], from: N, to: N): N[] {
  const before = [...longestFrom(adjacency(edges, true), from, new Map())].reverse();
  const after = longestFrom(adjacency(edges, false), to, new Map());
  return [...before, ...after];
}

/** The longest chain in the graph (empty when it has no edges). */
export function longestChain<N extends string>(edges: readonly Edge<N>[]): N[] {
  const next = adjacency(edges, false);
  const memo = new Map<N, N[]>();
  let best: N[] = [];
  for (const node of next.keys()) {
    const chain = longestFrom(next, node, memo);
    if (chain.length > best.length) best = chain;
  }
  return best;
}

/** The graph's depth: edges in its longest chain. */
export function graphDepth(edges: readonly Edge[]): number {
  return Math.max(0, longestChain(edges).length - 1);
}

/** Whether `from → to` may be added to a graph with these edges under `maxDepth`. */
export function checkComposition<N extends string>(
  edges: readonly Edge<N>[],
  from: N,
  to: N,
  maxDepth: number,
): CompositionCheck<N> {
  const others = edges.filter((e) => !(e.from === from && e.to === to));
  const cycle = findCycle(others, from, to);
  if (cycle) return { ok: false, reason: "cycle", cycle };
  const chain = longestChainThrough(others, from, to);
  if (chain.length - 1 > maxDepth) return { ok: false, reason: "depth", chain };
  return { ok: true, chain };
}

/**
 * The run-time check: a run whose lineage is `lineage` (root first, the
 * delegating agent last) wants to delegate to `to`. Refused when `to` is
 * already in the lineage (cycle) or when the delegation would make the
 * chain longer than `maxDepth` edges.
 */
export function checkLineage<N extends string>(lineage: readonly N[], to: N, maxDepth: number): CompositionCheck<N> {
  const seen = lineage.indexOf(to);
  if (seen >= 0) return { ok: false, reason: "cycle", cycle: [...lineage.slice(seen), to] };
  const chain = [...lineage, to];
  if (chain.length - 1 > maxDepth) return { ok: false, reason: "depth", chain };
  return { ok: true, chain };
}

/** "Assistant → Researcher → Writer" */
export function formatChain<N extends string>(chain: readonly N[], nameOf: (node: N) => string): string {
  return chain.map(nameOf).join(" → ");
}

/** The refusal in words (the message of the `conflict` error). */
export function describeRefusal<N extends string>(
  check: Exclude<CompositionCheck<N>, { ok: true }>,
  nameOf: (node: N) => string,
  maxDepth: number,
): string {
  if (check.reason === "cycle") {
    return `This delegation would create a cycle: ${formatChain(check.cycle, nameOf)}.`;
  }
  const depth = check.chain.length - 1;
  return `This delegation would create a chain of ${depth} delegations (${formatChain(check.chain, nameOf)}), over this account's limit of ${maxDepth}.`;
}

/** The refusal as data (the `chain` of the `conflict` error), so the builder can highlight the agents in it. */
export function refusedChain<N extends string>(
  check: Exclude<CompositionCheck<N>, { ok: true }>,
  nameOf: (node: N) => string,
): { reason: "cycle" | "depth"; agents: { agentId: N; name: string }[] } {
  const nodes = check.reason === "cycle" ? check.cycle : check.chain;
  return { reason: check.reason, agents: nodes.map((agentId) => ({ agentId, name: nameOf(agentId) })) };
}
