// A small chat page on the SDK: sign in with a token, list conversations, send, receive live,
// see receipts, presence and typing. Unsent messages stay in IndexedDB across a reload.
import {
  type ClientEvent,
  type Conversation,
  IndexedDbStore,
  type Message,
  OpenChatClient,
  connectTransport,
} from "../../typescript-sdk/src/web.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

let client: OpenChatClient | undefined;
let me = "";
let selected: string | undefined;
let lastTyping = 0;
const conversations = new Map<string, Conversation>();
const messages = new Map<string, Message[]>();
// conversation -> member -> highest seq delivered to / read by them
const delivered = new Map<string, Map<string, number>>();
const read = new Map<string, Map<string, number>>();
const online = new Map<string, boolean>();
const typing = new Map<string, string>();

function subjectOf(token: string): string {
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))).sub as string;
}

function deviceId(): string {
  let id = localStorage.getItem("openchat.device");
  if (!id) {
    id = `browser-${crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem("openchat.device", id);
  }
  return id;
}

async function signIn(server: string, token: string): Promise<void> {
  localStorage.setItem("openchat.server", server);
  localStorage.setItem("openchat.token", token);
  me = subjectOf(token);
  const device = deviceId();
  client = new OpenChatClient({
    transport: connectTransport(server),
    token,
    deviceId: device,
    store: new IndexedDbStore(`openchat-${me}-${device}`),
    reconnect: { initialMs: 250, multiplier: 2, capMs: 5_000 },
  });
  client.on(onEvent);
  await client.start();
  // Back online: reconnect now rather than after the backoff.
  window.addEventListener("online", () => client?.reconnect());
  $("signin").style.display = "none";
  $("chat").style.display = "flex";
  $("me").textContent = me;
  // The last list seen, so that a page opened offline shows it (and its unsent messages).
  for (const conversation of JSON.parse(localStorage.getItem(cacheKey()) ?? "[]") as Conversation[]) {
    conversations.set(conversation.conversationId, conversation);
  }
  renderConversations();
  await refreshConversations();
}

function cacheKey(): string {
  return `openchat.conversations.${me}`;
}

async function refreshConversations(): Promise<void> {
  if (!client) return;
  for (const conversation of await client.listConversations()) {
    conversations.set(conversation.conversationId, conversation);
  }
  localStorage.setItem(cacheKey(), JSON.stringify([...conversations.values()]));
  renderConversations();
}

function record(map: Map<string, Map<string, number>>, conversationId: string, userId: string, seq: number): void {
  const members = map.get(conversationId) ?? new Map<string, number>();
  members.set(userId, Math.max(seq, members.get(userId) ?? 0));
  map.set(conversationId, members);
}

function onEvent(event: ClientEvent): void {
  switch (event.type) {
    case "connected":
      $("connection").textContent = "online";
      $("connection").className = "online";
      break;
    case "disconnected":
      $("connection").textContent = "offline";
      $("connection").className = "offline";
      break;
    case "message": {
      const { message } = event;
      const list = messages.get(message.conversationId) ?? [];
      list.push(message);
      messages.set(message.conversationId, list);
      if (!conversations.has(message.conversationId)) void refreshConversations();
      if (message.conversationId === selected && message.senderId !== me) {
        void client?.markRead(message.conversationId, message.seq);
      }
      typing.delete(message.conversationId);
      break;
    }
    case "receipt": {
      const { receipt } = event;
      record(receipt.kind === "read" ? read : delivered, receipt.conversationId, receipt.userId, receipt.seq);
      break;
    }
    case "presence":
      online.set(event.presence.userId, event.presence.online);
      break;
    case "typing":
      if (event.typing.typing) typing.set(event.typing.conversationId, event.typing.userId);
      else typing.delete(event.typing.conversationId);
      break;
    default:
      break;
  }
  render();
}

function statusOf(conversationId: string, seq: number): string {
  const readers = [...(read.get(conversationId) ?? new Map()).values()];
  if (readers.some((s) => s >= seq)) return "read";
  const receivers = [...(delivered.get(conversationId) ?? new Map()).values()];
  if (receivers.some((s) => s >= seq)) return "delivered";
  return "sent";
}

function renderConversations(): void {
  const list = $("conversations");
  list.replaceChildren(
    ...[...conversations.values()].map((conversation) => {
      const item = document.createElement("div");
      item.className = `conversation${conversation.conversationId === selected ? " selected" : ""}`;
      item.dataset.id = conversation.conversationId;
      const others = conversation.memberIds.filter((id) => id !== me);
      item.textContent = conversation.title || others.join(", ");
      item.onclick = () => void select(conversation.conversationId);
      return item;
    }),
  );
}

async function select(conversationId: string): Promise<void> {
  selected = conversationId;
  const conversation = conversations.get(conversationId);
  const others = (conversation?.memberIds ?? []).filter((id) => id !== me);
  renderConversations();
  render();
  await client?.watchPresence(others);
  const last = (messages.get(conversationId) ?? []).at(-1);
  if (last) await client?.markRead(conversationId, last.seq);
}

function render(): void {
  if (!client || selected === undefined) return;
  const conversation = conversations.get(selected);
  const others = (conversation?.memberIds ?? []).filter((id) => id !== me);
  $("title").textContent = conversation?.title || others.join(", ");
  $("presence").replaceChildren(
    ...others.map((id) => {
      const badge = document.createElement("span");
      const isOnline = online.get(id) ?? false;
      badge.className = isOnline ? "online" : "offline";
      badge.dataset.user = id;
      badge.textContent = ` ● ${id} ${isOnline ? "online" : "offline"}`;
      return badge;
    }),
  );
  const who = typing.get(selected);
  $("typing").textContent = who ? `${who} is typing…` : "";
  const items: HTMLElement[] = [];
  for (const message of messages.get(selected) ?? []) {
    const mine = message.senderId === me;
    items.push(bubble(message.text, mine ? "mine" : "", mine ? statusOf(selected, message.seq) : message.senderId, message.seq));
  }
  for (const entry of client.outbox()) {
    if (entry.conversationId === selected) items.push(bubble(entry.text, `mine ${entry.state}`, entry.state));
  }
  $("messages").replaceChildren(...items);
}

function bubble(text: string, className: string, status: string, seq?: number): HTMLElement {
  const item = document.createElement("li");
  item.className = className;
  if (seq !== undefined) item.dataset.seq = String(seq);
  item.dataset.text = text;
  item.dataset.status = status;
  const body = document.createElement("span");
  body.className = "bubble";
  body.textContent = text;
  const note = document.createElement("span");
  note.className = "status";
  note.textContent = status;
  item.append(body, note);
  return item;
}

$("signin").addEventListener("submit", (event) => {
  event.preventDefault();
  void signIn($<HTMLInputElement>("server").value, $<HTMLInputElement>("token").value);
});

$("compose").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>("text");
  if (!client || selected === undefined || !input.value) return;
  // The outbox event renders it as pending; its ack as sent (or failed).
  void client.send(selected, input.value).catch(() => undefined);
  input.value = "";
});

$("text").addEventListener("input", () => {
  if (!client || selected === undefined || Date.now() - lastTyping < 3_000) return;
  lastTyping = Date.now();
  void client.setTyping(selected, true);
});

$("new-group").addEventListener("submit", (event) => {
  event.preventDefault();
  const members = $<HTMLInputElement>("group-members").value.split(",").map((m) => m.trim()).filter(Boolean);
  void client?.createGroup(`${[me, ...members].join(", ")}`, members).then(async (group) => {
    conversations.set(group.conversationId, group);
    await select(group.conversationId);
  });
});

const params = new URLSearchParams(location.search);
$<HTMLInputElement>("server").value = params.get("server") ?? localStorage.getItem("openchat.server") ?? "http://127.0.0.1:8080";
const saved = localStorage.getItem("openchat.token");
if (saved) void signIn($<HTMLInputElement>("server").value, saved);
