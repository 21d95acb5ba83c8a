// Walks through the OpenChat API with the generated TypeScript code (@openchat/api) and
// Connect's gRPC transport for Node.js.
//
// As the user of OPENCHAT_TOKEN it creates a group with the peer, sends a message and checks the
// ack, then opens the session stream (hello, ping) and waits until the peer's message, sent with
// OPENCHAT_PEER_TOKEN through the unary SendMessage, is pushed to it.
//
// Exit status: 0 when everything received was right, 1 when anything failed or was wrong,
// 2 on bad usage, 3 when the server does not serve the session stream (UNIMPLEMENTED).

import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";

import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createWritableIterable } from "@connectrpc/connect/protocol";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ConversationService } from "@openchat/api/v1/conversation_service_pb";
import { MessagingService } from "@openchat/api/v1/messaging_service_pb";
import {
  type ClientFrameSchema,
  PresenceService,
  type ServerFrame,
} from "@openchat/api/v1/presence_service_pb";

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_STREAM_UNIMPLEMENTED = 3;

/** The server ended the session stream with UNIMPLEMENTED: it does not serve it. */
class StreamUnimplemented extends Error {}

async function run(target: string, peer: string, token: string, peerToken: string) {
  const transport = createGrpcTransport({ baseUrl: `http://${target}` });
  const conversations = createClient(ConversationService, transport);
  const messaging = createClient(MessagingService, transport);
  const presence = createClient(PresenceService, transport);
  const signal = AbortSignal.timeout(30_000);
  const me = { headers: { authorization: `Bearer ${token}` }, signal };
  const them = { headers: { authorization: `Bearer ${peerToken}` }, signal };

  // 1. A group with the peer, and a first message, acknowledged once stored.
  const { conversation: group } = await conversations.createGroup(
    { title: "TypeScript example", memberIds: [peer] },
    me,
  );
  if (!group) throw new Error("CreateGroup returned no conversation");
  console.log(`created group ${group.conversationId} with ${group.memberIds.join(", ")}`);

  const clientMsgId = randomUUID();
  const { ack } = await messaging.sendMessage(
    { conversationId: group.conversationId, clientMsgId, content: { text: "hello from TypeScript" } },
    me,
  );
  if (
    ack?.clientMsgId !== clientMsgId ||
    ack.conversationId !== group.conversationId ||
    ack.seq !== 1n ||
    ack.duplicate
  ) {
    throw new Error(`unexpected ack for the first message: ${JSON.stringify(ack, bigints)}`);
  }
  console.log(`ack: message ${ack.messageId} stored as seq ${ack.seq}`);

  // 2. The session stream: hello is answered by welcome, ping by pong.
  const outgoing = createWritableIterable<MessageInitShape<typeof ClientFrameSchema>>();
  const incoming = presence.connect(outgoing, me)[Symbol.asyncIterator]();
  const receive = async (wanted: (frame: ServerFrame) => boolean): Promise<ServerFrame> => {
    for (;;) {
      const next = await incoming.next().catch(streamError);
      if (next.done) throw new Error("the server closed the session stream");
      if (wanted(next.value)) return next.value;
      // Frames of other kinds (presence, receipts) are not what this example waits for.
    }
  };
  // A write resolves once the transport takes the frame. If the stream ends first, the write is
  // rejected; the reason then surfaces, with the server's status, on the reading side.
  const send = (frame: MessageInitShape<typeof ClientFrameSchema>) => {
    outgoing.write(frame).catch(() => {});
  };

  send({
    frame: {
      case: "hello",
      value: {
        deviceId: "example-typescript",
        clientInfo: { app: "openchat-example-typescript", version: "1", platform: `node ${process.version}` },
      },
    },
  });
  const first = await incoming.next().catch(streamError);
  if (first.done || first.value.frame.case !== "welcome") {
    throw new Error(`expected a welcome, got ${JSON.stringify(first.value, bigints)}`);
  }
  const welcome = first.value.frame.value;
  if (welcome.userId !== group.creatorId) {
    throw new Error(`welcome is for ${welcome.userId}, not ${group.creatorId}`);
  }
  console.log(`welcome: session ${welcome.sessionId} for ${welcome.userId}`);

  const nonce = 42n;
  send({ frame: { case: "ping", value: { nonce } } });
  const pong = await receive((frame) => frame.frame.case === "pong");
  if (pong.frame.case !== "pong" || pong.frame.value.nonce !== nonce) {
    throw new Error(`pong does not carry nonce ${nonce}: ${JSON.stringify(pong, bigints)}`);
  }
  console.log(`pong: nonce ${pong.frame.value.nonce}`);

  // 3. The peer sends through the unary RPC; the server pushes the message on our stream.
  const { ack: peerAck } = await messaging.sendMessage(
    {
      conversationId: group.conversationId,
      clientMsgId: randomUUID(),
      content: { text: "hello from the peer" },
    },
    them,
  );
  if (!peerAck) throw new Error(`SendMessage as ${peer} returned no ack`);
  const pushed = await receive(
    (frame) => frame.frame.case === "message" && frame.frame.value.messageId === peerAck.messageId,
  );
  const message = pushed.frame.case === "message" ? pushed.frame.value : undefined;
  if (
    message?.senderId !== peer ||
    message.seq !== peerAck.seq ||
    message.conversationId !== group.conversationId ||
    message.content?.text !== "hello from the peer"
  ) {
    throw new Error(`pushed message differs from what ${peer} sent: ${JSON.stringify(message, bigints)}`);
  }
  console.log(`pushed: seq ${message.seq} from ${message.senderId}: ${JSON.stringify(message.content.text)}`);
  outgoing.close();
}

function streamError(error: unknown): never {
  if (error instanceof ConnectError && error.code === Code.Unimplemented) {
    throw new StreamUnimplemented(`the server does not serve PresenceService.Connect (${error.message})`);
  }
  throw error;
}

/** JSON.stringify replacer for int64 fields, which are bigints. */
function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** The command-line options, or undefined (after saying why) when they are wrong. */
function options() {
  try {
    return parseArgs({
      options: {
        target: { type: "string", default: "127.0.0.1:50051" },
        peer: { type: "string", default: "bob" },
      },
    }).values;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

async function main(): Promise<number> {
  const values = options();
  const token = process.env.OPENCHAT_TOKEN;
  const peerToken = process.env.OPENCHAT_PEER_TOKEN;
  if (!values || !token || !peerToken) {
    console.error(
      "usage: OPENCHAT_TOKEN=... OPENCHAT_PEER_TOKEN=... node dist/main.js [--target host:port] [--peer user-id]",
    );
    return EXIT_USAGE;
  }
  try {
    await run(values.target, values.peer, token, peerToken);
  } catch (error) {
    console.error(`openchat-example: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof StreamUnimplemented ? EXIT_STREAM_UNIMPLEMENTED : EXIT_FAILURE;
  }
  console.log("OK: every step received what the contract promises");
  return 0;
}

process.exitCode = await main();
