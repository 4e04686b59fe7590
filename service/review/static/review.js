// The review page. It reads the request schema from /openapi.json and the names of steps and cancer
// types from the catalog endpoints, so the form follows the contract; every other call carries the admin
// key typed into the page, kept in sessionStorage only.
"use strict";

const KEY = "nextsteps-admin-key";
const $ = (selector) => document.querySelector(selector);
const state = { doc: null, names: {}, scenarios: [], languages: [] };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === undefined || value === null) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) node.append(child);
  return node;
}

function say(message, isError = false) {
  const status = $("#status");
  status.textContent = message;
  status.className = isError ? "error" : "";
}

async function api(path, options = {}) {
  const key = sessionStorage.getItem(KEY);
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(path, { ...options, headers });
  if (!response.ok) {
    let detail = `${response.status}`;
    try {
      const problem = await response.json();
      detail = [problem.title, problem.detail, ...(problem.errors || []).map((e) => `${e.field}: ${e.reason}`)]
        .filter(Boolean)
        .join(" — ");
    } catch (_) {
      /* not JSON */
    }
    throw new Error(detail);
  }
  return response;
}

// ---- the form, from the OpenAPI schema -------------------------------------------------------------

function resolve(schema) {
  if (schema && schema.$ref) return resolve(state.doc.components.schemas[schema.$ref.split("/").pop()]);
  return schema || {};
}

// A property's schema without its "or null" branch; optional when it has one or is not required.
function unwrap(schema) {
  const resolved = resolve(schema);
  if (resolved.anyOf) {
    const branches = resolved.anyOf.filter((b) => resolve(b).type !== "null");
    if (branches.length === 1) return { schema: resolve(branches[0]), nullable: true };
  }
  return { schema: resolved, nullable: false };
}

function words(code) {
  return String(code).replaceAll("_", " ");
}

