import { Container, Text, Title } from '@mantine/core';

// CCP: being built (issue 7).
export function CCP() {
  return (
    <Container py="xl">
      <Title order={2}>CCP</Title>
      <Text>Not built yet.</Text>
    </Container>
  );
}
