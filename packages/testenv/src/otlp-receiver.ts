// A small OTLP/HTTP receiver on 127.0.0.1 for tests and benchmarks: it accepts what an
// OpenTelemetry exporter POSTs to /v1/traces and /v1/metrics as JSON (the JS exporters' encoding)
// and keeps the spans and metric names, bounded; or, with `discard`, just answers.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** 1 internal, 2 server, 3 client (OTLP SpanKind). */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  resource: Record<string, string | number | boolean>;
}

export interface OtlpReceiver {
  /** Base URL to put in config.telemetry.endpoint (the exporter appends /v1/traces). */
  url: string;
  spans: ReceivedSpan[];
  metricNames: Set<string>;
  /** Request headers of the last export (to check the configured collector headers). */
  lastHeaders: () => IncomingMessage["headers"] | undefined;
  /** Resolves when `predicate` holds for the spans received so far. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

const MAX_SPANS = 10_000;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}

function attributes(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    const v = value.stringValue ?? value.boolValue ?? value.doubleValue ?? value.intValue;
    if (v !== undefined) out[key] = typeof v === "string" && value.intValue !== undefined ? Number(v) : v;
  }
  return out;
}

interface TracesBody {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: KeyValue[];
        status?: { code?: number };
      }[];
    }[];
  }[];
}
interface MetricsBody {
  resourceMetrics?: { scopeMetrics?: { metrics?: { name: string }[] }[] }[];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("OTLP body too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function startOtlpReceiver(o: { discard?: boolean } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metricNames = new Set<string>();
  let lastHeaders: IncomingMessage["headers"] | undefined;
  const waiters = new Set<() => void>();

  const server: Server = createServer((req, res) => {
    const answer = (status: number) =>
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
    if (o.discard) {
      req.resume();
      req.on("end", () => answer(200));
      return;
    }
    readBody(req)
      .then((text) => {
        lastHeaders = req.headers;
        if (!String(req.headers["content-type"]).includes("json")) return answer(415);
        if (req.url === "/v1/traces") {
          for (const rs of (JSON.parse(text) as TracesBody).resourceSpans ?? []) {
            const resource = attributes(rs.resource?.attributes);
            for (const ss of rs.scopeSpans ?? [])
              for (const s of ss.spans ?? []) {
                if (spans.length >= MAX_SPANS) break;
                spans.push({
                  traceId: s.traceId,
                  spanId: s.spanId,
                  parentSpanId: s.parentSpanId ?? "",
                  name: s.name,
                  kind: s.kind,
                  attributes: attributes(s.attributes),
                  statusCode: s.status?.code ?? 0,
                  resource,
                });
              }
          }
        } else if (req.url === "/v1/metrics") {
          for (const rm of (JSON.parse(text) as MetricsBody).resourceMetrics ?? [])
            for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) metricNames.add(m.name);
        } else return answer(404);
        answer(200);
        for (const w of waiters) w();
      })
      // A body too large or not JSON: answered, never an unhandled rejection in the test process.
      .catch(() => {
        if (!res.headersSent) answer(400);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metricNames,
    lastHeaders: () => lastHeaders,
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(spans)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(spans);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`OTLP receiver: condition not met in ${timeoutMs} ms; ${spans.length} spans`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
