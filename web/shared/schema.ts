// The HTTP API's shapes, generated from the gateway's OpenAPI document (/api/v1/openapi.json)
// by scripts/build-web into generated/openapi.d.ts; clients name them through this module.
import type { components, paths } from "./generated/openapi";

export type Schemas = components["schemas"];
export type ApiPaths = paths;
export type Problem = Schemas["Problem"];
