// Composite workflows against real SDK backends over Streamable HTTP (see harness.ts).
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { CompositeToolConfigSchema } from "@vmcp/shared-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CompositeValidationFailure,
  createCompositeTools,
  runWorkflow,
  WorkflowError,
} from "../../../src/composite/index.ts";
import type { Register } from "../../fixtures/backend.ts";
import { type Front, type Stack, startFront, startStack, until } from "./harness.ts";

/** Backend-side record of what happened, shared by every session of the backend. */
const events: string[] = [];
const flakyAttempts = new Map<string, number>();
let inFlight = 0;
const barrierWaiters: (() => void)[] = [];
let work = { inFlight: 0, max: 0, started: 0 };
let workWaiters: (() => void)[] = [];

const json = (v: Record<string, unknown>): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(v) }],
  structuredContent: v,
});

const registerAlpha: Register = (server) => {
  server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }) => {
    events.push(`echo:${text}`);
    return json({ text });
  });
  server.registerTool("add", { inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) =>
    json({ sum: a + b }),
  );
  server.registerTool("list", { inputSchema: {} }, async () => json({ items: ["a", "b", "c", "d", "e"] }));
  // Returns only once `n` calls are in flight together: a sequential run would never get past it.
  server.registerTool("barrier", { inputSchema: { id: z.string(), n: z.number() } }, async ({ id, n }) => {
    events.push(`start:${id}`);
    inFlight++;
    await new Promise<void>((resolve) => {
      barrierWaiters.push(resolve);
      if (inFlight >= n) for (const w of barrierWaiters.splice(0)) w();
    });
    inFlight--;
    events.push(`end:${id}`);
    return json({ id });
  });
  // Holds each call until `limit` calls overlap (or every item has started), recording the peak.
  server.registerTool(
    "work",
    { inputSchema: { item: z.string(), limit: z.number(), total: z.number() } },
    async ({ item, limit, total }) => {
      work.inFlight++;
      work.started++;
      work.max = Math.max(work.max, work.inFlight);
      await new Promise<void>((resolve) => {
        workWaiters.push(resolve);
        if (work.inFlight >= limit || work.started >= total) for (const w of workWaiters.splice(0)) w();
      });
      work.inFlight--;
      return json({ done: item.toUpperCase() });
    },
  );
  server.registerTool("flaky", { inputSchema: { key: z.string() } }, async ({ key }) => {
    const n = (flakyAttempts.get(key) ?? 0) + 1;
    flakyAttempts.set(key, n);
    if (n === 1) return { isError: true, content: [{ type: "text", text: "transient failure" }] };
    return json({ attempts: n });
  });
  server.registerTool("fail", { inputSchema: {} }, async () => ({
    isError: true,
    content: [{ type: "text", text: "boom" }],
  }));
  server.registerTool("hang", { inputSchema: { tag: z.string() } }, async ({ tag }, extra) => {
    events.push(`hang:${tag}`);
    await new Promise<void>((resolve) =>
      extra.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    events.push(`aborted:${tag}`);
    return json({ never: true });
  });
  server.registerTool("secret", { inputSchema: {} }, async () => json({ secret: "s3" }));
  // Text only, no structuredContent: workflows read it through .output.text and fromJson.
  server.registerTool("plain", { inputSchema: {} }, async () => ({
    content: [{ type: "text", text: '{"n":7,"tags":["x","y"]}' }],
  }));
};

const registerBeta: Register = (server) => {
  server.registerTool(
    "greet",
    { inputSchema: { name: z.string(), times: z.number() } },
    async ({ name, times }) => json({ greeting: `hi ${name}`.repeat(times) }),
  );
};

let stack: Stack;

beforeAll(async () => {
  stack = await startStack(
    [
      { name: "alpha", register: registerAlpha },
      { name: "beta", register: registerBeta },
    ],
    // "secret" is hidden from clients; workflows must still reach it.
    {
      tools: [
        {
          workload: "alpha",
          filter: ["echo", "add", "list", "barrier", "work", "flaky", "fail", "hang", "plain"],
        },
      ],
    },
  );
});

afterAll(async () => {
  await stack?.close();
});

const def = (d: unknown) => CompositeToolConfigSchema.parse(d);
const run = (d: unknown, params: Record<string, unknown> = {}, signal?: AbortSignal) =>
  runWorkflow(def(d), params, stack.invoker(), { signal });