function labelFor(name) {
  const text = words(name);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function optionName(field, value) {
  return state.names[field]?.[value] ?? state.names[`enum:${value}`] ?? words(value);
}

let counter = 0;
function fieldId() {
  counter += 1;
  return `f${counter}`;
}

// One input for a property; `path` is its place in the request ("opinions.0.diagnosis.stage").
function renderProperty(name, propSchema, path, required) {
  const { schema, nullable } = unwrap(propSchema);
  const optional = nullable || !required;
  const id = fieldId();
  const help = propSchema.description || schema.description;
  const describedBy = help ? `${id}-help` : undefined;
  const helpNode = help ? el("p", { id: `${id}-help`, class: "help", text: help }) : "";
  if (schema.enum) {
    const select = el("select", { id, "data-path": path, "data-kind": "enum", "aria-describedby": describedBy });
    if (optional) select.append(el("option", { value: "", text: "(not given)" }));
    for (const value of schema.enum) select.append(el("option", { value, text: optionName(name, value) }));
    return el("div", { class: "field" }, el("label", { for: id, text: labelFor(name) }), select, helpNode);
  }
  if (schema.type === "boolean" && optional && propSchema.default == null) {
    // Unknown is a value of its own: a checkbox would turn "not given" into false.
    const select = el("select", { id, "data-path": path, "data-kind": "tristate", "aria-describedby": describedBy });
    select.append(
      el("option", { value: "", text: "(not given)" }),
      el("option", { value: "true", text: "yes" }),
      el("option", { value: "false", text: "no" }),
    );
    return el("div", { class: "field" }, el("label", { for: id, text: labelFor(name) }), select, helpNode);
  }
  if (schema.type === "boolean") {
    const box = el("input", { id, type: "checkbox", "data-path": path, "data-kind": "boolean", "aria-describedby": describedBy });
    return el("div", { class: "field check" }, box, " ", el("label", { for: id, text: labelFor(name) }), helpNode);
  }
  if (schema.type === "integer" || schema.type === "number") {
    const input = el("input", { id, type: "number", "data-path": path, "data-kind": "number", "aria-describedby": describedBy });
    return el("div", { class: "field" }, el("label", { for: id, text: labelFor(name) }), input, helpNode);
  }
  if (schema.type === "array") {
    const items = unwrap(schema.items).schema;
    if (items.enum && propSchema["x-ordered"]) {
      // An ordered list (the sequence of treatments): one choice per position, the order kept.
      const group = el("fieldset", { "data-path": path, "data-kind": "ordered", "aria-describedby": describedBy });
      group.append(el("legend", { text: `${labelFor(name)}, in order` }));
      items.enum.forEach((_, position) => {
        const selectId = fieldId();
        const select = el("select", { id: selectId });
        select.append(el("option", { value: "", text: "(none)" }));
        for (const value of items.enum) select.append(el("option", { value, text: optionName(name, value) }));
        group.append(el("div", { class: "field" }, el("label", { for: selectId, text: `${position + 1}.` }), select));
      });
      group.append(helpNode);
      return group;
    }
    if (items.enum) {
      const group = el("fieldset", { "data-path": path, "data-kind": "set", "aria-describedby": describedBy });
      group.append(el("legend", { text: labelFor(name) }));
      const choices = el("div", { class: "choices" });
      for (const value of items.enum) {
        const boxId = fieldId();
        choices.append(
          el("span", {}, el("input", { id: boxId, type: "checkbox", value }), " ", el("label", { for: boxId, text: optionName(name, value) })),
        );
      }
      group.append(choices, helpNode);
      return group;
    }
    if (items.type === "object") return el("div", { "data-path": path, "data-kind": "list", class: "opinions" });
    const input = el("input", { id, type: "text", "data-path": path, "data-kind": "lines", "aria-describedby": `${id}-help` });
    const note = el("p", { id: `${id}-help`, class: "help", text: "Separate entries with a semicolon (;)." });
    return el("div", { class: "field" }, el("label", { for: id, text: labelFor(name) }), input, note);
  }
  if (schema.type === "object" || schema.properties) {
    // A required object is sent even when none of its fields is given (a clinician of unknown specialty).
    const group = el("fieldset", { "data-path": path, "data-kind": "object", "data-required": !optional });
    group.append(el("legend", { text: labelFor(name) }));
    if (optional) {
      const boxId = fieldId();
      group.append(
        el("div", { class: "field check" },
          el("input", { id: boxId, type: "checkbox", "data-include": path, checked: true }), " ",
          el("label", { for: boxId, text: `Give ${words(name)}` })),
      );
    }
    const required = new Set(schema.required || []);
    for (const [child, childSchema] of Object.entries(schema.properties || {})) {
      group.append(renderProperty(child, childSchema, `${path}.${child}`, required.has(child)));
    }
    return group;
  }
  const input = el("input", { id, type: "text", "data-path": path, "data-kind": "text", "aria-describedby": describedBy });
  return el("div", { class: "field" }, el("label", { for: id, text: labelFor(name) }), input, helpNode);
}

function requestSchema() {
  const body = state.doc.paths["/v1/recommendations"].post.requestBody.content["application/json"].schema;
  return resolve(body);
}

function listProperty() {
  // The repeated part of a request (the opinions): its name and its item schema.
  const schema = requestSchema();
  for (const [name, prop] of Object.entries(schema.properties)) {
    const resolved = unwrap(prop).schema;
    if (resolved.type === "array" && unwrap(resolved.items).schema.type === "object") {
      return { name, items: unwrap(resolved.items).schema, min: resolved.minItems || 1, max: resolved.maxItems || 20 };
    }
  }
  return null;
}

function renderForm() {
  const schema = requestSchema();
  const required = new Set(schema.required || []);
  const fields = $("#case-fields");
  fields.replaceChildren();
  for (const [name, prop] of Object.entries(schema.properties)) {
    fields.append(renderProperty(name, prop, name, required.has(name)));
  }
  const list = listProperty();
  if (list) for (let i = 0; i < list.min; i += 1) addItem();
}

function addItem() {
  const list = listProperty();
  const holder = document.querySelector(`[data-path="${list.name}"][data-kind="list"]`);
  const index = holder.children.length;
  if (index >= list.max) return say(`At most ${list.max} ${words(list.name)}.`, true);
  const required = new Set(list.items.required || []);
  const group = el("fieldset", { "data-item": index });
  const noun = words(list.name).replace(/s$/, "");
  group.append(el("legend", { text: `${labelFor(noun)} ${index + 1}` }));
  for (const [child, childSchema] of Object.entries(list.items.properties)) {
    group.append(renderProperty(child, childSchema, `${list.name}.${index}.${child}`, required.has(child)));
  }
  if (index >= list.min) {
    const remove = el("button", { type: "button", text: `Remove ${noun} ${index + 1}` });
    remove.addEventListener("click", () => {
      group.remove();
      renumber();
    });
    group.append(remove);
  }
  holder.append(group);
}

// After a removal, items and their paths are numbered from 0 again.
function renumber() {
  const list = listProperty();
  const holder = document.querySelector(`[data-path="${list.name}"][data-kind="list"]`);
  [...holder.children].forEach((group, index) => {
    const old = group.getAttribute("data-item");
    group.setAttribute("data-item", index);
    group.querySelector("legend").textContent = `${labelFor(words(list.name).replace(/s$/, ""))} ${index + 1}`;
    for (const node of group.querySelectorAll("[data-path],[data-include]")) {
      for (const attr of ["data-path", "data-include"]) {
        const value = node.getAttribute(attr);
        if (value) node.setAttribute(attr, value.replace(`${list.name}.${old}.`, `${list.name}.${index}.`));
      }
    }
  });
}

function setPath(target, path, value) {
  const parts = path.split(".");
  let node = target;
  parts.slice(0, -1).forEach((part, i) => {
    const next = /^\d+$/.test(parts[i + 1]) ? [] : {};
    node[part] ??= next;
    node = node[part];
  });
  node[parts.at(-1)] = value;
}

function getPath(source, path) {
  return path.split(".").reduce((node, part) => (node == null ? undefined : node[part]), source);
}

function excluded(node) {
  for (const box of document.querySelectorAll("[data-include]")) {
    const prefix = `${box.getAttribute("data-include")}.`;
    if (!box.checked && node.getAttribute("data-path").startsWith(prefix)) return true;
  }
  return false;
}

function collect() {
  const request = {};
  for (const node of $("#case-form").querySelectorAll("[data-path]")) {
    if (excluded(node)) continue;
    const path = node.getAttribute("data-path");
    const kind = node.getAttribute("data-kind");
    if (kind === "object" && node.hasAttribute("data-required") && getPath(request, path) === undefined) {
      setPath(request, path, {});
    }
    if (kind === "enum" && node.value !== "") setPath(request, path, node.value);
    if (kind === "boolean") setPath(request, path, node.checked);
    if (kind === "tristate" && node.value !== "") setPath(request, path, node.value === "true");
    if (kind === "ordered") {
      const chosen = [...node.querySelectorAll("select")].map((select) => select.value).filter(Boolean);
      if (chosen.length) setPath(request, path, chosen);
    }
    if (kind === "number" && node.value !== "") setPath(request, path, Number(node.value));
    if (kind === "text" && node.value.trim() !== "") setPath(request, path, node.value.trim());
    if (kind === "lines" && node.value.trim() !== "") {
      setPath(request, path, node.value.split(";").map((s) => s.trim()).filter(Boolean));
    }
    if (kind === "set") {
      const chosen = [...node.querySelectorAll("input:checked")].map((box) => box.value);
      if (chosen.length || path.split(".").length === 1) setPath(request, path, chosen);
    }
  }
  return request;
}

function fill(request) {
  const list = listProperty();
  if (list) {
    const holder = document.querySelector(`[data-path="${list.name}"][data-kind="list"]`);
    holder.replaceChildren();
    const count = Math.max(list.min, (request[list.name] || []).length);
    for (let i = 0; i < count; i += 1) addItem();
  }
  for (const box of document.querySelectorAll("[data-include]")) {
    box.checked = getPath(request, box.getAttribute("data-include")) !== undefined;
  }
  for (const node of $("#case-form").querySelectorAll("[data-path]")) {
    const value = getPath(request, node.getAttribute("data-path"));
    const kind = node.getAttribute("data-kind");
    if (kind === "enum") node.value = value ?? (node.querySelector('option[value=""]') ? "" : node.options[0].value);
    if (kind === "boolean") node.checked = value === true;
    if (kind === "tristate") node.value = value === true ? "true" : value === false ? "false" : "";
    if (kind === "ordered") {
      node.querySelectorAll("select").forEach((select, position) => {
        select.value = (value || [])[position] ?? "";
      });
    }
    if (kind === "number" || kind === "text") node.value = value ?? "";
    if (kind === "lines") node.value = (value || []).join("; ");
    if (kind === "set") for (const box of node.querySelectorAll("input")) box.checked = (value || []).includes(box.value);
  }
}

// ---- answers -----------------------------------------------------------------------------------------

function renderAnswer(answer, lang, requested) {
  const box = el("section", { class: "answer", lang, "aria-label": `Answer in ${state.languageNames[lang] || lang}` });
  box.append(el("h3", { text: `${state.languageNames[lang] || lang}${requested ? " (the requested language)" : ""}` }));
  box.append(el("p", { text: `Consensus: ${answer.consensus}. Differences: ${answer.discordances.join(", ") || "none"}.` }));
  const steps = el("ol", { class: "steps" });
  for (const step of answer.next_steps) {
    const reasons = el("ul");
    for (const reason of step.reasons) {
      reasons.append(el("li", {}, reason.text, " ", el("span", { class: "code", lang: "en", text: `(${reason.rule})` })));
    }
    steps.append(el("li", { value: step.rank }, el("strong", { text: step.title }), " ", el("span", { class: "code", text: step.code }), reasons));
  }
  box.append(steps);
  box.append(el("p", { lang: "en" }, el("strong", { text: "Rules fired: " }), el("span", { class: "code", text: answer.rules_fired.join(", ") })));
  box.append(el("p", { class: "help", text: answer.disclaimer }));
  const handout = el("button", { type: "button", text: "Handout (PDF)" });
  handout.addEventListener("click", () => downloadHandout(answer.decision_id));
  box.append(handout);
  return box;
}

async function downloadHandout(id) {
  try {
    const response = await api(`/v1/recommendations/${id}/handout`, { headers: { Accept: "application/pdf" } });
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: `handout-${id}.pdf` });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    say(`The handout could not be made: ${error.message}`, true);
  }
}

