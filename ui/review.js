// The review window: session list, session detail, team trends, settings. It reads this PC's
// calls, or the team server's (Settings) as the saved credential's role; every list, filter,
// score and sort runs in Rust or on the server; this page only asks and draws.
import { call, onEvent, h, levelMeter, mmss, ruleLabel, RULES } from "./ipc.js";

/** @typedef {import("./ipc.js").SessionFilter} SessionFilter */
/** @typedef {import("./ipc.js").ReviewDetail} ReviewDetail */
/** @typedef {import("./ipc.js").TeamServer} TeamServer */
/** @typedef {import("./ipc.js").WeekRow} WeekRow */

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const PAGE = 50;

/** @type {SessionFilter} */
const query = { agent: null, from: null, to: null, outcome: null, status: null, rule: null, heeded_min: null,
  heeded_max: null, tags: [], text: null, sort: "date", descending: true, limit: PAGE, offset: 0 };
/** @type {number|string|null} the local id, or the global id in team mode */
let selected = null;
let total = 0;
/** "local" or "team" */
let mode = "local";
/** @type {TeamServer} */
let server = { server: null, kind: null, error: null };
const isLead = () => mode === "team" && server.kind === "lead";

/** @param {string} msg @param {boolean} [bad] */
function status(msg, bad = false) {
  const el = $("status");
  el.textContent = msg;
  el.className = bad ? "error" : "muted";
}

/** Local midnight of a date input's day, `addDays` later (the viewer's time zone, DST-safe).
 * @param {string} value @param {number} addDays */
function dayMs(value, addDays = 0) {
  if (!value) return null;
  const [y, m, d] = value.split("-").map(Number);
  return new Date(y, m - 1, d + addDays).getTime();
}