describe("composite workflows on real backends", () => {
  it("runs a sequential chain, passing outputs forward and coercing strings to schema types", async () => {
    const out = await run(
      {
        name: "chain",
        parameters: { type: "object", properties: { x: { type: "string" } }, required: ["x"] },
        steps: [
          { id: "first", tool: "alpha_add", arguments: { a: "{{.params.x}}", b: 2 } },
          {
            id: "second",
            tool: "alpha.add",
            dependsOn: ["first"],
            arguments: { a: "{{.steps.first.output.sum}}", b: "{{.steps.first.output.sum}}" },
          },
          {
            id: "third",
            tool: "beta_greet",
            dependsOn: ["second"],
            arguments: { name: "n{{.steps.second.output.sum}}", times: "1" },
          },
        ],
      },
      { x: "3" },
    );
    expect(out).toEqual({ greeting: "hi n10" });
  });

  it("calls a tool hidden from clients, by its routed name and by <workload>.<tool>", async () => {
    expect(stack.view.tools.map((t) => t.name)).not.toContain("alpha_secret");
    const out = await run({
      name: "hidden",
      steps: [
        { id: "a", tool: "alpha_secret" },
        { id: "b", tool: "alpha.secret", dependsOn: ["a"] },
      ],
      output: {
        properties: {
          first: { type: "string", value: "{{.steps.a.output.secret}}" },
          second: { type: "string", value: "{{.steps.b.output.secret}}" },
        },
      },
    });
    expect(out).toEqual({ first: "s3", second: "s3" });
  });

  it("runs independent steps in parallel and joins them", async () => {
    events.length = 0;
    const out = await run({
      name: "fanout",
      steps: [
        { id: "p1", tool: "alpha_barrier", arguments: { id: "p1", n: 3 } },
        { id: "p2", tool: "alpha_barrier", arguments: { id: "p2", n: 3 } },
        { id: "p3", tool: "alpha_barrier", arguments: { id: "p3", n: 3 } },
        {
          id: "join",
          tool: "alpha_echo",
          dependsOn: ["p1", "p2", "p3"],
          arguments: { text: "{{.steps.p1.output.id}}+{{.steps.p2.output.id}}+{{.steps.p3.output.id}}" },
        },
      ],
    });
    expect(out).toEqual({ text: "p1+p2+p3" });
    // All three started before any ended: they overlapped in the backend.
    const firstEnd = events.findIndex((e) => e.startsWith("end:"));
    expect(
      events
        .slice(0, firstEnd)
        .filter((e) => e.startsWith("start:"))
        .sort(),
    ).toEqual(["start:p1", "start:p2", "start:p3"]);
    expect(events.at(-1)).toBe("echo:p1+p2+p3");
  });

  it("runs at most 10 independent steps at once", async () => {
    work = { inFlight: 0, max: 0, started: 0 };
    workWaiters = [];
    const steps = Array.from({ length: 12 }, (_, i) => ({
      id: `s${i}`,
      tool: "alpha_work",
      arguments: { item: `i${i}`, limit: 10, total: 12 },
    }));
    await run({ name: "wide", steps });
    expect(work.started).toBe(12);
    expect(work.max).toBe(10);
  });

  it("skips a step whose condition is false and hands its defaultResults downstream", async () => {
    events.length = 0;
    const out = await run(
      {
        name: "cond",
        parameters: { type: "object", properties: { mode: { type: "string", default: "dry" } } },
        steps: [
          {
            id: "apply",
            tool: "alpha_echo",
            condition: '{{ eq .params.mode "apply" }}',
            arguments: { text: "applied" },
            defaultResults: { text: "skipped-default" },
          },
          {
            id: "report",
            tool: "alpha_echo",
            dependsOn: ["apply"],
            arguments: { text: "{{.steps.apply.status}}:{{.steps.apply.output.text}}" },
          },
        ],
      },
      {},
    );
    expect(out).toEqual({ text: "skipped:skipped-default" });
    expect(events).toEqual(["echo:skipped:skipped-default"]);
  });

  it("retries a failing step and succeeds on the second try", async () => {
    flakyAttempts.clear();
    const out = await run({
      name: "retry",
      steps: [
        {
          id: "f",
          tool: "alpha_flaky",
          arguments: { key: "k1" },
          onError: { action: "retry", retryCount: 3, retryDelay: "10ms" },
        },
      ],
    });
    expect(out).toEqual({ attempts: 2 });
    expect(flakyAttempts.get("k1")).toBe(2);
  });

  it("continues after a failure, with the failed step's defaultResults and error visible", async () => {
    const out = await run({
      name: "cont",
      steps: [
        {
          id: "bad",
          tool: "alpha_fail",
          onError: { action: "continue" },
          defaultResults: { value: "fallback" },
        },
        {
          id: "after",
          tool: "alpha_echo",
          dependsOn: ["bad"],
          arguments: { text: "{{.steps.bad.status}}|{{.steps.bad.output.value}}|{{.steps.bad.error}}" },
        },
      ],
    });
    expect(out).toEqual({ text: "failed|fallback|tool alpha_fail: boom" });
  });

  it("reads text-only results with fromJson and coerces them for the next tool", async () => {
    const out = await run({
      name: "plaintext",
      steps: [
        { id: "p", tool: "alpha_plain" },
        {
          id: "sum",
          tool: "alpha_add",
          dependsOn: ["p"],
          arguments: {
            a: "{{ (fromJson .steps.p.output.text).n }}",
            b: "{{ len (fromJson .steps.p.content.text).tags }}",
          },
        },
      ],
    });
    expect(out).toEqual({ sum: 9 });
  });

  it("reports retries that never succeed, and treats a step timeout under continue as a failure", async () => {
    const err = await run({
      name: "exhaust",
      steps: [
        { id: "f", tool: "alpha_fail", onError: { action: "retry", retryCount: 2, retryDelay: "5ms" } },
      ],
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('step "f" failed: tool alpha_fail: boom (after 3 attempts)');

    const out = await run({
      name: "slowcontinue",
      steps: [
        {
          id: "slow",
          tool: "alpha_hang",
          arguments: { tag: "t2" },
          timeout: "100ms",
          onError: { action: "continue" },
          defaultResults: { fallback: true },
        },
        {
          id: "next",
          tool: "alpha_echo",
          dependsOn: ["slow"],
          arguments: { text: "{{.steps.slow.status}} {{.steps.slow.output.fallback}} {{.steps.slow.error}}" },
        },
      ],
    });
    expect(out).toEqual({ text: 'failed true step "slow" timed out after 100ms' });
  });

  it("continues past failed forEach iterations when the inner step says so", async () => {
    const out = await run({
      name: "eachcontinue",
      steps: [
        {
          id: "each",
          type: "forEach",
          collection: '[{"t":"fail"},{"t":"echo"}]',
          step: { type: "tool", tool: "alpha_echo", arguments: { text: "{{.forEach.item.t}}" } },
        },
        {
          id: "mixed",
          type: "forEach",
          collection: '["alpha_fail","alpha_echo"]',
          step: { type: "tool", tool: "alpha_fail", onError: { action: "continue" } },
        },
      ],
      output: {
        properties: {
          echoed: { type: "array", value: "{{ .steps.each.output.iterations }}" },
          failed: { type: "integer", value: "{{ .steps.mixed.output.failed }}" },
        },
      },
    });
    expect(out).toEqual({ echoed: [{ text: "fail" }, { text: "echo" }], failed: 2 });
  });

  it("aborts on failure with an error naming the step, without running dependents", async () => {
    events.length = 0;
    const err = await run({
      name: "abort",
      steps: [
        { id: "explode", tool: "alpha_fail" },
        { id: "never", tool: "alpha_echo", dependsOn: ["explode"], arguments: { text: "x" } },
      ],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowError);
    expect((err as WorkflowError).step).toBe("explode");
    expect((err as Error).message).toBe('step "explode" failed: tool alpha_fail: boom');
    expect(events).toEqual([]);
  });

  it("runs forEach over a templated collection with at most maxParallel calls at once", async () => {
    work = { inFlight: 0, max: 0, started: 0 };
    workWaiters = [];
    const out = await run({
      name: "loop",
      steps: [
        { id: "src", tool: "alpha_list" },
        {
          id: "each",
          type: "forEach",
          dependsOn: ["src"],
          collection: "{{ json .steps.src.output.items }}",
          itemVar: "letter",
          maxParallel: 2,
          step: {
            type: "tool",
            tool: "alpha_work",
            arguments: { item: "{{.forEach.letter}}{{.forEach.index}}", limit: 2, total: 5 },
          },
        },
      ],
      output: {
        properties: {
          results: { type: "array", value: "{{ json .steps.each.output.iterations }}" },
          count: { type: "integer", value: "{{ .steps.each.output.count }}" },
        },
        required: ["results"],
      },
    });
    expect(out).toEqual({
      results: [{ done: "A0" }, { done: "B1" }, { done: "C2" }, { done: "D3" }, { done: "E4" }],
      count: 5,
    });
    expect(work.max).toBe(2);
  });

  it("refuses a forEach collection larger than maxIterations", async () => {
    const err = await run({
      name: "toolong",
      steps: [
        { id: "src", tool: "alpha_list" },
        {
          id: "each",
          type: "forEach",
          dependsOn: ["src"],
          collection: "{{ .steps.src.output.items }}",
          maxIterations: 3,
          step: { type: "tool", tool: "alpha_echo", arguments: { text: "{{.forEach.item}}" } },
        },
      ],
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      'step "each" failed: collection has 5 items, more than maxIterations 3',
    );
  });

  it("times out one step and aborts the backend call", async () => {
    events.length = 0;
    const err = await run({
      name: "steptimeout",
      steps: [{ id: "slow", tool: "alpha_hang", arguments: { tag: "s1" }, timeout: "200ms" }],
    }).catch((e: unknown) => e);
    expect((err as WorkflowError).kind).toBe("timeout");
    expect((err as WorkflowError).step).toBe("slow");
    expect((err as Error).message).toBe('step "slow" timed out after 200ms');
    await until(() => events.includes("aborted:s1"));
  });

  it("times out the whole workflow", async () => {
    events.length = 0;
    const err = await run({
      name: "wftimeout",
      timeout: "300ms",
      steps: [
        { id: "quick", tool: "alpha_echo", arguments: { text: "ok" } },
        { id: "slow", tool: "alpha_hang", dependsOn: ["quick"], arguments: { tag: "w1" } },
      ],
    }).catch((e: unknown) => e);
    expect((err as WorkflowError).kind).toBe("timeout");
    expect((err as Error).message).toBe('workflow "wftimeout" timed out after 300ms');
    await until(() => events.includes("aborted:w1"));
  });

  it("stops when the caller cancels, and cancels the in-flight backend call", async () => {
    events.length = 0;
    const ctl = new AbortController();
    const p = run(
      { name: "cancel", steps: [{ id: "slow", tool: "alpha_hang", arguments: { tag: "c1" } }] },
      {},
      ctl.signal,
    );
    await until(() => events.includes("hang:c1"));
    ctl.abort();
    const err = await p.catch((e: unknown) => e);
    expect((err as WorkflowError).kind).toBe("cancelled");
    await until(() => events.includes("aborted:c1"));
  });
});

describe("composite tools served to a real MCP client", () => {
  let front: Front;
  let answer: () => { action: "accept" | "decline" | "cancel"; content?: Record<string, string> };
  const asked: string[] = [];

  const confirmFlow = (onDecline: string, onCancel: string) => ({
    name: `confirm_${onDecline}_${onCancel}`,
    description: "asks before echoing",
    parameters: { type: "object", properties: { env: { type: "string" } }, required: ["env"] },
    annotations: { destructiveHint: true },
    steps: [
      {
        id: "ask",
        type: "elicitation",
        message: "Deploy to {{.params.env}}?",
        schema: { type: "object", properties: { reason: { type: "string" } } },
        onDecline: { action: onDecline },
        onCancel: { action: onCancel },
      },
      {
        id: "do",
        tool: "alpha_echo",
        dependsOn: ["ask"],
        arguments: { text: "{{.steps.ask.output.action}}:{{.steps.ask.output.content.reason}}" },
      },
    ],
  });

  beforeAll(async () => {
    front = await startFront(
      stack,
      [confirmFlow("continue", "abort"), confirmFlow("skip_remaining", "skip_remaining")],
      (message) => {
        asked.push(message);
        return answer();
      },
    );
  });
  afterAll(async () => {
    await front?.close();
  });

  it("advertises composite tools with their parameters and annotations", async () => {
    const { tools } = await front.client.listTools();
    const t = tools.find((x) => x.name === "confirm_continue_abort");
    expect(t?.inputSchema).toEqual({
      type: "object",
      properties: { env: { type: "string" } },
      required: ["env"],
    });
    // Derived from the steps (alpha_echo declares nothing, so MCP's cautious defaults apply).
    expect(t?.annotations).toEqual({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    });
    expect(t?.description).toBe("asks before echoing");
  });

  it("elicitation accepted: the answer flows into the next step", async () => {
    events.length = 0;
    answer = () => ({ action: "accept", content: { reason: "release" } });
    const r = (await front.client.callTool({
      name: "confirm_continue_abort",
      arguments: { env: "prod" },
    })) as CallToolResult;
    expect(asked.at(-1)).toBe("Deploy to prod?");
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ text: "accept:release" });
    expect(JSON.parse((r.content[0] as { text: string }).text)).toEqual({ text: "accept:release" });
  });

  it("elicitation declined with onDecline continue: the workflow goes on", async () => {
    answer = () => ({ action: "decline" });
    const r = (await front.client.callTool({
      name: "confirm_continue_abort",
      arguments: { env: "dev" },
    })) as CallToolResult;
    expect(r.structuredContent).toEqual({ text: "decline:<no value>" });
  });

  it("elicitation cancelled with onCancel abort: the call fails naming the step", async () => {
    events.length = 0;
    answer = () => ({ action: "cancel" });
    const r = (await front.client.callTool({
      name: "confirm_continue_abort",
      arguments: { env: "dev" },
    })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect((r.content[0] as { text: string }).text).toBe(
      'composite tool "confirm_continue_abort": step "ask": the user cancelled the elicitation',
    );
    expect(events).toEqual([]);
  });

  it("elicitation declined with skip_remaining: later steps do not run, the call succeeds", async () => {
    events.length = 0;
    answer = () => ({ action: "decline" });
    const r = (await front.client.callTool({
      name: "confirm_skip_remaining_skip_remaining",
      arguments: { env: "dev" },
    })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ action: "decline", content: {} });
    expect(events).toEqual([]);
  });

  it("a parameter of the wrong type is a tool error, before any step runs", async () => {
    asked.length = 0;
    const r = (await front.client.callTool({
      name: "confirm_continue_abort",
      arguments: { env: 42 },
    })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect((r.content[0] as { text: string }).text).toContain(
      "invalid parameters: params/env must be string",
    );
    expect(asked).toEqual([]);
  });

  it("accepted elicitation content that does not match the step's schema fails the step", async () => {
    answer = () => ({ action: "accept", content: { reason: 7 as unknown as string } });
    const r = (await front.client.callTool({
      name: "confirm_continue_abort",
      arguments: { env: "prod" },
    })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect((r.content[0] as { text: string }).text).toContain('step "ask"');
    expect((r.content[0] as { text: string }).text).toContain("content/reason must be string");
  });

  it("a missing required parameter is a tool error", async () => {
    const r = (await front.client.callTool({
      name: "confirm_continue_abort",
      arguments: {},
    })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect((r.content[0] as { text: string }).text).toContain("missing required parameter(s): env");
  });
});

describe("startup validation", () => {
  const messages = (defs: unknown[]) => {
    try {
      createCompositeTools(defs, { toolExists: stack.toolExists });
      return [];
    } catch (e) {
      expect(e).toBeInstanceOf(CompositeValidationFailure);
      return (e as CompositeValidationFailure).problems.flatMap((p) =>
        p.errors.map((x) => `${x.reason}: ${x.message}`),
      );
    }
  };

  it("rejects a dependency cycle", () => {
    expect(
      messages([
        {
          name: "cyc",
          steps: [
            { id: "a", tool: "alpha_echo", dependsOn: ["b"] },
            { id: "b", tool: "alpha_echo", dependsOn: ["a"] },
          ],
        },
      ]),
    ).toEqual(["DependencyCycle: dependency cycle: a -> b -> a"]);
  });

  it("rejects a dependency on a missing step", () => {
    expect(
      messages([{ name: "dep", steps: [{ id: "a", tool: "alpha_echo", dependsOn: ["ghost"] }] }]),
    ).toEqual(['SchemaInvalid: step "a" depends on unknown step "ghost"']);
  });

  it("rejects a template that does not parse, with its location", () => {
    expect(
      messages([
        {
          name: "tpl",
          steps: [{ id: "a", tool: "alpha_echo", arguments: { text: "{{ .params.x | nope }}" } }],
        },
      ]),
    ).toEqual([
      'TemplateInvalid: steps[a].arguments.text: invalid template: template: 1:16: function "nope" not defined',
    ]);
  });

  it("rejects a step calling an unknown tool, but accepts hidden and dotted refs", () => {
    expect(messages([{ name: "unk", steps: [{ id: "a", tool: "alpha_nothere" }] }])).toEqual([
      'ToolNotFound: step "a" calls unknown tool "alpha_nothere" (neither a routed tool name nor <workload>.<tool>)',
    ]);
    expect(
      messages([
        {
          name: "ok",
          steps: [
            { id: "a", tool: "alpha_secret" },
            { id: "b", tool: "beta.greet" },
          ],
        },
      ]),
    ).toEqual([]);
  });
});