async function compare(event) {
  event.preventDefault();
  const request = collect();
  const requested = request.lang || state.languages[0];
  const order = [requested, ...state.languages.filter((lang) => lang !== requested)];
  const results = $("#results");
  results.replaceChildren(el("p", { text: "Comparing…" }));
  try {
    const answers = [];
    for (const lang of order) {
      const response = await api("/v1/recommendations", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...request, lang }),
      });
      answers.push([lang, await response.json()]);
    }
    const columns = el("div", { class: "columns" });
    for (const [lang, answer] of answers) columns.append(renderAnswer(answer, lang, lang === requested));
    results.replaceChildren(el("h3", { text: "The answer, side by side" }), columns);
    say("Compared.");
  } catch (error) {
    results.replaceChildren(el("p", { class: "error", text: `Not compared: ${error.message}` }));
  }
}

// ---- rules and scenarios --------------------------------------------------------------------------

async function loadReview() {
  try {
    const rules = await (await api("/v1/review/rules")).json();
    const scenarios = await (await api("/v1/review/scenarios")).json();
    state.scenarios = scenarios.scenarios;
    $("#ruleset").textContent = `Ruleset ${rules.ruleset.version}, sha256 ${rules.ruleset.sha256.slice(0, 12)}…, ${rules.rules.length} rules.`;
    const list = $("#rules");
    list.replaceChildren();
    for (const rule of rules.rules) {
      const reasons = el("dl");
      for (const [lang, text] of Object.entries(rule.reasons)) {
        reasons.append(el("dt", { text: `Reason (${state.languageNames[lang] || lang})` }), el("dd", { lang, text }));
      }
      const covered = rule.scenarios.length
        ? el("ul", {}, ...rule.scenarios.map((s) => el("li", { text: `${s.file}: ${s.name}` })))
        : el("p", { class: "uncovered", text: "No scenario makes this rule fire." });
      list.append(
        el("article", { class: "rule", id: `rule-${rule.id}` },
          el("h3", {}, el("span", { class: "code", text: rule.id }), ` — ${rule.stage} stage, ${rule.file}`),
          el("p", { class: "text", text: rule.text }),
          rule.reasons && Object.keys(rule.reasons).length ? reasons : el("p", { class: "help", text: "This rule gives no reason to patients." }),
          el("p", { class: "help", text: "Scenarios that make it fire:" }),
          covered),
      );
    }
    const select = $("#scenario");
    select.replaceChildren();
    const groups = {};
    state.scenarios.forEach((scenario, index) => {
      groups[scenario.file] ??= select.appendChild(el("optgroup", { label: scenario.file }));
      groups[scenario.file].append(el("option", { value: index, text: scenario.name + (scenario.valid ? "" : " (refused by this service)") }));
    });
    say("Key accepted: rules and scenarios loaded.");
  } catch (error) {
    say(`Could not load the rules: ${error.message}`, true);
  }
}

