import { spawn, type ChildProcess } from 'node:child_process';

/** A server started as its own process (`node --import tsx src/main.ts`, as `npm start` runs it). */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once its output matches `pattern` (at once if it already does); rejects if it ends first. */
  logged(pattern: RegExp): Promise<void>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** Spawns `command` (default: the server) and resolves once it logs that it listens. */
export function startServer(env: Record<string, string>, command: string[] = [process.execPath, '--import', 'tsx', 'src/main.ts'], options: { detached?: boolean } = {}): Promise<ServerProcess> {
  const child = spawn(command[0], command.slice(1), {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'false', REPORT_SCHEDULER: 'false', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let output = '';
  let closed = false;
  const waiters: { pattern: RegExp; resolve(): void; reject(error: Error): void }[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // 'close' comes after the last output (unlike 'exit'): a line is either seen or never will be.
  child.on('close', () => {
    closed = true;
    for (const waiter of waiters.splice(0)) waiter.reject(new Error(`ended without logging ${waiter.pattern}: ${output}`));
  });
  const logged = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(output)) resolve();
      else if (closed) reject(new Error(`ended without logging ${pattern}: ${output}`));
      else waiters.push({ pattern, resolve, reject });
    });
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const waiter of [...waiters]) {
        if (!waiter.pattern.test(output)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const match = /localhost:(\d+)\/graphql/.exec(output);
      if (match) resolve({ child, port: Number(match[1]), url: `http://127.0.0.1:${match[1]}`, output: () => output, logged, exited });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${output}`)));
  });
}

/** Runs a command to its end and returns its exit code and output. */
export function runToEnd(env: Record<string, string>, command: string[] = [process.execPath, '--import', 'tsx', 'src/main.ts']): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(command[0], command.slice(1), {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'false', REPORT_SCHEDULER: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output, ms: Date.now() - started })));
}
