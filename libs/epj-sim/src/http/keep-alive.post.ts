import http from 'node:http';
import https from 'node:https';

/** What the EPJ's HTTP clients read of an answer: the part of fetch's `Response` they use. */
export interface PostResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  json(): Promise<unknown>;
}

export interface PostInit {
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A POST: `keepAlivePost()` in service, a fake (or fetch, which fits) in unit tests. */
export type PostFn = (url: string | URL, init: PostInit) => Promise<PostResponse>;

export interface KeepAlivePostOptions {
  /** Connections kept per host (the adapters' consumer works on up to 6 × 16 events at once). */
  readonly maxSockets?: number;
  /** No answer within this → the request is aborted and the call rejects (the caller's retry decides). */
  readonly timeoutMs?: number;
}

/** Answers larger than this are refused: intake and Profil's import answer with a few hundred bytes of JSON. */
const MAX_ANSWER_BYTES = 1 << 20;

/**
 * POSTs over `node:http`/`node:https` with keep-alive connections. The adapters post every AppRec
 * to intake (and the Profil adapter every document to Profil's import too); Node's global fetch
 * (undici) cost about 300 µs of CPU per 2 kB POST against 90 µs for this on one machine
 * (docs/benchmarks.md), and showed as 7–12 % of the adapters' profiles under load.
 */
export function keepAlivePost(opts: KeepAlivePostOptions = {}): PostFn {
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 32 };
  const transports: Record<string, { agent: http.Agent; request: typeof http.request }> = {
    'http:': { agent: new http.Agent(agentOptions), request: http.request },
    'https:': { agent: new https.Agent(agentOptions), request: https.request },
  };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return (url, init) =>
    new Promise<PostResponse>((resolve, reject) => {
      const target = typeof url === 'string' ? new URL(url) : url;
      const transport = transports[target.protocol];
      if (!transport) return reject(new Error(`unsupported protocol ${target.protocol}`));
      const body = Buffer.from(init.body, 'utf8');
      const req = transport.request(target, { method: init.method, agent: transport.agent, headers: { ...init.headers, 'content-length': String(body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          resolve({ ok: status >= 200 && status < 300, status, statusText: res.statusMessage ?? '', json: async () => JSON.parse(text) as unknown });
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
}
