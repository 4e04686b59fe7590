// Drives the live server through the client generated from openapi/openapi.json.
// Usage: NEXTSTEPS_API_KEY=... node dist/src/compare.js BASE_URL. Prints one JSON object; exits non-zero
// on any surprise. The API key is read from the environment, never from the command line.
import createClient from "openapi-fetch";
import type { components, paths } from "../generated/schema.js";

type RecommendationRequest = components["schemas"]["RecommendationRequest"];

const baseUrl = process.argv[2];
if (!baseUrl) throw new Error("usage: compare.js BASE_URL");
const apiKey = process.env.NEXTSTEPS_API_KEY;
if (!apiKey) throw new Error("set NEXTSTEPS_API_KEY");
const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });

const comparison: RecommendationRequest = {
  opinions: [
    {
      clinician: { specialty: "surgical_oncology" },
      diagnosis: { cancer_type: "breast", stage: "II" },
      treatment: { modalities: ["surgery"], intent: "curative" },
    },
    {
      clinician: { specialty: "medical_oncology", tumor_focus: "breast" },
      diagnosis: { cancer_type: "breast", stage: "III" },
      treatment: { modalities: ["chemotherapy", "surgery"], intent: "curative" },
      explained_reasoning: true,
    },
  ],
  time_sensitive: true,
};

// A pathologist's read (no treatment) with a sub-stage in lower case, and a doctor with no tumor focus.
const read: RecommendationRequest = {
  opinions: [
    {
      clinician: { specialty: "medical_oncology", tumor_focus: "none" },
      diagnosis: { cancer_type: "breast", stage: "IIB" },
      treatment: { modalities: ["surgery", "chemotherapy"], sequence: ["surgery", "chemotherapy"] },
      explained_reasoning: null,
    },
    { clinician: { specialty: "pathology" }, diagnosis: { cancer_type: "breast", stage: "iib" } },
  ],
  records_shared: true,
  coverage: "private",
};
const agreed = await client.POST("/v1/recommendations", { body: read });
if (!agreed.data) throw new Error(`expected 200, got ${agreed.response.status}`);

const ok = await client.POST("/v1/recommendations", { body: comparison });
if (!ok.data) throw new Error(`expected 200, got ${ok.response.status}`);
const steps = ok.data.next_steps.map((step) => ({ rank: step.rank, code: step.code, title: step.title }));

const spanish = await client.POST("/v1/recommendations", {
  body: comparison,
  params: { header: { "accept-language": "es-MX,es;q=0.9,en;q=0.5" } },
});
if (!spanish.data) throw new Error(`expected 200, got ${spanish.response.status}`);

// Only one opinion: the server must refuse it with problem+json naming the field.
const bad = await client.POST("/v1/recommendations", {
  body: { ...comparison, opinions: comparison.opinions.slice(0, 1) },
});
if (bad.data !== undefined || bad.error === undefined) throw new Error("expected an error");

console.log(
  JSON.stringify({
    steps,
    consensus: ok.data.consensus,
    discordances: ok.data.discordances,
    unknowns: ok.data.unknowns,
    read: { consensus: agreed.data.consensus, first: agreed.data.next_steps[0]?.code },
    disclaimer: ok.data.disclaimer,
    spanish: {
      contentLanguage: spanish.response.headers.get("content-language"),
      disclaimer: spanish.data.disclaimer,
      firstTitle: spanish.data.next_steps[0]?.title,
    },
    error: {
      status: bad.response.status,
      contentType: bad.response.headers.get("content-type"),
      problem: bad.error,
    },
  }),
);
