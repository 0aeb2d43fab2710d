import { Anchor, Container, List, Text, Title } from '@mantine/core';

// Home lists the console's areas.
export function Home() {
  return (
    <Container size="sm" py="xl">
      <Title order={1}>Switchboard</Title>
      <Text mt="sm">An open-source contact center.</Text>
      <List mt="md">
        <List.Item>
          <Anchor href="/softphone/">Test softphone</Anchor>
        </List.Item>
        <List.Item>
          <Anchor href="/api/v1/openapi.json">API (OpenAPI)</Anchor>
        </List.Item>
      </List>
    </Container>
  );
}
