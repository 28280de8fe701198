// The TypeScript SDK client (npm @modelcontextprotocol/sdk) against one of our servers.
//
// Usage: node ts_sdk_client.mjs URL
// Connects over Streamable HTTP (protocol 2025-11-25, the SDK's latest), exercises the conformance
// fixtures and prints one JSON object on stdout for tests/interop/test_typescript_sdk.py to check.
// Any failure prints {"error": ...} and exits 1. Every request has a 10 s timeout.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";

const url = process.argv[2];
const options = { timeout: 10_000 };

const client = new Client(
  { name: "mcp-template-ts-interop", version: "0.0.0" },
  { capabilities: { sampling: {}, elicitation: {} } },
);
const logs = [];
const samplingRequests = [];
const elicitationRequests = [];
client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
  logs.push(notification.params);
});
client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
  samplingRequests.push(request.params);
  return { role: "assistant", content: { type: "text", text: "sampled by the TS client" }, model: "ts-test-model" };
});
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  elicitationRequests.push(request.params);
  return { action: "accept", content: { username: "ts-user", email: "ts@example.com" } };
});

async function main() {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport, options);
  const out = {
    protocolVersion: transport.protocolVersion,
    serverInfo: client.getServerVersion(),
    capabilities: client.getServerCapabilities(),
  };

  out.tools = (await client.listTools({}, options)).tools;

  const progress = [];
  out.progressCall = await client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
    ...options,
    onprogress: (update) => progress.push(update),
  });
  out.progress = progress;

  out.loggingCall = await client.callTool({ name: "test_tool_with_logging", arguments: {} }, undefined, options);
  out.errorCall = await client.callTool({ name: "test_error_handling", arguments: {} }, undefined, options);
  out.imageCall = await client.callTool({ name: "test_image_content", arguments: {} }, undefined, options);

  out.samplingCall = await client.callTool({ name: "test_sampling", arguments: { prompt: "Say hi" } }, undefined, options);
  out.elicitationCall = await client.callTool(
    { name: "test_elicitation", arguments: { message: "Who are you?" } },
    undefined,
    options,
  );

  out.resources = (await client.listResources({}, options)).resources;
  out.templates = (await client.listResourceTemplates({}, options)).resourceTemplates;
  out.text = await client.readResource({ uri: "test://static-text" }, options);
  out.binary = await client.readResource({ uri: "test://static-binary" }, options);
  out.templated = await client.readResource({ uri: "test://template/42/data" }, options);

  out.prompts = (await client.listPrompts({}, options)).prompts;
  out.prompt = await client.getPrompt(
    { name: "test_prompt_with_arguments", arguments: { arg1: "one", arg2: "two" } },
    options,
  );
  out.completion = await client.complete(
    { ref: { type: "ref/prompt", name: "test_prompt_with_arguments" }, argument: { name: "arg1", value: "pa" } },
    options,
  );
  out.ping = await client.ping(options);

  out.logs = logs;
  out.samplingRequests = samplingRequests;
  out.elicitationRequests = elicitationRequests;
  await client.close();
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch(async (error) => {
  process.stdout.write(JSON.stringify({ error: String(error?.stack ?? error) }) + "\n");
  await client.close().catch(() => {});
  process.exit(1);
});
