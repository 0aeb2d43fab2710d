import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { actionLabel, lookupAction } from './catalog';
import { NODE_WIDTH } from './layout';
import type { Branch, RawAction } from './model';
import type { Problem } from './validate';

export type ActionNodeData = {
  action: RawAction;
  branches: Branch[];
  problems: Problem[];
  isStart: boolean;
};
export type ActionFlowNode = Node<ActionNodeData, 'action'>;

const categoryColor: Record<string, string> = {
  participant: '#228be6',
  contact: '#7950f2',
  'flow control': '#fab005',
  interaction: '#12b886',
};

// summary is the one line a node shows under its title: the prompt, the
// value compared, the queue...
function summary(a: RawAction): string {
  const ps = a.Parameters ?? {};
  for (const k of ['Text', 'SSML', 'ComparisonValue', 'QueueId', 'LambdaFunctionARN', 'ContactFlowId', 'HoursOfOperationId', 'PromptId', 'LoopCount']) {
    const v = ps[k];
    if (typeof v === 'string' && v) return v;
  }
  const attrs = ps.Attributes;
  if (attrs && typeof attrs === 'object') return Object.keys(attrs).join(', ');
  return '';
}

// ActionNodeView draws one action: a title per type, a summary, the
// problems count, a target handle on the left and one source handle per
// branch on the right.
export const ActionNodeView = memo(function ActionNodeView({ data, selected }: NodeProps<ActionFlowNode>) {
  const { action, branches, problems, isStart } = data;
  const spec = lookupAction(action.Type);
  const bad = problems.length > 0;
  const text = summary(action);
  return (
    <div
      data-testid={`node-${action.Identifier}`}
      data-invalid={bad ? 'true' : undefined}
      title={bad ? problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('\n') : undefined}
      style={{
        width: NODE_WIDTH,
        background: 'white',
        border: `2px solid ${bad ? '#fa5252' : selected ? '#228be6' : '#ced4da'}`,
        boxShadow: bad ? '0 0 0 3px rgba(250,82,82,.25)' : undefined,
        borderRadius: 6,
        fontSize: 12,
      }}
    >
      <Handle type="target" position={Position.Left} id="in" style={{ top: 18 }} />
      <div style={{ borderTop: `4px solid ${spec ? categoryColor[spec.category] : '#868e96'}`, borderRadius: '4px 4px 0 0', padding: '4px 8px' }}>
        <div style={{ fontWeight: 600, display: 'flex', justifyContent: 'space-between', gap: 4 }}>
          <span>{actionLabel(action.Type)}</span>
          {isStart && <span style={{ color: '#2b8a3e' }}>start</span>}
          {bad && <span data-testid={`node-${action.Identifier}-problems`} style={{ color: '#e03131' }}>⚠ {problems.length}</span>}
        </div>
        {text && <div style={{ color: '#495057', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{text}</div>}
      </div>
      {branches.map((b) => (
        <div key={b.handle} style={{ position: 'relative', height: 22, lineHeight: '22px', padding: '0 14px 0 8px', textAlign: 'right',
          borderTop: '1px solid #f1f3f5', color: b.kind === 'error' ? '#c92a2a' : '#343a40', overflow: 'hidden', whiteSpace: 'nowrap', textOverflow: 'ellipsis' }}>
          {b.label}
          <Handle type="source" position={Position.Right} id={b.handle} data-testid={`handle-${action.Identifier}-${b.handle}`}
            style={{ background: b.target ? '#495057' : '#adb5bd' }} />
        </div>
      ))}
    </div>
  );
});

export type EntryFlowNode = Node<Record<string, never>, 'entry'>;

// EntryNodeView is the entry point; its handle's edge is StartAction.
export function EntryNodeView() {
  return (
    <div data-testid="node-entry" style={{ width: 120, padding: '8px 10px', background: '#ebfbee', border: '2px solid #2b8a3e', borderRadius: 20, fontSize: 12, fontWeight: 600, textAlign: 'center' }}>
      Entry
      <Handle type="source" position={Position.Right} id="start" />
    </div>
  );
}
