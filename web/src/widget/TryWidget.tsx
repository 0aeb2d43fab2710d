import { Container, Text, Title } from '@mantine/core';

// TryWidget: being built (issue 7).
export function TryWidget() {
  return (
    <Container py="xl">
      <Title order={2}>TryWidget</Title>
      <Text>Not built yet.</Text>
    </Container>
  );
}
