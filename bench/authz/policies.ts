// The realistic policy set both authorization benchmarks use: group membership, `like` patterns,
// forbids and claim/argument conditions, as a team's first Cedar policies look.
export const POLICIES = [
  'permit(principal in THVGroup::"eng", action == Action::"call_tool", resource) when { resource.name like "github_*" };',
  'permit(principal in THVGroup::"admins", action, resource);',
  'permit(principal, action == Action::"call_tool", resource) when { resource.name like "*_read" || resource.name like "*_list" };',
  'permit(principal, action == Action::"call_tool", resource == Tool::"search") when { context has claim_email && context.claim_email like "*@example.com" };',
  'forbid(principal, action == Action::"call_tool", resource) when { resource.name like "*_delete*" } unless { principal in THVGroup::"admins" };',
  "forbid(principal, action, resource) when { context has arg_force && context.arg_force == true };",
  'forbid(principal == Client::"blocked-user", action, resource);',
  'permit(principal in THVGroup::"oncall", action == Action::"call_tool", resource) when { resource.name like "pager_*" };',
  'permit(principal in THVGroup::"support", action == Action::"get_prompt", resource);',
  'forbid(principal, action == Action::"call_tool", resource == Tool::"prod_deploy") unless { principal in THVGroup::"release" };',
];
