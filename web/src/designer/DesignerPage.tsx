import { Container, Text, Title } from '@mantine/core';

// DesignerPage: being built (issue 7).
export function DesignerPage() {
  return (
    <Container py="xl">
      <Title order={2}>DesignerPage</Title>
      <Text>Not built yet.</Text>
    </Container>
  );
}
