// The agent's overlay. It keeps no call state: it draws the last OverlayState Rust sent and
// turns clicks into commands.
import { call, onEvent, h, levelMeter, mmss, ruleLabel } from "./ipc.js";

/** @typedef {import("./ipc.js").OverlayState} OverlayState */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {OverlayState|null} */
let shown = null;
/** Render latencies (ms from Rust sending a state to it being painted), newest last. */
const metrics = { latencies: /** @type {number[]} */ ([]), renders: 0, firstPaint: 0 };
/** @type {any} */ (window).parleyMetrics = metrics;

const STATE_WORDS = { idle: "○ Idle", live: "● Live", on_hold: "‖ On hold", ended: "■ Ended" };
const URGENT = new Set(["boundary", "escalation"]);

/** @param {string} msg */
function showError(msg) {
  const el = $("error");
  el.textContent = msg;
  el.hidden = !msg;
}

/**
 * Runs a command; the state it returns is drawn at once (the pushed copy may follow).
 * @param {string} cmd
 * @param {Object} [args]
 */
async function act(cmd, args) {
  try {
    const state = await call(cmd, args);
    showError("");
    if (state && typeof state.seq === "number") render(state);
    return state;
  } catch (e) {
    showError(/** @type {Error} */ (e).message);
    return null;
  }
}

/** @param {OverlayState} s */
function render(s) {
  if (shown && s.seq <= shown.seq) return;
  const draftWasOpen = !!(shown && shown.draft);
  shown = s;
  document.documentElement.dataset.theme = s.theme || "dark";
  document.body.classList.toggle("compact", !s.expanded);
  document.body.dataset.call = s.call;

  const state = $("state");
  const from = { replay: ` · replay ${s.replay_speed}×`, endpoint: " · endpoint", capture: " · audio" };
  state.textContent = STATE_WORDS[s.call] + (s.source && s.source !== "manual" ? from[s.source] : "");
  state.className = `state ${s.call}`;
  $("timer").textContent = mmss(s.call_ms);
  $("phase").textContent = s.phase && s.call !== "idle" ? `Phase ${s.phase.index} of ${s.phase.count}: ${s.phase.label}` : "";
  $("phase").title = s.replay_file ? `Replaying ${s.replay_file}` : "";
  $("notice").textContent = s.notice || "";
  $("notice").hidden = !s.notice;

  renderAudio(s);
  renderNudge(s);
  renderLadder(s);
  renderMeters(s);
  renderChecklist(s);
  renderHistory(s);
  renderControls(s);
  renderDraft(s, draftWasOpen);

  metrics.renders += 1;
  const sentAt = s.sent_at;
  requestAnimationFrame(() => {
    // The frame after this one is painted with the new state.
    setTimeout(() => {
      if (!metrics.firstPaint) metrics.firstPaint = Date.now();
      metrics.latencies.push(Date.now() - sentAt);
      if (metrics.latencies.length > 500) metrics.latencies.shift();
    }, 0);
  });
}

const AUDIO_WORDS = {
  off: "Capture off: choose the microphone and call audio in Settings",
  ready: "Audio ready: capture starts with the call",
  listening: "Listening: a call starts when the customer speaks",
  call: "Hearing the call",
  test: "Testing devices (Settings)",
};

/**
 * The children that are there (DOM append would write "null" for a missing one).
 * @param {...(Node|string|null|undefined|false)} items
 * @returns {(Node|string)[]}
 */
function present(...items) {
  return /** @type {(Node|string)[]} */ (items.filter((x) => x !== null && x !== undefined && x !== false));
}
/** Polls the level meters while capture runs. */
const levels = { timer: 0 };

/** @param {OverlayState} s */
function renderAudio(s) {
  const a = s.audio;
  const box = $("audio");
  box.dataset.mode = a.mode;
  box.dataset.auto = a.auto_started ? "1" : "0";
  box.dataset.bleed = a.bleed ? "1" : "0";
  $("audio-line").replaceChildren(...present(
    AUDIO_WORDS[a.mode] || a.mode,
    a.auto_call && a.mode !== "off" ? h("span", { class: "tag", title: "Calls start and end by themselves" }, "AUTO") : null,
    a.auto_started ? h("span", { class: "tag", id: "auto-started" }, "started automatically") : null,
    a.bleed ? h("span", { class: "bleed", id: "bleed" }, "⚠ The mic hears the call (speakers?): use a headset") : null));
  const capturing = a.mode === "listening" || a.mode === "call" || a.mode === "test";
  if (capturing && !levels.timer) {
    levels.timer = window.setInterval(pollLevels, 250);
  } else if (!capturing && levels.timer) {
    clearInterval(levels.timer);
    levels.timer = 0;
    $("audio-meters").replaceChildren();
  }
}

