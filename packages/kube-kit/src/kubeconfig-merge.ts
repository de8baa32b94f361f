import { dirname, isAbsolute, resolve } from "node:path";
import { parseDocument } from "yaml";
import * as z from "zod";

// The pure half of kubeconfig.ts: a kubeconfig's text checked, several files merged the way
// client-go merges them, and the current context turned into what a connection needs. No I/O
// here, so every rule is unit-testable without files.

export class KubeconfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KubeconfigError";
  }
}

// A *-data field decoded with Buffer.from would silently drop stray characters: say so instead.
const base64 = z.string().regex(/^[A-Za-z0-9+/=\s]*$/, "not base64");

// Loose objects: a kubeconfig carries fields this reader does not use (extensions, namespace,
// preferences) and they must survive into the document handed to client-node.
const clusterSchema = z.looseObject({
  server: z.string().optional(),
  "certificate-authority": z.string().optional(),
  "certificate-authority-data": base64.optional(),
  "insecure-skip-tls-verify": z.boolean().optional(),
  "tls-server-name": z.string().optional(),
  "proxy-url": z.string().optional(),
});
const userSchema = z.looseObject({
  token: z.string().optional(),
  tokenFile: z.string().optional(),
  "client-certificate": z.string().optional(),
  "client-certificate-data": base64.optional(),
  "client-key": z.string().optional(),
  "client-key-data": base64.optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});
const contextSchema = z.looseObject({ cluster: z.string().optional(), user: z.string().optional() });
// kubectl writes `clusters: null` once the last entry is removed, and `user: {}` or null alike.
const kubeconfigSchema = z
  .looseObject({
    "current-context": z.string().nullish(),
    clusters: z.array(z.looseObject({ name: z.string(), cluster: clusterSchema.nullish() })).nullish(),
    users: z.array(z.looseObject({ name: z.string(), user: userSchema.nullish() })).nullish(),
    contexts: z.array(z.looseObject({ name: z.string(), context: contextSchema.nullish() })).nullish(),
  })
  .nullable();

export type ClusterEntry = z.infer<typeof clusterSchema>;
export type UserEntry = z.infer<typeof userSchema>;
export type ContextEntry = z.infer<typeof contextSchema>;

/** An entry and the kubeconfig file that defined it (its relative paths are already resolved). */
export interface Defined<T> {
  entry: T;
  file: string;
}

export interface ParsedKubeconfig {
  file: string;
  currentContext: string | undefined;
  clusters: Map<string, ClusterEntry>;
  users: Map<string, UserEntry>;
  contexts: Map<string, ContextEntry>;
}

const fieldPath = (path: readonly PropertyKey[]) =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("") ||
  "(the document)";

function byName<I extends { name: string }, T extends object>(
  file: string,
  list: string,
  items: readonly I[] | null | undefined,
  body: (item: I) => T | null | undefined,
): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items ?? []) {
    // client-go refuses a name listed twice in one file rather than picking one.
    if (out.has(item.name))
      throw new KubeconfigError(`kubeconfig ${file}: ${list}: duplicate name "${item.name}"`);
    out.set(item.name, body(item) ?? ({} as T));
  }
  return out;
}

// Paths inside a kubeconfig are relative to the file that holds them, not to the working directory.
const PATH_FIELDS = {
  cluster: ["certificate-authority"],
  user: ["client-certificate", "client-key", "tokenFile"],
} as const;

function withAbsolutePaths<T extends Record<string, unknown>>(
  entry: T,
  fields: readonly string[],
  file: string,
): T {
  const out: Record<string, unknown> = { ...entry };
  for (const f of fields) {
    const v = out[f];
    if (typeof v === "string" && v !== "" && !isAbsolute(v)) out[f] = resolve(dirname(file), v);
  }
  return out as T;
}

