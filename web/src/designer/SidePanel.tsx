import { Alert, Badge, Button, Divider, Group, Stack, Text, Title } from '@mantine/core';
import { actionLabel, lookupAction } from './catalog';
import { JsonParams, SpecificForm, type FormProps } from './forms';
import { deleteNode, setConditions, setParameter, setParameters, type GraphModel } from './model';
import type { Problem } from './validate';

export interface SidePanelProps {
  model: GraphModel;
  nodeId: string;
  problems: Problem[];
  onModel: (m: GraphModel) => void;
  onClose: () => void;
}

// SidePanel edits the selected action: its parameters (the type's form and
// the JSON of all parameters), its conditions, and lists its problems.
export function SidePanel({ model, nodeId, problems, onModel, onClose }: SidePanelProps) {
  const node = model.nodes.find((n) => n.id === nodeId);
  if (!node) return null;
  const a = node.action;
  const spec = lookupAction(a.Type);
  const p: FormProps = {
    action: a,
    setParam: (name, value) => onModel(setParameter(model, nodeId, name, value)),
    setParams: (params) => onModel(setParameters(model, nodeId, params)),
    setConditions: (conds) => onModel(setConditions(model, nodeId, conds)),
  };
  return (
    <Stack gap="sm" data-testid="side-panel" p="sm">
      <Group justify="space-between" wrap="nowrap">
        <Title order={4}>{actionLabel(a.Type)}</Title>
        <Button size="xs" variant="subtle" onClick={onClose} data-testid="side-panel-close">Close</Button>
      </Group>
      <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
        {a.Type} · {a.Identifier}
      </Text>
      {!spec && <Badge color="orange">Unknown action type</Badge>}
      {problems.length > 0 && (
        <Alert color="red" title="Problems" data-testid="side-panel-problems">
          <Stack gap={2}>
            {problems.map((pr, i) => (
              <Text size="sm" key={i}>{pr.field ? `${pr.field}: ` : ''}{pr.message}</Text>
            ))}
          </Stack>
        </Alert>
      )}
      <SpecificForm {...p} />
      <Divider />
      <JsonParams {...p} />
      <Group>
        <Button size="xs" variant="light" disabled={model.start === nodeId} data-testid="side-panel-set-start"
          onClick={() => onModel({ ...model, start: nodeId })}>
          Start here
        </Button>
        <Button size="xs" color="red" variant="light" data-testid="side-panel-delete"
          onClick={() => {
            onModel(deleteNode(model, nodeId));
            onClose();
          }}>
          Delete action
        </Button>
      </Group>
    </Stack>
  );
}