async function pollLevels() {
  // A hidden overlay draws nothing, so it asks for nothing.
  if (document.hidden) return;
  try {
    const l = await call("audio_levels");
    $("audio-meters").replaceChildren(levelMeter("ov-mic", "You", l.mic), levelMeter("ov-call", "Customer", l.call));
  } catch (e) {
    showError(/** @type {Error} */ (e).message);
  }
}

/** @param {OverlayState} s */
function renderNudge(s) {
  const box = $("nudge");
  const n = s.nudge;
  box.replaceChildren();
  box.className = "nudge";
  if (!n) {
    box.classList.add("empty");
    box.append(h("div", { class: "headline-none" }, s.call === "idle" ? "No call. Start one or replay a call." : "✓ Nothing to fix right now"));
    box.dataset.nudge = "";
    return;
  }
  const [icon, word] = ruleLabel(n.rule);
  const urgent = URGENT.has(n.rule);
  box.classList.toggle("urgent", urgent);
  box.dataset.nudge = String(n.id);
  box.dataset.rule = n.rule;
  box.append(...present(
    h("div", { class: "kind" }, h("span", { "aria-hidden": "true" }, icon), word,
      urgent ? h("span", { class: "tag" }, "URGENT") : null,
      h("span", { class: "muted" }, mmss(n.at_ms))),
    h("div", { class: "headline", id: "nudge-headline" }, n.headline),
    n.script ? h("div", { class: "script" }, n.script) : null,
    h("details", { open: s.expanded && urgent }, h("summary", {}, "Why"), n.reason),
    h("div", { class: "actions" },
      h("button", { id: "dismiss", onclick: () => act("dismiss_nudge") }, "✕ Dismiss"),
      h("button", { id: "mute", title: "Silence this rule for the rest of the call", onclick: () => act("mute_rule", { rule: n.rule }) }, "Mute rule")),
  ));
  box.title = n.reason;
}

/** @param {OverlayState} s */
function renderLadder(s) {
  const box = $("ladder");
  box.hidden = s.boundary_step === 0;
  if (box.hidden) return;
  const steps = [];
  for (let i = 1; i <= s.boundary_steps; i++) steps.push(h("span", { class: i <= s.boundary_step ? "step on" : "step" }));
  box.replaceChildren(h("span", {}, `⚑ Boundary step ${s.boundary_step} of ${s.boundary_steps}`), ...steps);
}

/**
 * @param {string} label
 * @param {number} fraction 0..1 of the bar
 * @param {string} value
 * @param {boolean} over
 */