// A scenario file from the reviewer's computer: its cases join the list, under the file's name.
async function openScenarioFile() {
  const file = $("#scenario-file").files[0];
  if (!file) return;
  let cases;
  try {
    cases = jsyaml.load(await file.text());
  } catch (error) {
    return say(`${file.name} is not valid YAML or JSON: ${error.message}`, true);
  }
  const usable = Array.isArray(cases) ? cases.filter((c) => c && typeof c === "object" && c.request) : [];
  if (!usable.length) return say(`${file.name} lists no scenario (a list of cases with name and request).`, true);
  const group = el("optgroup", { label: `${file.name} (from this computer)` });
  for (const entry of usable) {
    state.scenarios.push({ file: file.name, name: String(entry.name ?? ""), request: entry.request, expect: entry.expect || {}, valid: true });
    group.append(el("option", { value: state.scenarios.length - 1, text: String(entry.name ?? `case ${group.children.length + 1}`) }));
  }
  $("#scenario").append(group);
  $("#scenario").value = group.firstElementChild.value;
  say(`${usable.length} case(s) read from ${file.name}: choose one and load it into the form.`);
}

function loadScenario(event) {
  event.preventDefault();
  const scenario = state.scenarios[Number($("#scenario").value)];
  if (!scenario) return say("Give a key first: the scenarios come with it.", true);
  fill(scenario.request);
  const expected = scenario.expect.next_steps ? scenario.expect.next_steps.join(", ") : "no order given";
  $("#expected").textContent = `Loaded “${scenario.name}” (${scenario.file}). Expected steps: ${expected}.`;
  say(`Scenario loaded: ${scenario.name}.`);
}

