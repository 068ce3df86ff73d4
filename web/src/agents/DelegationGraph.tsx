/**
 * The delegation graph drawn with React Flow, laid out by dagre: nodes are
 * agents (with their depth), edges are delegations. A refused composition's
 * chain is marked: its agents and delegations in red, the refused delegation
 * itself dashed.
 */
import "@xyflow/react/dist/style.css";
import {
  BaseEdge,
  EdgeLabelRenderer,
  getBezierPath,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeProps,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import { useEffect, useMemo } from "react";
import { chainParts, depths, edgeKey, layout, type GraphEdge } from "./graphModel";
import "./agents.css";

export type GraphAgent = { agentId: string; name: string; slug: string; status: string };

type AgentNodeData = { agentId: string; name: string; status: string; depth: number; highlighted: boolean };
type AgentFlowNode = Node<AgentNodeData, "agent">;
type DelegationEdgeData = { highlighted: boolean; proposed: boolean };
type DelegationFlowEdge = Edge<DelegationEdgeData, "delegation">;
/** The graph's shape: agent ids and delegations (what layout and depths read). */
type Shape = [string[], GraphEdge[]];

const EDGE_COLOR = "#8a94a6";
const REFUSED_COLOR = "#d92d20";

function AgentNode({ data }: NodeProps<AgentFlowNode>) {
  return (
    <div
      className={`graph-node${data.highlighted ? " highlighted" : ""}`}
      data-testid="graph-node"
      data-agent-id={data.agentId}
      data-depth={data.depth}
      data-status={data.status}
      data-highlighted={String(data.highlighted)}
    >
      <Handle type="target" position={Position.Top} />
      <div className="graph-node-name">{data.name}</div>
      <div className="graph-node-meta">
        depth {data.depth}
        {data.status !== "active" && ` · ${data.status}`}
      </div>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

/**
 * A delegation pointing back up the layout (the refused edge of a cycle, or
 * an agent to itself) would run over the edges it loops against: route it
 * round the right-hand side instead. Returns the path and its midpoint.
 */
function backEdgePath(sx: number, sy: number, tx: number, ty: number): [string, number, number] {
  const out = 110;
  const [c1x, c1y, c2x, c2y] = [sx + out, sy + 70, tx + out, ty - 70];
  const midX = (sx + 3 * c1x + 3 * c2x + tx) / 8;
  const midY = (sy + 3 * c1y + 3 * c2y + ty) / 8;
  return [`M ${sx},${sy} C ${c1x},${c1y} ${c2x},${c2y} ${tx},${ty}`, midX, midY];
}

function DelegationEdge({ id, source, target, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, data }: EdgeProps<DelegationFlowEdge>) {
  const [path, labelX, labelY] =
    targetY < sourceY ? backEdgePath(sourceX, sourceY, targetX, targetY) : getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <g data-testid="graph-edge" data-from={source} data-to={target} data-highlighted={String(data?.highlighted ?? false)} data-proposed={String(data?.proposed ?? false)}>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} />
      {data?.proposed && (
        <EdgeLabelRenderer>
          <div className="graph-edge-label" style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
            refused
          </div>
        </EdgeLabelRenderer>
      )}
    </g>
  );
}

const nodeTypes = { agent: AgentNode };
const edgeTypes = { delegation: DelegationEdge };

type Props = {
  agents: GraphAgent[];
  edges: GraphEdge[];
  /** The refused chain, in order (a cycle starts and ends with the same agent). */
  highlight: string[] | null;
  /** The delegation that was refused, drawn dashed when it is not an edge already. */
  proposed: GraphEdge | null;
  /** Dragging from an agent's lower handle to another agent composes (admins only). */
  onConnect?: (edge: GraphEdge) => void;
};

export function DelegationGraph(props: Props) {
  return (
    <ReactFlowProvider>
      <Flow {...props} />
    </ReactFlowProvider>
  );
}

function Flow({ agents, edges, highlight, proposed, onConnect }: Props) {
  const ids = agents.map((a) => a.agentId);
  const idsKey = ids.join(",");
  const shapeKey = JSON.stringify([ids, edges]);
  // Positions depend only on the graph's shape (read back from its key), so a refusal never moves anything.
  const positions = useMemo(() => layout(...(JSON.parse(shapeKey) as Shape)), [shapeKey]);
  const depthOf = useMemo(() => depths(...(JSON.parse(shapeKey) as Shape)), [shapeKey]);

  const derived = useMemo(() => {
    const marked = chainParts(highlight ?? []);
    const nodes: AgentFlowNode[] = agents.map((a) => ({
      id: a.agentId,
      type: "agent",
      position: positions.get(a.agentId) ?? { x: 0, y: 0 },
      data: { agentId: a.agentId, name: a.name, status: a.status, depth: depthOf.get(a.agentId) ?? 0, highlighted: marked.nodes.has(a.agentId) },
      ariaLabel: `${a.name}, depth ${depthOf.get(a.agentId) ?? 0}${a.status !== "active" ? `, ${a.status}` : ""}${marked.nodes.has(a.agentId) ? ", in the refused chain" : ""}`,
      draggable: false,
    }));
    const edge = (e: GraphEdge, isProposed: boolean): DelegationFlowEdge => {
      const highlighted = isProposed || marked.edges.has(edgeKey(e.from, e.to));
      const names = `${agents.find((a) => a.agentId === e.from)?.name ?? "?"} delegates to ${agents.find((a) => a.agentId === e.to)?.name ?? "?"}`;
      return {
        id: `${isProposed ? "proposed" : "edge"}:${edgeKey(e.from, e.to)}`,
        source: e.from,
        target: e.to,
        type: "delegation",
        className: `${highlighted ? "highlighted" : ""}${isProposed ? " proposed" : ""}`,
        markerEnd: { type: MarkerType.ArrowClosed, color: highlighted ? REFUSED_COLOR : EDGE_COLOR, width: 18, height: 18 },
        data: { highlighted, proposed: isProposed },
        ariaLabel: isProposed ? `${names} (refused)` : names,
        selectable: false,
      };
    };
    const flowEdges = edges.map((e) => edge(e, false));
    if (proposed && !edges.some((e) => e.from === proposed.from && e.to === proposed.to)) flowEdges.push(edge(proposed, true));
    return { nodes, edges: flowEdges };
  }, [agents, edges, positions, depthOf, highlight, proposed]);

  const [nodes, setNodes, onNodesChange] = useNodesState<AgentFlowNode>(derived.nodes);
  const [flowEdges, setEdges, onEdgesChange] = useEdgesState<DelegationFlowEdge>(derived.edges);
  useEffect(() => {
    setNodes(derived.nodes);
    setEdges(derived.edges);
  }, [derived, setNodes, setEdges]);

  const { fitView } = useReactFlow();
  useEffect(() => {
    // Re-frame when agents come or go (after React Flow has measured them).
    const timer = window.setTimeout(() => void fitView({ padding: 0.1, maxZoom: 1.2 }), 50);
    return () => window.clearTimeout(timer);
  }, [idsKey, fitView]);

  return (
    <div className="graph-canvas" data-testid="delegation-graph">
      <ReactFlow
        nodes={nodes}
        edges={flowEdges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect ? (c: Connection) => onConnect({ from: c.source, to: c.target }) : undefined}
        nodesConnectable={onConnect !== undefined}
        nodesDraggable={false}
        edgesFocusable
        fitView
        fitViewOptions={{ padding: 0.1, maxZoom: 1.2 }}
        minZoom={0.3}
        colorMode="system"
        aria-label="Delegation graph"
      />
    </div>
  );
}
