// spec.serviceAccount (a ToolHive field): the runtime pod would run as any existing ServiceAccount
// of the namespace, and through the runtime's API calls exercise whatever that account's RBAC
// grants. Whoever may create a VirtualMCPServer must not borrow an identity that way, so the
// operator refuses the field; naming the ServiceAccount it generates anyway is the one harmless use.
import type { ConditionInput } from "./conditions.ts";
import { rbacName } from "./names.ts";

export const SERVICE_ACCOUNT_CONDITION = "ServiceAccountValid";
export const SERVICE_ACCOUNT_REFUSED = "ServiceAccountNotAllowed";

export function serviceAccountCheck(
  vmcpName: string,
  serviceAccount: string | undefined,
): { condition: ConditionInput } {
  const generated = rbacName(vmcpName);
  if (serviceAccount === undefined || serviceAccount === generated) {
    return {
      condition: {
        type: SERVICE_ACCOUNT_CONDITION,
        status: "True",
        reason: "GeneratedServiceAccount",
        message: `The runtime runs as the generated ServiceAccount ${generated}`,
      },
    };
  }
  return {
    condition: {
      type: SERVICE_ACCOUNT_CONDITION,
      status: "False",
      reason: SERVICE_ACCOUNT_REFUSED,
      message:
        `spec.serviceAccount: not allowed (${JSON.stringify(serviceAccount)}): the runtime runs only as ` +
        `the ServiceAccount the operator generates (${generated}), whose Role grants exactly what it needs; ` +
        "an existing ServiceAccount would lend it that account's rights. Remove spec.serviceAccount",
    },
  };
}
