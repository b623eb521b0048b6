// HomePort's client against a Waldur API: each call's answer, checked against the client's own types.
//
//   node check.bundle.mjs calls BASE_URL TOKEN        -> {"<call>": {"type", "errors", "answer"}} as JSON
//   node check.bundle.mjs validate TYPE FILE.json     -> {"type", "errors"} for an object (or a list of them)
//
// The client is configured as HomePort configures it: the base URL with `client.setConfig`, and the
// `Authorization: Token <key>` header set by a request interceptor (the client's own `auth` option
// would send `Bearer Token <key>`, shared/vendor/README.md). The types are the client's
// dist/types.gen.d.ts, turned into JSON Schemas by ts-json-schema-generator and checked with ajv:
// a required property missing, a value of another type, a null where the type has none, a string
// outside a union of literals all fail. Properties the type does not declare are allowed, as
// TypeScript allows them on a value it did not build itself.
import { readFileSync } from "node:fs";
import path from "node:path";

import Ajv from "ajv";
import addFormats from "ajv-formats";
import { createGenerator } from "ts-json-schema-generator";
import { client } from "waldur-js-client/client.gen";
import {
  marketplaceIntegrationStatusesList,
  marketplaceOrdersList,
  marketplaceProviderResourcesList,
  marketplaceSiteAgentServicesList,
  usersMeRetrieve,
} from "waldur-js-client/sdk.gen";

// Each call, with the type the client declares for its 200 answer (types.gen.d.ts, `...Responses[200]`).
const CALLS = {
  orders: { call: marketplaceOrdersList, type: "MarketplaceOrdersListResponse" },
  provider_resources: { call: marketplaceProviderResourcesList, type: "MarketplaceProviderResourcesListResponse" },
  users_me: { call: usersMeRetrieve, type: "UsersMeRetrieveResponse" },
  site_agent_services: { call: marketplaceSiteAgentServicesList, type: "MarketplaceSiteAgentServicesListResponse" },
  integration_statuses: { call: marketplaceIntegrationStatusesList, type: "MarketplaceIntegrationStatusesListResponse" },
};

// Run from tests/homeport (the test does), where npm installed the client.
const TYPES = path.join(process.cwd(), "node_modules", "waldur-js-client", "dist", "types.gen.d.ts");

let generator;
const validators = new Map();
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

function validatorFor(type) {
  if (!validators.has(type)) {
    generator ??= createGenerator({ path: TYPES, skipTypeCheck: true, additionalProperties: true, expose: "none",
                                    topRef: false, jsDoc: "none" });
    validators.set(type, ajv.compile(generator.createSchema(type)));
  }
  return validators.get(type);
}

function errorsOf(type, value) {
  const validate = validatorFor(type);
  if (validate(value)) return [];
  return validate.errors.map((error) => `${error.instancePath || "/"} ${error.message}` +
    (error.params && Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : ""));
}

async function calls(baseUrl, token) {
  client.setConfig({ baseUrl });
  client.interceptors.request.use((request) => {
    request.headers.set("Authorization", `Token ${token}`);
    return request;
  });
  // Every call first, then the checks: building the schemas takes seconds, longer than a server
  // keeps an idle connection open.
  const answers = {};
  for (const [name, { call }] of Object.entries(CALLS)) {
    try {
      answers[name] = { data: (await call()).data };
    } catch (error) {
      answers[name] = { failure: `the call failed: ${error?.detail ?? error?.message ?? JSON.stringify(error)}` };
    }
  }
  const report = {};
  for (const [name, { type }] of Object.entries(CALLS)) {
    const { data, failure } = answers[name];
    report[name] = failure ? { type, errors: [failure] } : { type, errors: errorsOf(type, data), answer: data };
  }
  return report;
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === "calls") {
  console.log(JSON.stringify(await calls(rest[0], rest[1]), null, 2));
} else if (mode === "validate") {
  const [type, file] = rest;
  console.log(JSON.stringify({ type, errors: errorsOf(type, JSON.parse(readFileSync(file, "utf-8"))) }, null, 2));
} else {
  console.error("usage: check.bundle.mjs calls BASE_URL TOKEN | validate TYPE FILE.json");
  process.exit(2);
}
