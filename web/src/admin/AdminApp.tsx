import { Container, Text, Title } from '@mantine/core';

// AdminApp: being built (issue 7).
export function AdminApp() {
  return (
    <Container py="xl">
      <Title order={2}>AdminApp</Title>
      <Text>Not built yet.</Text>
    </Container>
  );
}
