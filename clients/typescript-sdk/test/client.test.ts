/** The SDK against a real server over real sockets: acks after commit, live delivery and
 * receipts, typed errors, catch-up from stored cursors, the persistent outbox, token refresh,
 * and sends across a server kill -9 delivered exactly once and in order. */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { FileStore, type Message, OpenChatClient, PermissionDenied, nodeTransport } from "../src/node.js";
import type { ClientEvent, ClientOptions, Receipt } from "../src/index.js";
import { Server, freePort, token, until } from "./server.js";

const FAST = { initialMs: 50, multiplier: 2, capMs: 500 };

function user(): string {
  return `user-${randomUUID().slice(0, 10)}`;
}

class Recorder {
  readonly events: ClientEvent[] = [];
  constructor(client: OpenChatClient) {
    client.on((event) => this.events.push(event));
  }
  messages(conversationId: string): Message[] {
    return this.events.flatMap((e) => (e.type === "message" && e.message.conversationId === conversationId ? [e.message] : []));
  }
  receipts(): Receipt[] {
    return this.events.flatMap((e) => (e.type === "receipt" ? [e.receipt] : []));
  }
  count(type: ClientEvent["type"]): number {
    return this.events.filter((e) => e.type === type).length;
  }
}

async function started(server: Server, userId: string, options: Partial<ClientOptions> = {}): Promise<[OpenChatClient, Recorder]> {
  const client = new OpenChatClient({
    transport: nodeTransport(server.baseUrl),
    token: () => token(userId),
    deviceId: `${userId}-device`,
    retry: FAST,
    reconnect: FAST,
    ...options,
  });
  const recorder = new Recorder(client);
  await client.start();
  return [client, recorder];
}

describe("against a running server", () => {
  let server: Server;
  before(async () => {
    server = await Server.start();
  });
  after(async () => {
    await server.stop();
  });

  test("send resolves with the ack; the other member receives it live, and its receipt comes back", async () => {
    const alice = user();
    const bob = user();
    const [aliceClient, aliceEvents] = await started(server, alice);
    const [bobClient, bobEvents] = await started(server, bob);
    try {
      const group = await aliceClient.createGroup("team", [bob]);
      await until(() => bobEvents.count("connected") > 0 && aliceEvents.count("connected") > 0, "both connected");
      const first = await aliceClient.send(group.conversationId, "hello");
      const second = await aliceClient.send(group.conversationId, "again");
      assert.deepEqual([first.seq, second.seq], [1, 2]);
      assert.equal(first.duplicate, false);

      const received = await until((): Message[] | undefined => {
        const messages = bobEvents.messages(group.conversationId);
        return messages.length >= 2 ? messages : undefined;
      }, "bob receives both");
      assert.deepEqual(received.map((m) => [m.seq, m.text, m.senderId]), [[1, "hello", alice], [2, "again", alice]]);

      const receipt = await until(
        () => aliceEvents.receipts().find((r) => r.userId === bob && r.seq === 2),
        "alice gets bob's delivery receipt",
      );
      assert.equal(receipt.kind, "delivered");
    } finally {
      await Promise.all([aliceClient.close(), bobClient.close()]);
    }
  });

  test("a refused send fails with a typed error and its reason, and stays visible as failed", async () => {
    const alice = user();
    const [owner] = await started(server, user(), { live: false });
    const [aliceClient] = await started(server, alice, { live: false });
    try {
      const group = await owner.createGroup("closed", []);
      await assert.rejects(aliceClient.send(group.conversationId, "let me in"), (error: unknown) => {
        assert.ok(error instanceof PermissionDenied);
        assert.equal(error.reason, "NOT_A_MEMBER");
        return true;
      });
      assert.deepEqual(aliceClient.outbox().map((e) => e.state), ["failed"]);
    } finally {
      await Promise.all([owner.close(), aliceClient.close()]);
    }
  });

  test("a client that was away catches up from its stored cursors, in order, nothing twice", async () => {
    const alice = user();
    const bob = user();
    const storePath = join(server.directory, `${bob}.json`);
    const [aliceClient] = await started(server, alice, { live: false });
    const group = await aliceClient.createGroup("catch-up", [bob]);
    let [bobClient, bobEvents] = await started(server, bob, { store: new FileStore(storePath) });
    try {
      await aliceClient.send(group.conversationId, "m1");
      await until(() => bobEvents.messages(group.conversationId).length === 1, "bob gets m1 live");
      await bobClient.close();
      for (let n = 2; n <= 6; n++) await aliceClient.send(group.conversationId, `m${n}`);

      [bobClient, bobEvents] = await started(server, bob, { store: new FileStore(storePath) });
      await until(() => bobEvents.count("caughtUp") > 0, "caught up");
      const caughtUp = bobEvents.events.find((e) => e.type === "caughtUp");
      assert.equal(caughtUp?.type === "caughtUp" && caughtUp.messageCount, 5);
      await aliceClient.send(group.conversationId, "m7");
      const texts = await until((): string[] | undefined => {
        const messages = bobEvents.messages(group.conversationId);
        return messages.length >= 6 ? messages.map((m) => m.text) : undefined;
      }, "bob gets the missed messages then the live one");
      assert.deepEqual(texts, ["m2", "m3", "m4", "m5", "m6", "m7"]);
    } finally {
      await Promise.all([aliceClient.close(), bobClient.close()]);
    }
  });

  test("a member added to a conversation with history gets it from seq 1, in order", async () => {
    const alice = user();
    const bob = user();
    const [aliceClient] = await started(server, alice, { live: false });
    const [bobClient, bobEvents] = await started(server, bob);
    try {
      await until(() => bobEvents.count("connected") > 0, "bob connected");
      const group = await aliceClient.createGroup("history", []);
      for (let n = 1; n <= 3; n++) await aliceClient.send(group.conversationId, `before ${n}`);
      await aliceClient.addMembers(group.conversationId, [bob]);
      await aliceClient.send(group.conversationId, "after");
      const texts = await until((): string[] | undefined => {
        const messages = bobEvents.messages(group.conversationId);
        return messages.length >= 4 ? messages.map((m) => m.text) : undefined;
      }, "bob gets the history and the new message");
      assert.deepEqual(texts, ["before 1", "before 2", "before 3", "after"]);
    } finally {
      await Promise.all([aliceClient.close(), bobClient.close()]);
    }
  });

  test("an expired token is refreshed by the provider", async () => {
    const alice = user();
    let calls = 0;
    const [client] = await started(server, alice, {
      live: false,
      token: () => {
        calls += 1;
        return calls === 1 ? token(alice, -60) : token(alice);
      },
    });
    try {
      const group = await client.createGroup("refresh", []);
      assert.ok(group.conversationId);
      assert.ok(calls >= 2);
    } finally {
      await client.close();
    }
  });

  test("gRPC-Web works like Connect", async () => {
    const alice = user();
    const [client] = await started(server, alice, { live: false, transport: nodeTransport(server.baseUrl, { grpcWeb: true }) });
    try {
      const group = await client.createGroup("grpc-web", []);
      const ack = await client.send(group.conversationId, "over gRPC-Web");
      assert.equal(ack.seq, 1);
      const [latest] = await client.history(group.conversationId, { limit: 1 });
      assert.equal(latest?.text, "over gRPC-Web");
    } finally {
      await client.close();
    }
  });
});

