import { type BuildInfo, buildInfo } from "@vmcp/shared-types";
import pkg from "../package.json" with { type: "json" };

export const BUILD_INFO: BuildInfo = buildInfo(pkg.version);