/** One kubeconfig file's text, checked: a KubeconfigError names the file and the offending field. */
export function parseKubeconfig(text: string, file: string): ParsedKubeconfig {
  const doc = parseDocument(text);
  const yamlError = doc.errors[0];
  if (yamlError) throw new KubeconfigError(`kubeconfig ${file}: not valid YAML: ${yamlError.message}`);
  const checked = kubeconfigSchema.safeParse(doc.toJS());
  if (!checked.success) {
    const problems = checked.error.issues.slice(0, 3).map((i) => `${fieldPath(i.path)}: ${i.message}`);
    throw new KubeconfigError(`kubeconfig ${file}: ${problems.join("; ")}`);
  }
  const c = checked.data ?? {};
  const clusters = new Map<string, ClusterEntry>();
  for (const [n, e] of byName(file, "clusters", c.clusters, (i) => i.cluster))
    clusters.set(n, withAbsolutePaths(e, PATH_FIELDS.cluster, file));
  const users = new Map<string, UserEntry>();
  for (const [n, e] of byName(file, "users", c.users, (i) => i.user))
    users.set(n, withAbsolutePaths(e, PATH_FIELDS.user, file));
  return {
    file,
    currentContext: c["current-context"] || undefined,
    clusters,
    users,
    contexts: byName(file, "contexts", c.contexts, (i) => i.context),
  };
}

export interface MergedKubeconfig {
  files: string[];
  currentContext: Defined<string> | undefined;
  clusters: Map<string, Defined<ClusterEntry>>;
  users: Map<string, Defined<UserEntry>>;
  contexts: Map<string, Defined<ContextEntry>>;
}

