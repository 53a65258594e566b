// The team lead's window: session list, session detail, team view, settings.
// Every list, filter and sort runs in Rust; this page only asks and draws.
import { call, onEvent, h, levelMeter, mmss, ruleLabel } from "./ipc.js";

/** @typedef {import("./ipc.js").SessionFilter} SessionFilter */
/** @typedef {import("./ipc.js").ReviewDetail} ReviewDetail */

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const PAGE = 50;

/** @type {SessionFilter} */
const query = { agent: null, from: null, to: null, outcome: null, status: null, rule: null, heeded_min: null,
  heeded_max: null, tags: [], text: null, sort: "date", descending: true, limit: PAGE, offset: 0 };
/** @type {number|null} */
let selected = null;
let total = 0;

/** @param {string} msg @param {boolean} [bad] */
function status(msg, bad = false) {
  const el = $("status");
  el.textContent = msg;
  el.className = bad ? "error" : "muted";
}

/** @param {string} value @param {number} addDays */
function dayMs(value, addDays = 0) {
  if (!value) return null;
  const d = new Date(`${value}T00:00:00Z`);
  return d.getTime() + addDays * 86400000;
}

/** @param {number} ms */
function when(ms) {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** @param {string|null} o */
const outcomeWord = (o) => (o ? o.replaceAll("_", " ") : "—");

async function loadList() {
  try {
    const page = await call("list_sessions", { filter: query });
    total = page.total;
    const body = $("sessions").querySelector("tbody");
    body.replaceChildren(...page.items.map((/** @type {import("./ipc.js").SessionRow} */ r) =>
      h("tr", { "data-id": r.id, class: r.id === selected ? "selected" : "", onclick: () => openSession(r.id), title: r.source },
        h("td", {}, when(r.started_at)),
        h("td", {}, r.agent),
        h("td", { class: "num" }, r.duration_ms === null ? "—" : mmss(r.duration_ms)),
        h("td", {}, r.status === "complete" ? outcomeWord(r.outcome) : `${outcomeWord(r.outcome)} (${r.status})`),
        h("td", { class: "num" }, String(r.nudge_count)),
        h("td", { class: "num" }, r.heeded_ratio === null ? "—" : `${Math.round(r.heeded_ratio * 100)}%`))));
    if (!page.items.length) body.append(h("tr", {}, h("td", { colspan: "6", class: "muted" }, "No sessions match.")));
    const pages = Math.max(1, Math.ceil(total / PAGE));
    const pageNo = Math.floor(query.offset / PAGE);
    $("page-info").textContent = `Page ${pageNo + 1} of ${pages} · ${total} session${total === 1 ? "" : "s"}`;
    $("prev").disabled = pageNo === 0;
    $("next").disabled = pageNo + 1 >= pages;
    for (const th of document.querySelectorAll("th[data-sort]")) {
      const key = /** @type {HTMLElement} */ (th).dataset.sort;
      th.setAttribute("aria-sort", key === query.sort ? (query.descending ? "descending" : "ascending") : "none");
    }
    status("");
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
}

/**
 * A small line chart as inline SVG.
 * @param {string} title
 * @param {{x: number, y: number}[]} points
 * @param {number} maxY
 * @param {number|null} limit
 * @param {(y: number) => string} fmt
 */
function chart(title, points, maxY, limit, fmt) {
  const NS = "http://www.w3.org/2000/svg";
  const W = 300, H = 110, P = 18;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H + 10}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  const maxX = Math.max(1, ...points.map((p) => p.x));
  const sx = (/** @type {number} */ x) => P + (x / maxX) * (W - P - 4);
  const sy = (/** @type {number} */ y) => H - (Math.min(y, maxY) / maxY) * (H - 10);
  const add = (/** @type {string} */ tag, /** @type {Object<string, any>} */ attrs, text = "") => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text) el.textContent = text;
    svg.append(el);
  };
  if (limit !== null) add("line", { class: "limit", x1: P, x2: W - 4, y1: sy(limit), y2: sy(limit) });
  if (points.length) add("polyline", { class: "line", points: points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ") });
  add("text", { x: 2, y: 12 }, fmt(maxY));
  add("text", { x: 2, y: H }, fmt(0));
  add("text", { x: W - 34, y: H + 10 }, mmss(maxX));
  return h("figure", { class: "chart" }, h("figcaption", {}, title), svg);
}

/** @param {ReviewDetail} r */
function timeline(r) {
  /** @type {{at: number, order: number, el: HTMLElement}[]} */
  const rows = [];
  const row = (/** @type {number} */ at, /** @type {string} */ cls, /** @type {string} */ icon, /** @type {string} */ text, order = 1) =>
    rows.push({ at, order, el: h("li", { class: cls }, h("span", { class: "t" }, mmss(at)), h("span", { "aria-hidden": "true" }, icon), h("span", { class: "txt" }, text)) });
  for (const t of r.timeline) {
    const o = /** @type {any} */ (t.json);
    if (t.origin === "event") {
      if (t.kind === "utterance" && o.is_final !== false) row(o.start_ms, o.speaker, o.speaker === "agent" ? "»" : "«", o.text, 0);
      else if (t.kind === "hold_started") row(t.at_ms, "state", "‖", "Customer put on hold");
      else if (t.kind === "hold_ended") row(t.at_ms, "state", "▶", "Hold ended");
      else if (t.kind === "agent" && o.action === "add_note") row(t.at_ms, "state", "✎", `Agent note: ${o.text}`);
      continue;
    }
    if (t.kind === "tick") row(t.at_ms, "tick", "✓", `Ticked: ${o.item}${o.evidence && o.evidence.by_agent ? " (by the agent)" : ""}`);
    else if (t.kind === "nudge") row(t.at_ms, "nudge", ruleLabel(o.rule)[0], `Nudge: ${o.headline} — ${o.reason}`);
    else if (t.kind === "phase") row(t.at_ms, "phase", "→", `Phase: ${o.phase}`);
    else if (t.kind === "heeded") row(t.at_ms, "heeded", o.heeded ? "✓" : "✗", `Nudge ${o.nudge_id} (${o.rule}) ${o.heeded ? "heeded" : "not heeded"}`);
    else if (t.kind === "call_state") row(t.at_ms, "state", "•", `Call ${String(o.state).replace("_", " ")}`);
    else if (t.kind === "follow_up") row(t.at_ms, "tick", "☎", `Follow-up promised: ${o.text}`);
  }
  rows.sort((a, b) => a.at - b.at || a.order - b.order);
  return h("ol", { class: "timeline", id: "timeline" }, ...rows.map((x) => x.el));
}

/** @param {ReviewDetail} r */
function noteMeta(r) {
  const n = r.note;
  if (!n) return "No note";
  return n.edited_at ? `Last edited by ${n.edited_by} at ${when(n.edited_at)}` : `Drafted at ${when(n.drafted_at)}, not edited`;
}

/** @param {number} id */
async function openSession(id) {
  selected = id;
  for (const tr of document.querySelectorAll("#sessions tbody tr")) tr.classList.toggle("selected", /** @type {HTMLElement} */ (tr).dataset.id === String(id));
  /** @type {ReviewDetail} */
  let r;
  try {
    r = await call("get_session", { id });
  } catch (e) {
    return status(/** @type {Error} */ (e).message, true);
  }
  const s = r.session;
  const note = /** @type {HTMLTextAreaElement} */ (h("textarea", { id: "detail-note", rows: "10", "aria-label": "Session note" }));
  note.value = r.note ? r.note.body : "";
  const by = /** @type {HTMLInputElement} */ (h("input", { id: "detail-by", placeholder: "Your name", "aria-label": "Edited by" }));
  by.value = localStorage.getItem("parley.lead") || "";
  const owed = r.follow_ups.filter((f) => !f.done);
  const followUps = owed.length
    ? h("ul", {}, ...owed.map((f) => h("li", {}, `☎ “${f.text}”`, f.due_at ? ` — due ${when(f.due_at)}` : " — no due time said")))
    : h("p", { class: "muted" }, "No follow-up owed.");
  const talk = r.pacing.map((p) => ({ x: p.at_ms, y: p.recent_talk_share * 100 }));
  const rate = r.pacing.filter((p) => p.wpm !== null && p.wpm !== undefined).map((p) => ({ x: p.at_ms, y: /** @type {number} */ (p.wpm) }));
  const heeded = r.nudges.filter((n) => n.heeded === true).length;
  $("detail").replaceChildren(
    h("h1", {}, `Session ${s.id} · ${s.agent}`),
    h("div", { class: "facts" },
      h("span", {}, "Started ", h("b", {}, when(s.started_at))),
      h("span", {}, "Length ", h("b", {}, s.duration_ms === null ? "—" : mmss(s.duration_ms))),
      h("span", {}, "Outcome ", h("b", { id: "detail-outcome" }, outcomeWord(s.outcome))),
      h("span", {}, "Checklist ", h("b", {}, `${s.items_done}/${s.items_total}`)),
      h("span", {}, "Nudges ", h("b", {}, `${r.nudges.length} (${heeded} heeded)`)),
      h("span", {}, "Source ", h("b", {}, s.source))),
    h("h2", {}, "Note"),
    note,
    h("div", { class: "row noprint" }, by,
      h("button", { id: "detail-save", class: "primary", onclick: () => saveNote(s.id, note.value, by.value) }, "Save note"),
      h("span", { id: "note-meta", class: "muted" }, noteMeta(r))),
    h("h2", {}, "Follow-up owed"), followUps,
    h("div", { class: "row noprint" },
      h("button", { id: "export-one-csv", onclick: () => exportSessions(s.id, "csv") }, "Export CSV"),
      h("button", { id: "export-one-json", onclick: () => exportSessions(s.id, "json") }, "Export JSON"),
      h("button", { id: "print", onclick: () => window.print() }, "Print report")),
    h("h2", {}, "Pacing"),
    h("div", { class: "charts" },
      chart("Agent talk share (recent), %", talk, 100, 60, (y) => `${Math.round(y)}%`),
      chart("Agent rate, words per minute", rate, 240, 170, (y) => `${Math.round(y)}`)),
    h("h2", {}, "Timeline"),
    timeline(r));
}

/** @param {number} id @param {string} text @param {string} by */
async function saveNote(id, text, by) {
  try {
    const r = await call("save_session_note", { id, text, by });
    localStorage.setItem("parley.lead", by.trim());
    $("note-meta").textContent = `Saved · ${noteMeta(r)}`;
    status("Note saved");
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
}

/** @param {number|null} id @param {string} format */
async function exportSessions(id, format) {
  try {
    const path = await call("export_sessions", { filter: { ...query, limit: 10000, offset: 0 }, id, format });
    status(path ? `Exported to ${path}` : "Export cancelled");
    document.body.dataset.exported = path || "";
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
}

async function loadTeam() {
  try {
    const rows = await call("team_stats", { from: dayMs($("t-from").value), to: dayMs($("t-to").value, 1) });
    $("team").querySelector("tbody").replaceChildren(...rows.map((/** @type {any} */ a) => h("tr", {},
      h("td", {}, a.agent), h("td", { class: "num" }, String(a.calls)), h("td", { class: "num" }, String(a.nudges)),
      h("td", { class: "num" }, a.nudges ? `${Math.round((100 * a.heeded) / a.nudges)}%` : "—"),
      h("td", { class: "team-rules" }, a.rules.map((/** @type {any} */ x) => `${ruleLabel(x.rule)[1]} ${x.heeded}/${x.nudges}`).join(" · ")))));
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
}

/** The Settings test: polls the meters while it runs. */
const audioTest = { timer: 0, running: false };

/**
 * Fills a device picker: the side's likely devices first, monitors marked.
 * @param {HTMLSelectElement} select
 * @param {any[]} inputs
 * @param {boolean} monitorsFirst
 * @param {string} chosen
 */
function fillPicker(select, inputs, monitorsFirst, chosen) {
  const sorted = [...inputs].sort((a, b) => Number(b.monitor === monitorsFirst) - Number(a.monitor === monitorsFirst));
  const options = [h("option", { value: "" }, "— none (not captured) —")];
  for (const d of sorted) {
    const kind = d.monitor ? "monitor · " : "";
    options.push(h("option", { value: d.id }, `${kind}${d.name} (${d.id})${d.default ? " · default" : ""}`));
  }
  if (chosen && !inputs.some((/** @type {any} */ d) => d.id === chosen)) {
    options.push(h("option", { value: chosen }, `${chosen} (not found now)`));
  }
  select.replaceChildren(...options);
  select.value = chosen || "";
}

/** @param {string} chosenMic @param {string} chosenCall */
async function loadDevices(chosenMic, chosenCall) {
  const msg = $("audio-msg");
  try {
    const list = await call("audio_devices");
    fillPicker(/** @type {any} */ ($("s-mic")), list.inputs, false, chosenMic);
    fillPicker(/** @type {any} */ ($("s-call")), list.inputs, true, chosenCall);
    msg.textContent = `${list.inputs.length} inputs (${list.host})`;
    document.body.dataset.devices = String(list.inputs.length);
  } catch (e) {
    fillPicker(/** @type {any} */ ($("s-mic")), [], false, chosenMic);
    fillPicker(/** @type {any} */ ($("s-call")), [], true, chosenCall);
    msg.textContent = /** @type {Error} */ (e).message;
  }
}

async function pollLevels() {
  try {
    const l = await call("audio_levels");
    $("lvl-mic-box").replaceChildren(levelMeter("lvl-mic", "You", l.mic));
    $("lvl-call-box").replaceChildren(levelMeter("lvl-call", "Customer", l.call));
    if (l.mode !== "test") stopPolling();
  } catch (e) {
    $("audio-msg").textContent = /** @type {Error} */ (e).message;
    stopPolling();
  }
}

function stopPolling() {
  if (audioTest.timer) clearInterval(audioTest.timer);
  audioTest.timer = 0;
  audioTest.running = false;
  $("audio-test").textContent = "Test devices";
}

async function toggleAudioTest() {
  const f = $("settings");
  const msg = $("audio-msg");
  if (audioTest.running) {
    stopPolling();
    try { await call("audio_test_end"); } catch (e) { msg.textContent = /** @type {Error} */ (e).message; }
    return;
  }
  try {
    const state = await call("audio_test", { mic: f.mic.value, call: f.call_audio.value });
    msg.textContent = state.notice || "Testing: speak into the microphone, play something to the softphone";
    audioTest.running = true;
    $("audio-test").textContent = "Stop test";
    audioTest.timer = window.setInterval(pollLevels, 150);
  } catch (e) {
    msg.textContent = /** @type {Error} */ (e).message;
  }
}

async function loadSettings() {
  const s = await call("get_settings");
  await loadDevices(s.mic, s.call_audio);
  $("settings").auto_call.checked = s.auto_call;
  $("settings").quiet_end_s.value = String(s.quiet_end_s);
  const f = $("settings");
  f.agent.value = s.agent;
  f.playbook.value = s.playbook;
  f.thresholds.value = Object.entries(s.thresholds).map(([k, v]) => `${k} = ${v}`).join("\n");
  f.dock.value = s.dock;
  f.theme.value = s.theme;
  f.database.value = s.database;
  f.notifications.checked = s.notifications;
  f.endpoint.checked = s.endpoint;
  f.endpoint_port.value = String(s.endpoint_port);
  for (const k of Object.keys(s.hotkeys)) f[`hk.${k}`].value = s.hotkeys[k];
  document.documentElement.dataset.theme = s.theme;
  f.dataset.loaded = JSON.stringify(s);
}

async function saveSettings() {
  const f = $("settings");
  const msg = $("settings-msg");
  const base = JSON.parse(f.dataset.loaded || "{}");
  /** @type {Record<string, number>} */
  const thresholds = {};
  for (const line of f.thresholds.value.split("\n")) {
    if (!line.trim()) continue;
    const [k, v] = line.split("=").map((/** @type {string} */ x) => x.trim());
    const n = Number(v);
    if (!k || v === undefined || v === "" || !Number.isFinite(n)) {
      msg.className = "bad";
      msg.textContent = `setting 'thresholds': "${line.trim()}" should look like fast_wpm = 170`;
      return;
    }
    thresholds[k] = n;
  }
  /** @type {Record<string, string>} */
  const hotkeys = {};
  for (const k of Object.keys(base.hotkeys || {})) hotkeys[k] = f[`hk.${k}`].value;
  const settings = { ...base, agent: f.agent.value, playbook: f.playbook.value, thresholds, dock: f.dock.value,
    theme: f.theme.value, database: f.database.value, notifications: f.notifications.checked, hotkeys,
    endpoint: f.endpoint.checked, endpoint_port: Number(f.endpoint_port.value),
    mic: f.mic.value, call_audio: f.call_audio.value, auto_call: f.auto_call.checked,
    quiet_end_s: Number(f.quiet_end_s.value) };
  if (audioTest.running) {
    stopPolling();
    try { await call("audio_test_end"); } catch (e) { /* the save below reports what matters */ }
  }
  try {
    const saved = await call("save_settings", { settings });
    f.dataset.loaded = JSON.stringify(saved);
    document.documentElement.dataset.theme = saved.theme;
    msg.className = "ok";
    msg.textContent = "Settings saved";
  } catch (e) {
    msg.className = "bad";
    msg.textContent = /** @type {Error} */ (e).message;
  }
}

function wire() {
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.addEventListener("click", () => {
      const name = /** @type {HTMLElement} */ (tab).dataset.tab;
      for (const t of document.querySelectorAll("[data-tab]")) t.setAttribute("aria-selected", String(t === tab));
      for (const s of document.querySelectorAll(".tab")) /** @type {HTMLElement} */ (s).hidden = s.id !== `tab-${name}`;
      if (name === "team") loadTeam();
      if (name === "settings") loadSettings();
    });
  }
  $("filters").addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    query.text = $("q").value || null;
    query.agent = $("f-agent").value || null;
    query.outcome = $("f-outcome").value || null;
    query.from = dayMs($("f-from").value);
    query.to = dayMs($("f-to").value, 1);
    query.offset = 0;
    loadList();
  });
  for (const th of document.querySelectorAll("th[data-sort]")) {
    th.addEventListener("click", () => {
      const key = /** @type {HTMLElement} */ (th).dataset.sort || "date";
      query.descending = query.sort === key ? !query.descending : key === "date";
      query.sort = /** @type {any} */ (key);
      loadList();
    });
  }
  $("prev").addEventListener("click", () => { query.offset = Math.max(0, query.offset - PAGE); loadList(); });
  $("next").addEventListener("click", () => { query.offset += PAGE; loadList(); });
  $("export-list-csv").addEventListener("click", () => exportSessions(null, "csv"));
  $("export-list-json").addEventListener("click", () => exportSessions(null, "json"));
  $("team-filters").addEventListener("submit", (/** @type {Event} */ e) => { e.preventDefault(); loadTeam(); });
  $("settings").addEventListener("submit", (/** @type {Event} */ e) => { e.preventDefault(); saveSettings(); });
  $("audio-test").addEventListener("click", toggleAudioTest);
  $("audio-refresh").addEventListener("click", () => {
    const f = $("settings");
    loadDevices(f.mic.value, f.call_audio.value);
  });
  window.addEventListener("beforeunload", () => { if (audioTest.running) call("audio_test_end"); });
}

async function main() {
  wire();
  await onEvent((e) => {
    if (e.type === "sessions_changed") {
      loadList();
      if (selected === e.id) openSession(e.id);
    }
  });
  await loadList();
  try {
    const s = await call("get_settings");
    document.documentElement.dataset.theme = s.theme;
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
  document.body.dataset.ready = "1";
}

main();
