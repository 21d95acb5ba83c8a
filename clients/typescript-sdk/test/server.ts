/** A real OpenChat server for the tests: `openchat-server serve` from the repository's .venv as a
 * child process, SQLite in a temporary directory, its web listener on a free loopback port. */
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPOSITORY = resolve(import.meta.dirname, "../../../..");
const SERVER = join(REPOSITORY, ".venv/bin/openchat-server");
export const SECRET = "typescript-sdk-tests-secret-0123456789abcdef";

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

/** An HS256 token for `userId`, as `openchat-server token` makes. */
export function token(userId: string, ttlSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const claims = base64url(JSON.stringify({ sub: userId, iat: now, exp: now + ttlSeconds }));
  const signature = createHmac("sha256", SECRET).update(`${header}.${claims}`).digest("base64url");
  return `${header}.${claims}.${signature}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

export class Server {
  private child: ChildProcess | undefined;
  readonly directory = mkdtempSync(join(tmpdir(), "openchat-sdk-"));

  constructor(
    readonly webPort: number,
    readonly grpcPort: number,
    private readonly env: Record<string, string> = {},
  ) {}

  static async start(env: Record<string, string> = {}): Promise<Server> {
    const server = new Server(await freePort(), await freePort(), env);
    await server.start();
    return server;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.webPort}`;
  }

  /** Starts the server (again, on the same ports and database) and waits until it serves. */
  async start(): Promise<void> {
    const { OPENCHAT_REDIS_URL: _ignored, ...inherited } = process.env;
    const child = spawn(SERVER, ["serve"], {
      env: {
        ...inherited,
        OPENCHAT_LISTEN: `127.0.0.1:${this.grpcPort}`,
        OPENCHAT_WEB_LISTEN: `127.0.0.1:${this.webPort}`,
        OPENCHAT_METRICS_LISTEN: "",
        OPENCHAT_DATABASE_URL: `sqlite+aiosqlite:///${join(this.directory, "openchat.db")}`,
        OPENCHAT_JWT_SECRET: SECRET,
        OPENCHAT_LOG_FORMAT: "json",
        ...this.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    await new Promise<void>((resolveStart, reject) => {
      let output = "";
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('"web_serving"')) {
          child.stdout?.off("data", onData);
          child.stderr?.off("data", onData);
          resolveStart();
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => reject(new Error(`the server exited (${code}) before serving:\n${output}`)));
    });
    // Keep reading so that a full pipe never blocks the server.
    child.stdout?.resume();
    child.stderr?.resume();
  }

  /** kill -9: no drain, no goodbye. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
    child.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
    child.kill("SIGTERM");
    await exited;
  }
}

/** Waits until `probe()` is truthy, failing after `withinMs`. */
export async function until<T>(
  probe: () => T | Promise<T>,
  what: string,
  withinMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const result = await probe();
    if (result) return result as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`not true within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