function meter(label, fraction, value, over) {
  const fill = h("div", { class: "fill" });
  fill.style.width = `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
  return h("div", { class: over ? "meter over" : "meter" },
    h("span", {}, label), h("div", { class: "track" }, fill), h("span", { class: "val" }, value));
}

/** @param {OverlayState} s */
function renderMeters(s) {
  const p = s.pacing;
  const box = $("meters");
  if (!p) {
    box.replaceChildren(h("div", { class: "muted" }, "Pacing shows once people speak."));
    return;
  }
  const wpm = p.agent_wpm;
  const silent = p.since_customer_spoke_ms;
  box.replaceChildren(
    meter("Rate", wpm ? wpm / 240 : 0, wpm ? `${Math.round(wpm)} wpm` : "—", !!wpm && wpm > 170),
    meter("Talk share", p.recent_talk_share, `${Math.round(p.recent_talk_share * 100)}%`, p.recent_talk_share > 0.6),
    meter("Customer quiet", silent ? silent / 60000 : 0, silent !== undefined ? `${Math.round(silent / 1000)} s` : "—", !!silent && silent > 45000),
  );
}

/** @param {OverlayState} s */
function renderChecklist(s) {
  $("checklist").replaceChildren(...s.checklist.map((i) => {
    const current = i.item === s.current_item;
    return h("li", { class: i.done ? "done" : current ? "current" : "", "data-item": i.item, "data-done": i.done ? "1" : "0" },
      h("span", { class: "mark", "aria-hidden": "true" }, i.done ? "✓" : current ? "▶" : "○"),
      h("span", {}, i.label + (i.done ? "" : current ? " (now)" : "")),
      i.done && i.evidence ? h("span", { class: "when" }, (i.evidence.by_agent ? "by you · " : "") + mmss(i.evidence.at_ms)) : null);
  }));
}

/** @param {OverlayState} s */
function renderHistory(s) {
  const items = s.history.map((r) => {
    const [icon] = ruleLabel(r.rule);
    const fate = r.dismissed ? "✕ dismissed" : r.heeded === true ? "✓ heeded" : r.heeded === false ? "✗ missed" : "…";
    return h("li", { "data-nudge": r.id, title: r.reason },
      h("span", {}, mmss(r.at_ms)), h("span", { "aria-hidden": "true" }, icon),
      h("span", { class: "what" }, r.headline), h("span", {}, fate));
  });
  $("history").replaceChildren(...(items.length ? items : [h("li", {}, "None yet")]));
}

/** @param {OverlayState} s */
function renderControls(s) {
  const live = s.call === "live" || s.call === "on_hold";
  const start = $("start");
  start.textContent = live ? "■ End" : "▶ Start";
  start.classList.toggle("primary", true);
  /** @type {HTMLButtonElement} */ (start).disabled = s.call === "ended";
  const hold = /** @type {HTMLButtonElement} */ ($("hold"));
  hold.textContent = s.call === "on_hold" ? "▶ Resume" : "‖ Hold";
  hold.disabled = !live;
  /** @type {HTMLButtonElement} */ ($("tick")).disabled = !live || !s.current_item;
  /** @type {HTMLButtonElement} */ ($("abuse")).disabled = !live;
  /** @type {HTMLButtonElement} */ ($("replay")).disabled = s.call !== "idle";
}

/**
 * @param {OverlayState} s
 * @param {boolean} wasOpen
 */
function renderDraft(s, wasOpen) {
  const box = $("draft");
  box.hidden = !s.draft;
  if (!s.draft) return;
  $("draft-meta").textContent = `· ${s.draft.outcome} · ${mmss(s.draft.duration_ms)}`;
  const text = /** @type {HTMLTextAreaElement} */ ($("draft-text"));
  // Never overwrite what the agent is typing; fill it once when the draft arrives.
  if (!wasOpen) {
    text.value = s.draft.text;
    if (!s.expanded) act("set_expanded", { expanded: true });
    box.scrollIntoView({ block: "nearest" });
  }
}

function wire() {
  $("start").addEventListener("click", () => {
    const live = shown && (shown.call === "live" || shown.call === "on_hold");
    act(live ? "end_call" : "start_call");
  });
  $("hold").addEventListener("click", () => act("set_hold", { on: !(shown && shown.call === "on_hold") }));
  $("tick").addEventListener("click", () => act("tick_current"));
  $("abuse").addEventListener("click", () => act("flag_abuse"));
  $("expand").addEventListener("click", () => act("set_expanded", { expanded: !(shown && shown.expanded) }));
  $("review").addEventListener("click", () => act("open_review"));
  $("replay").addEventListener("click", () => {
    const speed = Number(/** @type {HTMLSelectElement} */ ($("speed")).value);
    act("replay_call", { speed });
  });
  $("note-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($("note"));
    if (!input.value.trim()) return;
    if (await act("add_note", { text: input.value })) input.value = "";
  });
  $("draft-save").addEventListener("click", async () => {
    const text = /** @type {HTMLTextAreaElement} */ ($("draft-text")).value;
    const saved = await act("save_note", { text });
    if (saved) $("error").hidden = true;
  });
}

async function main() {
  wire();
  await onEvent((e) => {
    if (e.type === "state") render(/** @type {any} */ (e));
    else if (e.type === "focus_note") $("note").focus();
  });
  // Resync: whatever happened before this page listened, Rust has the truth.
  const s = await act("get_state");
  if (s) document.body.dataset.ready = "1";
}

main();
