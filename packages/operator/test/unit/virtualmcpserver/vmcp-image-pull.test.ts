import { describe, expect, it } from "vitest";
import { imagePullProblem, type PodLike } from "../../../src/builders/image-pull.ts";
import { computeOperatorStatus, type StatusInput } from "../../../src/builders/status.ts";

const IMAGE = "localhost/vmcp:no-such-tag";
const waiting = (reason: string, message = "", image = IMAGE): PodLike => ({
  status: { containerStatuses: [{ image, state: { waiting: { reason, message } } }] },
});
const NEVER_PULL = `Container image "${IMAGE}" is not present with pull policy of Never`;

const input = (over: Partial<StatusInput> = {}): StatusInput => ({
  name: "demo",
  namespace: "ns",
  generation: 1,
  live: undefined,
  managedFields: undefined,
  conditions: [],
  deployment: { spec: { selector: {}, template: {} }, status: { replicas: 1 } },
  serviceExists: true,
  now: new Date("2026-12-01T00:00:00Z"),
  ...over,
});

describe("image pull problems of the runtime pods", () => {
  it("finds a container waiting on its image, with the image and the kubelet's reason", () => {
    for (const reason of ["ErrImageNeverPull", "ErrImagePull", "ImagePullBackOff", "InvalidImageName"]) {
      expect(imagePullProblem([waiting(reason, "why")])).toEqual({ image: IMAGE, reason, message: "why" });
    }
  });

  it("ignores containers waiting for other reasons, running ones and terminating pods", () => {
    expect(imagePullProblem([waiting("ContainerCreating")])).toBeUndefined();
    expect(
      imagePullProblem([{ status: { containerStatuses: [{ image: IMAGE, state: {} }] } }]),
    ).toBeUndefined();
    expect(
      imagePullProblem([
        { ...waiting("ErrImagePull"), metadata: { deletionTimestamp: "2026-12-01T00:00:00Z" } },
      ]),
    ).toBeUndefined();
    expect(imagePullProblem([])).toBeUndefined();
  });

  it("looks at init containers too, and bounds the kubelet's message", () => {
    const pod: PodLike = {
      status: {
        initContainerStatuses: [
          {
            image: "localhost/init:x",
            state: { waiting: { reason: "ErrImagePull", message: "x".repeat(5000) } },
          },
        ],
      },
    };
    const p = imagePullProblem([pod]);
    expect(p?.image).toBe("localhost/init:x");
    expect(p?.message.length).toBe(300);
  });
});

describe("operator status with an image that cannot be pulled", () => {
  it("sets DeploymentReady False with reason ImagePullFailed naming the image, and phase Failed", () => {
    const s = computeOperatorStatus(
      input({ imagePull: imagePullProblem([waiting("ErrImageNeverPull", NEVER_PULL)]) }),
    );
    const cond = s.conditions.find((c) => c.type === "DeploymentReady");
    expect(cond).toMatchObject({ status: "False", reason: "ImagePullFailed" });
    expect(cond?.message).toBe(`Image ${IMAGE} cannot be pulled (ErrImageNeverPull): ${NEVER_PULL}`);
    expect(s.phase).toBe("Failed");
    expect(s.message).toBe(cond?.message);
  });

  it("during a rollout with an older replica still available: the condition says so, the phase stays the runtime's", () => {
    const s = computeOperatorStatus(
      input({
        deployment: { spec: { selector: {}, template: {} }, status: { replicas: 2, availableReplicas: 1 } },
        imagePull: imagePullProblem([waiting("ImagePullBackOff")]),
      }),
    );
    expect(s.conditions.find((c) => c.type === "DeploymentReady")?.reason).toBe("ImagePullFailed");
    expect(s.phase).toBeUndefined();
  });
});