const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
/** A time in the viewer's local time zone. @param {number} ms */
function when(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
/** @param {number} ms */
const day = (ms) => when(ms).slice(0, 10);
const num = (/** @type {number} */ n) => n.toLocaleString("en-US");

/** @param {string|null} o */
const outcomeWord = (o) => (o ? o.replaceAll("_", " ") : "—");

/** "mm:ss" or "m:ss" to ms; null when empty; NaN when unreadable. @param {string} text */
function parseAt(text) {
  const t = text.trim();
  if (!t) return null;
  const m = /^(\d+):([0-5]\d)$/.exec(t);
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : NaN;
}

function showSource() {
  const el = $("source");
  if (mode === "team") {
    el.textContent = `Team server · ${server.server} (${server.kind})`;
    el.className = "source team";
  } else {
    el.textContent = server.error && server.server ? `This PC · team server unavailable` : "This PC";
    el.className = "source";
    el.title = server.error || "Where this window reads calls from (Settings)";
  }
  document.body.dataset.mode = mode;
}

/** Team mode when the setting asks for it and a team server answers. @param {boolean} wantTeam */
async function setMode(wantTeam) {
  try {
    server = await call("team_server");
  } catch (e) {
    server = { server: null, kind: null, error: /** @type {Error} */ (e).message };
  }
  mode = wantTeam && server.server && !server.error ? "team" : "local";
  if (wantTeam && mode === "local") status(server.error || "No team server saved: add its URL in Settings", true);
  showSource();
  selected = null;
  $("detail").replaceChildren(h("p", { class: "muted" }, "Pick a session to see its scorecard, note, timeline and pacing."));
}

async function loadList() {
  try {
    const page = mode === "team" ? await call("team_sessions", { filter: query }) : await call("list_sessions", { filter: query });
    total = page.total;
    const body = $("sessions").querySelector("tbody");
    body.replaceChildren(...page.items.map((/** @type {any} */ r) => {
      const key = mode === "team" ? r.uid : r.id;
      return h("tr", { "data-id": key, class: key === selected ? "selected" : "", onclick: () => openSession(key), title: r.source },
        h("td", {}, when(r.started_at)),
        h("td", {}, r.agent),
        h("td", { class: "num" }, r.duration_ms === null ? "—" : mmss(r.duration_ms)),
        h("td", {}, r.status === "complete" ? outcomeWord(r.outcome) : `${outcomeWord(r.outcome)} (${r.status})`),
        h("td", { class: "num" }, String(r.nudge_count)),
        h("td", { class: "num" }, r.heeded_ratio === null ? "—" : `${Math.round(r.heeded_ratio * 100)}%`));
    }));
    if (!page.items.length) body.append(h("tr", {}, h("td", { colspan: "6", class: "muted" }, "No sessions match.")));
    const pages = Math.max(1, Math.ceil(total / PAGE));
    const pageNo = Math.floor(query.offset / PAGE);
    const first = total ? query.offset + 1 : 0;
    $("page-info").textContent = `Showing ${num(first)}–${num(query.offset + page.items.length)} of ${num(total)} session${total === 1 ? "" : "s"} · page ${pageNo + 1} of ${num(pages)}`;
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

const NS = "http://www.w3.org/2000/svg";
/**
 * A small line chart as inline SVG, one line per series.
 * @param {string} title
 * @param {{name: string, points: {x: number, y: number}[]}[]} series
 * @param {number} maxY
 * @param {number|null} limit
 * @param {(y: number) => string} fmt
 * @param {{min: number, max: number, label: (x: number) => string}} xs
 */
function chart(title, series, maxY, limit, fmt, xs) {
  const W = 300, H = 110, P = 22;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H + 10}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  const span = Math.max(1, xs.max - xs.min);
  const sx = (/** @type {number} */ x) => P + ((x - xs.min) / span) * (W - P - 6);
  const sy = (/** @type {number} */ y) => H - (Math.min(y, maxY) / maxY) * (H - 10);
  const add = (/** @type {string} */ tag, /** @type {Object<string, any>} */ attrs, text = "") => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text) el.textContent = text;
    svg.append(el);
    return el;
  };
  if (limit !== null) add("line", { class: "limit", x1: P, x2: W - 4, y1: sy(limit), y2: sy(limit) });
  series.forEach((s, i) => {
    const cls = series.length > 1 ? `series s${i % 6}` : "line";
    if (s.points.length > 1) add("polyline", { class: cls, "data-series": s.name, points: s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ") });
    if (series.length > 1 || s.points.length === 1) for (const p of s.points) add("circle", { class: `${series.length > 1 ? `s${i % 6}` : "line"} dot`, cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: 2.5 });
  });
  add("text", { x: 2, y: 12 }, fmt(maxY));
  add("text", { x: 2, y: H }, fmt(0));
  add("text", { x: P, y: H + 10 }, xs.label(xs.min));
  add("text", { x: W - 60, y: H + 10 }, xs.label(xs.max));
  return h("figure", { class: "chart" }, h("figcaption", {}, title), svg);
}

/** @param {ReviewDetail} r */
function timeline(r) {
  /** @type {{at: number, order: number, el: HTMLElement}[]} */
  const rows = [];
  const row = (/** @type {number} */ at, /** @type {string} */ cls, /** @type {string} */ icon, /** @type {string} */ text, order = 1) =>
    rows.push({ at, order, el: h("li", { class: cls, "data-at": at, onclick: () => pinAt(at) }, h("span", { class: "t" }, mmss(at)), h("span", { "aria-hidden": "true" }, icon), h("span", { class: "txt" }, text)) });
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
  for (const c of r.team ? r.team.comments : []) {
    if (c.at_ms !== null) row(c.at_ms, "comment", "❝", `${c.author}: ${c.body}`, 2);
  }
  rows.sort((a, b) => a.at - b.at || a.order - b.order);
  return h("ol", { class: "timeline", id: "timeline" }, ...rows.map((x) => x.el));
}

/** Clicking a moment of the timeline pins the next comment there. @param {number} at */
function pinAt(at) {
  const el = $("comment-at");
  if (el) el.value = mmss(at);
}

/** @param {ReviewDetail} r */
function noteMeta(r) {
  const n = r.note;
  if (!n) return "No note";
  return n.edited_at ? `Last edited by ${n.edited_by} at ${when(n.edited_at)}` : `Drafted at ${when(n.drafted_at)}, not edited`;
}

/** @param {ReviewDetail} r */
function noteHistory(r) {
  if (r.note_history.length < 2) return null;
  return h("details", { class: "history", id: "note-history" },
    h("summary", {}, `Note history: ${r.note_history.length} versions`),
    ...r.note_history.slice().reverse().map((v) => h("div", {}, h("b", {}, `${when(v.saved_at)} by ${v.saved_by}`), h("pre", {}, v.body))));
}

/** @param {ReviewDetail} r */
function scorecard(r) {
  const card = r.scorecard;
  if (card.missing) return h("p", { class: "muted", id: "scorecard" }, card.missing);
  const uid = r.team ? r.team.uid : null;
  const rows = card.criteria.map((c) => {
    const cells = [
      h("td", {}, c.label, h("div", { class: "ev" }, c.evidence.join(" · ")),
        c.overridden ? h("div", { class: "ov" }, `Overridden by ${c.overridden.author} at ${when(c.overridden.created_at)}: “${c.overridden.reason}” (checklist said ${c.met_by_checklist ? "met" : "not met"})`) : null),
      h("td", { class: "num" }, String(c.weight)),
      h("td", { class: c.met ? "met" : "unmet" }, c.met ? "✓ met" : "✗ not met"),
    ];
    if (isLead() && uid) {
      const reason = /** @type {HTMLInputElement} */ (h("input", { class: "ov-reason", placeholder: "Reason", "aria-label": `Reason to override ${c.label}`, size: "14" }));
      cells.push(h("td", { class: "noprint" }, reason,
        h("button", { class: "ov-save", "data-criterion": c.id, onclick: () => override(uid, c.id, !c.met, reason.value) }, c.met ? "Mark not met" : "Mark met")));
    }
    return h("tr", { "data-criterion": c.id }, ...cells);
  });
  return h("div", { id: "scorecard" },
    h("p", { class: "score-big" }, `Score ${card.score === null ? "—" : `${Math.round(card.score * 100)}%`}`, h("span", { class: "muted" }, ` · criteria from playbook ${card.playbook}`)),
    h("table", { class: "scorecard" }, h("thead", {}, h("tr", {}, h("th", {}, "Criterion (evidence)"), h("th", {}, "Weight"), h("th", {}, "Result"), isLead() ? h("th", {}, "Override") : null)), h("tbody", {}, ...rows)));
}

/** @param {ReviewDetail} r */
function comments(r) {
  const t = r.team;
  if (!t) return null;
  const list = t.comments.length
    ? h("ul", { class: "comments", id: "comments" }, ...t.comments.map((c) => h("li", {}, h("b", {}, c.author), c.at_ms !== null ? ` at ${mmss(c.at_ms)}` : "", ` (${when(c.created_at)}): `, c.body)))
    : h("p", { class: "muted", id: "comments" }, "No comments yet.");
  const parts = [h("h2", {}, mode === "team" ? "Comments" : "Comments from your lead"), t.error ? h("p", { class: "error" }, `Team server: ${t.error}`) : null, list];
  if (isLead()) {
    const at = /** @type {HTMLInputElement} */ (h("input", { id: "comment-at", placeholder: "mm:ss", size: "5", "aria-label": "Moment (mm:ss; click a timeline line)" }));
    const body = /** @type {HTMLTextAreaElement} */ (h("textarea", { id: "comment-body", rows: "2", "aria-label": "Comment" }));
    parts.push(body, h("div", { class: "row noprint" }, h("label", {}, "At ", at),
      h("button", { id: "comment-save", class: "primary", onclick: () => saveComment(t.uid, at.value, body.value) }, "Save comment"),
      h("span", { class: "muted" }, "Click a line of the timeline to pin the comment to it.")));
  }
  return h("section", {}, ...parts);
}

/** @param {ReviewDetail} r */
function followUps(r) {
  if (!r.follow_ups.length) return h("p", { class: "muted" }, "No follow-up promised.");
  const local = mode === "local";
  return h("ul", { id: "follow-ups" }, ...r.follow_ups.map((f) => h("li", { "data-done": f.done ? "1" : "0" },
    f.done ? "✓ " : "☎ ", `“${f.text}”`, f.due_at ? ` — due ${when(f.due_at)}` : " — no due time said",
    !f.done && f.due_at !== null && f.due_at < Date.now() ? h("b", { class: "error" }, " overdue") : null,
    f.done ? " (done)" : null,
    local ? h("button", { class: "fu-done noprint", onclick: () => followUpDone(r.session.id, f.id, !f.done) }, f.done ? "Mark owed" : "Mark done") : null)));
}

/** @param {number|string} key */
async function openSession(key) {
  selected = key;
  for (const tr of document.querySelectorAll("#sessions tbody tr")) tr.classList.toggle("selected", /** @type {HTMLElement} */ (tr).dataset.id === String(key));
  try {
    render(mode === "team" ? await call("team_session", { uid: key }) : await call("get_session", { id: key }));
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
}

/** @param {ReviewDetail} r */
function render(r) {
  const s = r.session;
  const team = mode === "team";
  const note = /** @type {HTMLTextAreaElement} */ (h("textarea", { id: "detail-note", rows: "10", "aria-label": "Session note", readonly: team }));
  note.value = r.note ? r.note.body : "";
  const by = /** @type {HTMLInputElement} */ (h("input", { id: "detail-by", placeholder: "Your name", "aria-label": "Edited by" }));
  by.value = localStorage.getItem("parley.lead") || "";
  const talk = r.pacing.map((p) => ({ x: p.at_ms, y: p.recent_talk_share * 100 }));
  const rate = r.pacing.filter((p) => p.wpm !== null && p.wpm !== undefined).map((p) => ({ x: p.at_ms, y: /** @type {number} */ (p.wpm) }));
  const heeded = r.nudges.filter((n) => n.heeded === true).length;
  const lim = r.limits;
  const xs = { min: 0, max: Math.max(1, ...r.pacing.map((p) => p.at_ms)), label: mmss };
  // h() skips empty children; replaceChildren would print them as "null".
  $("detail").replaceChildren(h("div", {},
    h("h1", {}, `Session ${s.id} · ${s.agent}`, team && r.team ? h("span", { class: "muted" }, ` · ${r.team.owner}, team ${r.team.team}`) : null),
    h("div", { class: "facts" },
      h("span", {}, "Started ", h("b", {}, when(s.started_at))),
      h("span", {}, "Length ", h("b", {}, s.duration_ms === null ? "—" : mmss(s.duration_ms))),
      h("span", {}, "Outcome ", h("b", { id: "detail-outcome" }, outcomeWord(s.outcome))),
      h("span", {}, "Checklist ", h("b", {}, `${s.items_done}/${s.items_total}`)),
      h("span", {}, "Nudges ", h("b", {}, `${r.nudges.length} (${heeded} heeded)`)),
      h("span", {}, "Source ", h("b", {}, s.source))),
    h("h2", {}, "Scorecard"), scorecard(r),
    comments(r),
    h("h2", {}, "Note"),
    note,
    team ? h("div", { class: "row" }, h("span", { id: "note-meta", class: "muted" }, `${noteMeta(r)} · notes are edited on the agent's PC; comment instead`))
      : h("div", { class: "row noprint" }, by,
        h("button", { id: "detail-save", class: "primary", onclick: () => saveNote(/** @type {number} */ (s.id), note.value, by.value) }, "Save note"),
        h("span", { id: "note-meta", class: "muted" }, noteMeta(r))),
    noteHistory(r),
    h("h2", {}, "Follow-ups"), followUps(r),
    team ? null : h("div", { class: "row noprint" },
      h("button", { id: "export-one-csv", onclick: () => exportSessions(s.id, "csv") }, "Export CSV"),
      h("button", { id: "export-one-json", onclick: () => exportSessions(s.id, "json") }, "Export JSON"),
      h("button", { id: "print", onclick: () => window.print() }, "Print report")),
    h("h2", {}, "Pacing"),
    lim ? null : h("p", { class: "muted" }, `No limit lines: playbook ${s.playbook}, which this call used, is not loaded here.`),
    r.pacing_from === "recorded" ? null : h("p", { class: "muted", id: "pacing-from" }, "Recomputed from the call's events: this call was saved before the meters were kept as the agent saw them."),
    h("div", { class: "charts" },
      chart(`Agent talk share (recent), %${lim ? `; limit ${Math.round(lim.talk_share_max * 100)}%` : ""}`, [{ name: "talk", points: talk }], 100, lim ? lim.talk_share_max * 100 : null, (y) => `${Math.round(y)}%`, xs),
      chart(`Agent rate, words per minute${lim ? `; limit ${Math.round(lim.fast_wpm)}` : ""}`, [{ name: "rate", points: rate }], Math.max(240, lim ? lim.fast_wpm * 1.3 : 0), lim ? lim.fast_wpm : null, (y) => `${Math.round(y)}`, xs)),
    h("h2", {}, "Timeline"),
    timeline(r)));
}

/** @param {number} id @param {string} text @param {string} by */
async function saveNote(id, text, by) {
  try {
    const r = await call("save_session_note", { id, text, by });
    localStorage.setItem("parley.lead", by.trim());
    render(r);
    $("note-meta").textContent = `Saved · ${noteMeta(r)}`;
    status("Note saved");
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
}

/** @param {string} uid @param {string} atText @param {string} body */
async function saveComment(uid, atText, body) {
  const at = parseAt(atText);
  if (Number.isNaN(at)) return status(`comment moment "${atText}" should look like 01:05`, true);
  try {
    render(await call("team_comment", { uid, atMs: at, body }));
    status("Comment saved");
    document.body.dataset.commented = "1";
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
}

/** @param {string} uid @param {string} criterion @param {boolean} met @param {string} reason */
async function override(uid, criterion, met, reason) {
  try {
    render(await call("team_override", { uid, criterion, met, reason }));
    status("Scorecard override saved");
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
}

/** @param {number} id @param {number} followUp @param {boolean} done */
async function followUpDone(id, followUp, done) {
  try {
    render(await call("set_follow_up_done", { id, followUp, done }));
    status(done ? "Follow-up marked done" : "Follow-up owed again");
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
}

/** @param {number|null} id @param {string} format */
async function exportSessions(id, format) {
  try {
    const filter = { ...query, limit: 10000, offset: 0 };
    const path = mode === "team" ? await call("team_export", { filter, format }) : await call("export_sessions", { filter, id, format });
    status(path ? `Exported to ${path}${total > 10000 ? ` (the first 10,000 of ${num(total)})` : ""}` : "Export cancelled");
    document.body.dataset.exported = path || "";
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
}

/** Week trend charts, one line per agent. @param {WeekRow[]} weeks */
function trends(weeks) {
  const agents = [...new Set(weeks.map((w) => w.agent))].sort();
  if (!weeks.length) return [h("p", { class: "muted" }, "No calls in these weeks.")];
  const xs = { min: Math.min(...weeks.map((w) => w.week)), max: Math.max(...weeks.map((w) => w.week)), label: day };
  /** @param {(w: WeekRow) => number|null} f */
  const series = (f) => agents.map((a) => ({ name: a, points: weeks.filter((w) => w.agent === a && f(w) !== null).map((w) => ({ x: w.week, y: /** @type {number} */ (f(w)) })) }));
  /** @param {(w: WeekRow) => number|null} f */
  const top = (f, floor = 1) => Math.max(floor, ...weeks.map((w) => f(w) || 0)) * 1.1;
  return [
    h("div", { class: "legend" }, ...agents.map((a, i) => h("span", {}, h("i", { class: `s${i % 6}` }), a)),
      h("span", { class: "muted" }, "weeks start Monday 00:00 UTC")),
    chart("Heeded rate, %", series((w) => (w.heeded_rate === null ? null : w.heeded_rate * 100)), 100, null, (y) => `${Math.round(y)}%`, xs),
    chart("Interruptions per call", series((w) => w.interruptions_per_call), top((w) => w.interruptions_per_call), null, (y) => y.toFixed(1), xs),
    chart("Agent talk share per call (whole call), %", series((w) => (w.talk_share === null ? null : w.talk_share * 100)), 100, null, (y) => `${Math.round(y)}%`, xs),
    chart("Boundary incidents (calls)", series((w) => w.boundary_calls), top((w) => w.boundary_calls), null, (y) => y.toFixed(0), xs),
    chart("Follow-ups overdue", series((w) => w.follow_ups_overdue), top((w) => w.follow_ups_overdue), null, (y) => y.toFixed(0), xs),
  ];
}

async function loadTeam() {
  const from = dayMs($("t-from").value), to = dayMs($("t-to").value, 1);
  try {
    if (mode === "team") {
      /** @type {WeekRow[]} */
      const weeks = await call("team_trends", { from, to });
      $("trends").hidden = false;
      $("trends").replaceChildren(...trends(weeks));
      /** @type {Map<string, {calls: number, nudges: number, heeded: number, inter: number, boundary: number, overdue: number}>} */
      const by = new Map();
      for (const w of weeks) {
        const a = by.get(w.agent) || { calls: 0, nudges: 0, heeded: 0, inter: 0, boundary: 0, overdue: 0 };
        a.calls += w.calls; a.nudges += w.nudges; a.heeded += w.heeded; a.inter += w.interruptions_per_call * w.calls;
        a.boundary += w.boundary_calls; a.overdue += w.follow_ups_overdue;
        by.set(w.agent, a);
      }
      $("team").querySelector("tbody").replaceChildren(...[...by.entries()].map(([agent, a]) => h("tr", {},
        h("td", {}, agent), h("td", { class: "num" }, num(a.calls)), h("td", { class: "num" }, num(a.nudges)),
        h("td", { class: "num" }, a.nudges ? `${Math.round((100 * a.heeded) / a.nudges)}%` : "—"),
        h("td", { class: "team-rules" }, `${(a.inter / Math.max(1, a.calls)).toFixed(1)} interruptions/call · ${a.boundary} boundary · ${a.overdue} overdue follow-ups`))));
      $("team-info").textContent = `${num(weeks.reduce((n, w) => n + w.calls, 0))} calls from the team server, every one counted`;
      document.body.dataset.trends = String(weeks.length);
      return;
    }
    $("trends").hidden = true;
    const stats = await call("team_stats", { from, to });
    $("team-info").textContent = stats.counted < stats.total
      ? `Showing the newest ${num(stats.counted)} of ${num(stats.total)} calls on this PC`
      : `${num(stats.total)} calls on this PC`;
    $("team").querySelector("tbody").replaceChildren(...stats.agents.map((/** @type {any} */ a) => h("tr", {},
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
  f.stt_model.value = s.stt_model;
  f.review_team.checked = s.review_team;
  const sync = server.sync ? ` · this PC's calls sync as ${server.sync}` : "";
  const t = server.server ? `Saved: ${server.server}${server.kind ? ` (${server.kind})` : ""}${sync}${server.error ? ` · ${server.error}` : ""}` : "No team server saved";
  $("team-msg").textContent = t;
  for (const k of Object.keys(s.hotkeys)) f[`hk.${k}`].value = s.hotkeys[k];
  document.documentElement.dataset.theme = s.theme;
  f.dataset.loaded = JSON.stringify(s);
}

async function connectTeam() {
  const el = $("team-msg");
  try {
    server = await call("team_connect", { url: $("team-url").value });
    $("team-url").value = "";
    el.className = "ok";
    el.textContent = `Connected to ${server.server} as a ${server.kind}; saved (readable only by you)${server.kind === "lead" ? ", for reviewing only: this PC's calls keep syncing as before" : ""}`;
  } catch (e) {
    el.className = "error";
    el.textContent = /** @type {Error} */ (e).message;
  }
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
    quiet_end_s: Number(f.quiet_end_s.value), stt_model: f.stt_model.value, review_team: f.review_team.checked };
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
    await setMode(saved.review_team);
    query.offset = 0;
    await loadList();
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
    query.status = $("f-status").value || null;
    query.rule = $("f-rule").value || null;
    const [hmin, hmax] = $("f-heeded").value ? $("f-heeded").value.split(":").map(Number) : [null, null];
    query.heeded_min = hmin;
    query.heeded_max = hmax;
    query.tags = $("f-tags").value.split(",").map((/** @type {string} */ t) => t.trim()).filter(Boolean);
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
  $("team-connect").addEventListener("click", connectTeam);
  $("f-rule").append(...Object.entries(RULES).map(([k, v]) => h("option", { value: k }, v[1])));
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
    if (e.type === "sessions_changed" && mode === "local") {
      loadList();
      if (selected === e.id) openSession(e.id);
    }
  });
  try {
    const s = await call("get_settings");
    document.documentElement.dataset.theme = s.theme;
    await setMode(s.review_team);
  } catch (e) {
    status(/** @type {Error} */ (e).message, true);
  }
  await loadList();
  document.body.dataset.ready = "1";
}

main();