describe("across server failures", () => {
  test("messages written while the server is down wait in the file outbox, survive a restart of the app, and go out in order", async () => {
    const server = new Server(await freePort(), await freePort());
    const alice = user();
    const storePath = join(server.directory, `${alice}.json`);
    await server.start();
    const [setup] = await started(server, alice, { live: false });
    const group = await setup.createGroup("offline", []);
    await setup.close();
    await server.stop();

    let [client] = await started(server, alice, { live: false, store: new FileStore(storePath) });
    for (let n = 1; n <= 5; n++) await client.enqueue(group.conversationId, `offline ${n}`);
    await client.close(); // the app quits with its outbox unsent
    [client] = await started(server, alice, { live: false, store: new FileStore(storePath) });
    assert.equal(client.outbox().length, 5);
    await server.start();
    try {
      await until(() => client.outbox().length === 0, "the outbox drains");
      const history = await client.history(group.conversationId, { limit: 10 });
      assert.deepEqual(history.map((m) => m.text).reverse(), [1, 2, 3, 4, 5].map((n) => `offline ${n}`));
    } finally {
      await client.close();
      await server.stop();
    }
  });

  test("a draining server's reconnect frame is obeyed: the client comes back to the restarted server", async () => {
    const server = await Server.start();
    const alice = user();
    const bob = user();
    const [aliceClient] = await started(server, alice, { live: false });
    const [bobClient, bobEvents] = await started(server, bob);
    try {
      const group = await aliceClient.createGroup("drain", [bob]);
      await until(() => bobEvents.count("connected") === 1, "bob connected");
      await server.stop(); // SIGTERM: the server drains and sends reconnect frames
      await until(() => bobEvents.count("disconnected") === 1, "bob told to go");
      await server.start();
      await until(() => bobEvents.count("connected") === 2, "bob back");
      await aliceClient.send(group.conversationId, "after the restart");
      const [message] = await until(() => {
        const messages = bobEvents.messages(group.conversationId);
        return messages.length > 0 ? messages : undefined;
      }, "bob receives live again");
      assert.equal(message?.text, "after the restart");
    } finally {
      await Promise.all([aliceClient.close(), bobClient.close()]);
      await server.stop();
    }
  });

  test("sends across a server kill -9 are delivered exactly once and in order", async () => {
    const server = await Server.start();
    const alice = user();
    const bob = user();
    const [aliceClient] = await started(server, alice, { store: new FileStore(join(server.directory, "alice.json")) });
    const [bobClient, bobEvents] = await started(server, bob);
    try {
      const group = await aliceClient.createGroup("kill -9", [bob]);
      const count = 200;
      const acks = Promise.all(
        Array.from({ length: count }, (_, i) => aliceClient.send(group.conversationId, `n${i + 1}`, { timeoutMs: 120_000 })),
      );
      await until(() => aliceClient.outbox().length < count - 20, "some sends are stored");
      await server.kill();
      await server.start();
      const acked = await acks;

      assert.deepEqual(acked.map((ack) => ack.seq), Array.from({ length: count }, (_, i) => i + 1));
      const texts = await until((): string[] | undefined => {
        const messages = bobEvents.messages(group.conversationId);
        return messages.length >= count ? messages.map((m) => m.text) : undefined;
      }, "bob receives every message", 60_000);
      assert.deepEqual(texts, Array.from({ length: count }, (_, i) => `n${i + 1}`));
      const stored = await aliceClient.history(group.conversationId, { limit: count + 10 });
      assert.equal(stored.length, count, "each message stored once");
    } finally {
      await Promise.all([aliceClient.close(), bobClient.close()]);
      await server.stop();
    }
  });
});
