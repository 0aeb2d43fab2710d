package api

import "github.com/switchboard-cc/switchboard/internal/core"

// webhookT is the webhook subscription type, short for the route table.
type webhookT = core.WebhookSubscription

// webhookRoutes declares the CRUD of webhook subscriptions; internal/webhook
// delivers the events.
func (s *Server) webhookRoutes() []route {
	return crud(s, kindSpec[webhookT, *webhookT]{path: "webhook-subscriptions", tag: "Webhook subscriptions",
		one: "WebhookSubscription", repo: s.st.WebhookSubscriptions(), prepare: prepareWebhook})
}
