import { describe, expect, it } from "vitest";
import { validateRemoteUrl } from "../../../src/controllers/mcpserverentry-url.ts";

const strict = { allowPrivateEndpoint: false };
const privateOk = { allowPrivateEndpoint: true };

describe("validateRemoteUrl", () => {
  it.each([
    "https://mcp.example.com/mcp",
    "http://mcp.example.com:8080/sse",
    "https://8.8.8.8/mcp",
    "https://[2001:db8::1]/mcp",
  ])("accepts public %s", (url) => {
    expect(validateRemoteUrl(url, strict)).toBeUndefined();
  });

  it.each(["not a url", "ftp://example.com", "https://user:pw@example.com/"])("rejects %s", (url) => {
    expect(validateRemoteUrl(url, privateOk)).toBeDefined();
  });

  it.each([
    "http://10.1.2.3/mcp",
    "http://172.20.0.1/",
    "http://192.168.1.1/",
    "http://[fd12::1]/",
    "http://svc.ns.svc.cluster.local:8080/mcp",
  ])("allows private %s only with allowPrivateEndpoint", (url) => {
    expect(validateRemoteUrl(url, strict)).toContain("private endpoint");
    expect(validateRemoteUrl(url, privateOk)).toBeUndefined();
  });

  it.each([
    "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/",
    "http://metadata.google.internal/",
    "https://kubernetes.default.svc/api",
    "http://0.0.0.0:80/",
  ])("always blocks %s", (url) => {
    expect(validateRemoteUrl(url, { allowPrivateEndpoint: true, allowLoopback: true })).toContain(
      "not allowed",
    );
  });

  it.each([
    "http://127.0.0.1:3000/mcp",
    "http://localhost/mcp",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
  ])("blocks loopback %s unless the operator allows loopback", (url) => {
    expect(validateRemoteUrl(url, privateOk)).toContain("loopback");
    expect(validateRemoteUrl(url, { allowPrivateEndpoint: false, allowLoopback: true })).toBeUndefined();
  });
});
