import { Table, Text } from '@mantine/core';

// Attributes is the screen pop: the contact's attributes from the offer
// (the flow's and the customer's).
export function Attributes({ attributes }: { attributes: Record<string, string> }) {
  const keys = Object.keys(attributes).sort();
  if (keys.length === 0) return null;
  return (
    <Table withTableBorder striped data-testid="attributes" fz="sm" aria-label="Contact attributes">
      <Table.Tbody>
        {keys.map((k) => (
          <Table.Tr key={k} data-testid={`attribute-${k}`}>
            <Table.Th w="40%"><Text size="sm" fw={600}>{k}</Text></Table.Th>
            <Table.Td style={{ wordBreak: 'break-word' }}>{attributes[k]}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
