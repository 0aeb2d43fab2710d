import { Container, Text, Title } from '@mantine/core';

// Supervisor: being built (issue 7).
export function Supervisor() {
  return (
    <Container py="xl">
      <Title order={2}>Supervisor</Title>
      <Text>Not built yet.</Text>
    </Container>
  );
}
