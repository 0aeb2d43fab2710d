// Package bind ties an imported flow to the resources of one Switchboard
// instance.
//
// A flow exported from Amazon Connect names its queues, flows, modules,
// prompts, Lambda functions and hours of operation by ARN, or, in most
// published exports, by a deploy-time placeholder (${SalesQueueArn},
// {{lambdaFunctions.getCustomer.arn}}, %%CONNECT_BASIC_QUEUE_ARN%%) or an
// empty string, with the resource's name kept only in the editor's Metadata.
// Bind walks flow.References, finds the local resource each one means and
// rewrites the parameter to that resource's ID. What it cannot bind it
// reports, with the reason and the names it tried: an unbound reference is
// not an error, the flow is stored as it is and the action takes its error
// branch at run time until the user binds it.
//
// For each reference the candidates are tried in this order, the first one
// the Resolver knows winning:
//
//  1. an explicit binding (Options.Bindings) keyed by the raw value, a
//     placeholder, a placeholder's inner name or the display name;
//  2. the raw value as an ID or a name; for an ARN, its resource ID
//     (arn:aws:connect:...:instance/I/queue/Q gives Q) or, for a Lambda ARN
//     (arn:aws:lambda:...:function:NAME[:alias]), the function NAME;
//  3. the display name from Metadata (parameters.X.displayName, queue.text,
//     lexV2BotName, ...) or the old format's resourceName;
//  4. each placeholder's inner name (${SalesQueueArn} gives SalesQueueArn,
//     {{lambdaFunctions.getCustomer.arn}} gives getCustomer), then the same
//     without an Arn/ARN/Id/ID suffix (SalesQueue).
//
// JSONPath values ($.Attributes.queueArn) are chosen at run time and are
// left alone; the report lists them as dynamic.
package bind
