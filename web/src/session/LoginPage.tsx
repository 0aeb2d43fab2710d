import { Container, Text, Title } from '@mantine/core';

// LoginPage: being built (issue 7).
export function LoginPage() {
  return (
    <Container py="xl">
      <Title order={2}>LoginPage</Title>
      <Text>Not built yet.</Text>
    </Container>
  );
}