async function start() {
  // The catalog endpoints need a key: without one the form shows codes instead of names.
  const paths = sessionStorage.getItem(KEY) ? ["/openapi.json", "/v1/next-steps", "/v1/cancer-types"] : ["/openapi.json"];
  const [doc, steps, types] = await Promise.all(paths.map((path) => api(path).then((r) => r.json()).catch(() => null)));
  if (!doc) return say("The API description could not be read.", true);
  state.doc = doc;
  const language = unwrap(requestSchema().properties.lang || {}).schema;
  state.languages = language.enum || ["en"];
  state.languageNames = { en: "English", es: "Español" };
  state.names.completed_steps = Object.fromEntries((steps?.next_steps || []).map((s) => [s.code, s.title]));
  const cancer = Object.fromEntries((types?.cancer_types || []).map((t) => [t.code, t.name]));
  state.names.cancer_type = cancer;
  state.names.tumor_focus = cancer;
  state.names.lang = state.languageNames;
  renderForm();
  if (sessionStorage.getItem(KEY)) await loadReview();
}

document.addEventListener("DOMContentLoaded", () => {
  $("#key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("#admin-key").value);
    $("#admin-key").value = "";
    await start();
  });
  $("#forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    say("Key forgotten.");
  });
  $("#scenario-form").addEventListener("submit", loadScenario);
  $("#scenario-file").addEventListener("change", openScenarioFile);
  $("#case-form").addEventListener("submit", compare);
  $("#add-opinion").addEventListener("click", addItem);
  start();
});