/** client-go's rule for a KUBECONFIG list: the first file to set a value (or define a name) wins. */
export function mergeKubeconfigs(parsed: readonly ParsedKubeconfig[]): MergedKubeconfig {
  const merged: MergedKubeconfig = {
    files: parsed.map((p) => p.file),
    currentContext: undefined,
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  const add = <T>(into: Map<string, Defined<T>>, from: Map<string, T>, file: string) => {
    for (const [name, entry] of from) if (!into.has(name)) into.set(name, { entry, file });
  };
  for (const p of parsed) {
    if (!merged.currentContext && p.currentContext)
      merged.currentContext = { entry: p.currentContext, file: p.file };
    add(merged.clusters, p.clusters, p.file);
    add(merged.users, p.users, p.file);
    add(merged.contexts, p.contexts, p.file);
  }
  return merged;
}

/** Bytes from a file (read once at load) or inline base64 data. */
export type Source = { file: string } | { data: Buffer };

export interface StaticPlan {
  context: string;
  server: string;
  ca: Source | undefined;
  insecureSkipTlsVerify: boolean;
  tlsServerName: string | undefined;
  clientCert: Source | undefined;
  clientKey: Source | undefined;
  token: string | undefined;
  tokenFile: string | undefined;
  basic: { username: string; password: string } | undefined;
  /** The kubeconfig files that defined the cluster and the user, for error messages. */
  clusterFile: string;
  userFile: string | undefined;
}

/** What the current context needs: a plan this reader can follow, or why client-node must. */
export type Plan = { static: true; plan: StaticPlan } | { static: false; reason: string };

// Credentials or transports that need code beyond reading files: a credential plugin, an
// auth-provider's refresh, a proxy, impersonation. client-node handles (or ignores) them as before.
const PLUGIN_USER_FIELDS = ["exec", "auth-provider", "as", "as-groups", "as-uid", "as-user-extra"] as const;
const PLUGIN_CLUSTER_FIELDS = ["proxy-url"] as const;

function source(
  file: string | undefined,
  data: string | undefined,
  fileField: string,
  where: string,
): Source | undefined {
  if (file && data)
    throw new KubeconfigError(`kubeconfig ${where}: sets both ${fileField} and ${fileField}-data`);
  if (data) return { data: Buffer.from(data, "base64") };
  return file ? { file } : undefined;
}

/** The current context's cluster and user, checked; a KubeconfigError names what is missing. */
export function planCurrentContext(m: MergedKubeconfig): Plan {
  const files = m.files.join(", ");
  const name = m.currentContext?.entry;
  if (!name) throw new KubeconfigError(`kubeconfig ${files}: no current-context is set`);
  const ctx = m.contexts.get(name);
  if (!ctx)
    throw new KubeconfigError(
      `kubeconfig ${files}: current-context "${name}" names a context no file defines`,
    );
  const clusterName = ctx.entry.cluster;
  if (!clusterName) throw new KubeconfigError(`kubeconfig ${ctx.file}: context "${name}" names no cluster`);
  const cluster = m.clusters.get(clusterName);
  if (!cluster)
    throw new KubeconfigError(
      `kubeconfig ${files}: context "${name}" names cluster "${clusterName}", which no file defines`,
    );
  const userName = ctx.entry.user;
  const user = userName ? m.users.get(userName) : undefined;
  if (userName && !user)
    throw new KubeconfigError(
      `kubeconfig ${files}: context "${name}" names user "${userName}", which no file defines`,
    );

  for (const f of PLUGIN_CLUSTER_FIELDS)
    if (cluster.entry[f])
      return { static: false, reason: `cluster "${clusterName}" (${cluster.file}) sets ${f}` };
  for (const f of PLUGIN_USER_FIELDS)
    if (user?.entry[f] !== undefined && user.entry[f] !== null)
      return { static: false, reason: `user "${userName}" (${user.file}) sets ${f}` };

  const c = cluster.entry;
  const clusterWhere = `${cluster.file}: cluster "${clusterName}"`;
  if (!c.server)
    throw new KubeconfigError(`kubeconfig ${cluster.file}: cluster "${clusterName}" has no server`);
  const u = user?.entry ?? {};
  const userWhere = `${user?.file}: user "${userName}"`;
  const clientCert = source(
    u["client-certificate"],
    u["client-certificate-data"],
    "client-certificate",
    userWhere,
  );
  const clientKey = source(u["client-key"], u["client-key-data"], "client-key", userWhere);
  if (!clientCert !== !clientKey)
    throw new KubeconfigError(
      `kubeconfig ${userWhere}: a client certificate needs both client-certificate and client-key (or their -data)`,
    );
  const hasToken = Boolean(u.token || u.tokenFile);
  const hasBasic = Boolean(u.username || u.password);
  if (hasToken && hasBasic)
    throw new KubeconfigError(
      `kubeconfig ${userWhere}: sets both a token and username/password; only one is allowed`,
    );
  return {
    static: true,
    plan: {
      context: name,
      server: c.server,
      ca: source(
        c["certificate-authority"],
        c["certificate-authority-data"],
        "certificate-authority",
        clusterWhere,
      ),
      insecureSkipTlsVerify: c["insecure-skip-tls-verify"] === true,
      tlsServerName: c["tls-server-name"] || undefined,
      clientCert,
      clientKey,
      token: u.token || undefined,
      tokenFile: u.tokenFile || undefined,
      basic: hasBasic ? { username: u.username ?? "", password: u.password ?? "" } : undefined,
      clusterFile: cluster.file,
      userFile: user?.file,
    },
  };
}

/** The merged view as one kubeconfig document (paths absolute), for client-node to load instead. */
export function mergedDocument(m: MergedKubeconfig): Record<string, unknown> {
  const list = <T>(key: string, map: Map<string, Defined<T>>) =>
    [...map].map(([name, d]) => ({ name, [key]: d.entry }));
  return {
    apiVersion: "v1",
    kind: "Config",
    "current-context": m.currentContext?.entry ?? "",
    clusters: list("cluster", m.clusters),
    users: list("user", m.users),
    contexts: list("context", m.contexts),
  };
}

/** client-go's list: KUBECONFIG split on the path delimiter (empty parts and repeats dropped), else ~/.kube/config. */
export function kubeconfigPaths(
  kubeconfigEnv: string | undefined,
  home: string,
  delimiter: string,
): string[] {
  if (kubeconfigEnv) return [...new Set(kubeconfigEnv.split(delimiter).filter(Boolean))];
  return [resolve(home, ".kube", "config")];
}
