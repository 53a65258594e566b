// The UI's view of the messages Rust sends (src-tauri/desktop/ipc.rs and friends).
// tests/desktop_ipc.rs checks every typedef below against serialized Rust samples, so a field
// added or renamed on one side and not the other fails the build's tests.

/**
 * @typedef {Object} UiEvent
 * @property {"state"|"sessions_changed"|"focus_note"} type
 * @property {number} [id]
 */

/**
 * @typedef {Object} OverlayState
 * @property {number} seq
 * @property {"idle"|"live"|"on_hold"|"ended"} call
 * @property {"manual"|"replay"|"endpoint"|"capture"|null} source
 * @property {string|null} replay_file
 * @property {number} replay_speed
 * @property {number} call_ms
 * @property {PhaseView|null} phase
 * @property {ItemStatus[]} checklist
 * @property {string|null} current_item
 * @property {Nudge|null} nudge
 * @property {NudgeRecord[]} history
 * @property {Pacing|null} pacing
 * @property {number} boundary_step
 * @property {number} boundary_steps
 * @property {NoteDraft|null} draft
 * @property {boolean} expanded
 * @property {string} theme
 * @property {string} dock
 * @property {number} sent_at
 * @property {string|null} notice
 * @property {AudioView} audio
 */

/**
 * @typedef {Object} AudioView
 * @property {"off"|"ready"|"listening"|"call"|"test"} mode
 * @property {boolean} auto_call
 * @property {boolean} bleed
 * @property {boolean} auto_started
 */

/**
 * @typedef {Object} Levels
 * @property {"off"|"ready"|"listening"|"call"|"test"} mode
 * @property {SideLevel|null} mic
 * @property {SideLevel|null} call
 */

/**
 * @typedef {Object} SideLevel
 * @property {string} device
 * @property {number} level_db
 * @property {boolean} speech
 */

/**
 * @typedef {Object} AudioDevices
 * @property {string} host
 * @property {InputDevice[]} inputs
 */

/**
 * @typedef {Object} InputDevice
 * @property {string} id
 * @property {string} name
 * @property {boolean} monitor
 * @property {boolean} default
 */

/**
 * @typedef {Object} PhaseView
 * @property {string} id
 * @property {string} label
 * @property {number} index
 * @property {number} count
 */

/**
 * @typedef {Object} ItemStatus
 * @property {string} item
 * @property {string} label
 * @property {boolean} done
 * @property {Evidence} [evidence]
 */

/**
 * @typedef {Object} Evidence
 * @property {number} at_ms
 * @property {"agent"|"customer"} [speaker]
 * @property {string} [text]
 * @property {boolean} by_agent
 */

/**
 * @typedef {Object} Nudge
 * @property {number} id
 * @property {string} rule
 * @property {number} at_ms
 * @property {string} headline
 * @property {string} [script]
 * @property {string} reason
 * @property {number} priority
 * @property {number} [step]
 */

/**
 * @typedef {Object} NudgeRecord
 * @property {number} id
 * @property {string} rule
 * @property {number} at_ms
 * @property {string} headline
 * @property {string} [script]
 * @property {string} reason
 * @property {number} priority
 * @property {number} [step]
 * @property {boolean|null} heeded
 * @property {boolean} dismissed
 */

/**
 * @typedef {Object} Pacing
 * @property {number} agent_talk_share
 * @property {number} recent_talk_share
 * @property {number} [agent_wpm]
 * @property {number} [agent_wpm_overall]
 * @property {number} agent_speech_ms
 * @property {number} customer_speech_ms
 * @property {number} interruptions
 * @property {number} overlaps
 * @property {number} backchannels
 * @property {number} longest_silence_ms
 * @property {number} longest_monologue_ms
 * @property {number} hold_ms
 * @property {number} [since_customer_spoke_ms]
 */

/**
 * @typedef {Object} NoteDraft
 * @property {number} session_id
 * @property {string} text
 * @property {string} outcome
 * @property {number} duration_ms
 */

/**
 * @typedef {Object} SessionRow
 * @property {number} id
 * @property {string} agent
 * @property {number} started_at
 * @property {number|null} ended_at
 * @property {number|null} duration_ms
 * @property {string} playbook
 * @property {string|null} outcome
 * @property {"live"|"complete"|"interrupted"} status
 * @property {string} source
 * @property {number} nudge_count
 * @property {number} heeded_count
 * @property {number|null} heeded_ratio
 * @property {number} items_done
 * @property {number} items_total
 * @property {string[]} tags
 */

/**
 * @typedef {Object} Page
 * @property {number} total
 * @property {number} offset
 * @property {Object[]} items
 */

/**
 * @typedef {Object} SessionFilter
 * @property {string|null} agent
 * @property {number|null} from
 * @property {number|null} to
 * @property {string|null} outcome
 * @property {string|null} status
 * @property {string|null} rule
 * @property {number|null} heeded_min
 * @property {number|null} heeded_max
 * @property {string[]} tags
 * @property {string|null} text
 * @property {"date"|"agent"|"duration"|"outcome"|"nudges"|"heeded"} sort
 * @property {boolean} descending
 * @property {number} limit
 * @property {number} offset
 */

/**
 * @typedef {Object} PacingSample
 * @property {number} at_ms
 * @property {number} talk_share
 * @property {number} recent_talk_share
 * @property {number|null} wpm
 */

/**
 * A stored session plus its pacing curve (SessionDetail flattened, then `pacing`).
 * @typedef {Object} ReviewDetail
 * @property {SessionRow} session
 * @property {Note|null} note
 * @property {NoteVersion[]} note_history
 * @property {ChecklistRow[]} checklist
 * @property {NudgeRow[]} nudges
 * @property {FollowUpRow[]} follow_ups
 * @property {TimelineEntry[]} timeline
 * @property {PacingLimits|null} pacing_limits the limits recorded with the call (its summary)
 * @property {PacingSample[]} pacing
 * @property {string} pacing_from "recorded" (kept during the call) or "recomputed" (older calls)
 * @property {Limits|null} limits
 * @property {Scorecard} scorecard
 * @property {TeamPart|null} team
 */

/**
 * @typedef {Object} Limits
 * @property {string} playbook
 * @property {number} talk_share_max
 * @property {number} fast_wpm
 */

/**
 * @typedef {Object} PacingLimits
 * @property {number} talk_share_max
 * @property {number} fast_wpm
 */

/**
 * @typedef {Object} TeamPart
 * @property {string} uid
 * @property {string} owner
 * @property {string} team
 * @property {Comment[]} comments
 * @property {string|null} error
 */

/**
 * @typedef {Object} Comment
 * @property {number} id
 * @property {string} author
 * @property {number|null} at_ms
 * @property {string} body
 * @property {number} created_at
 */

/**
 * @typedef {Object} Scorecard
 * @property {string} playbook
 * @property {string|null} missing
 * @property {CriterionScore[]} criteria
 * @property {number|null} score
 * @property {ScoreOverride[]} history
 */

/**
 * @typedef {Object} CriterionScore
 * @property {string} id
 * @property {string} label
 * @property {number} weight
 * @property {boolean} met_by_checklist
 * @property {string[]} evidence
 * @property {boolean} met
 * @property {ScoreOverride|null} overridden
 */

/**
 * @typedef {Object} ScoreOverride
 * @property {number} id
 * @property {string} criterion
 * @property {boolean} met
 * @property {string} reason
 * @property {string} author
 * @property {number} created_at
 */

/**
 * @typedef {Object} TeamServer
 * @property {string|null} server the credential the review reads with
 * @property {string|null} sync this PC's sync credential, when it is another one
 * @property {string|null} kind
 * @property {string|null} error
 */

/**
 * A session on the team server: SessionRow flattened, plus where it belongs.
 * @typedef {Object} TeamRow
 * @property {string} uid
 * @property {string} owner
 * @property {string} team
 * @property {number} id
 * @property {string} agent
 * @property {number} started_at
 * @property {number|null} ended_at
 * @property {number|null} duration_ms
 * @property {string} playbook
 * @property {string|null} outcome
 * @property {"live"|"complete"|"interrupted"} status
 * @property {string} source
 * @property {number} nudge_count
 * @property {number} heeded_count
 * @property {number|null} heeded_ratio
 * @property {number} items_done
 * @property {number} items_total
 * @property {string[]} tags
 */

/**
 * One agent's week on the team server (weeks start Monday 00:00 UTC).
 * @typedef {Object} WeekRow
 * @property {string} agent
 * @property {string} owner
 * @property {number} week
 * @property {number} calls
 * @property {number} nudges
 * @property {number} heeded
 * @property {number|null} heeded_rate
 * @property {number} interruptions_per_call
 * @property {number|null} talk_share
 * @property {number} boundary_calls
 * @property {number} follow_ups_overdue
 */

/**
 * @typedef {Object} Note
 * @property {string} body
 * @property {number} drafted_at
 * @property {number|null} edited_at
 * @property {string|null} edited_by
 */

/**
 * @typedef {Object} NoteVersion
 * @property {string} body
 * @property {number} saved_at
 * @property {string} saved_by
 */

/**
 * @typedef {Object} ChecklistRow
 * @property {string} item
 * @property {string|null} label
 * @property {boolean} done
 * @property {number|null} at_ms
 * @property {boolean} by_agent
 * @property {string|null} speaker
 * @property {string|null} evidence
 */

/**
 * @typedef {Object} NudgeRow
 * @property {number} nudge_id
 * @property {string} rule
 * @property {number} at_ms
 * @property {string} headline
 * @property {string|null} script
 * @property {string} reason
 * @property {number} priority
 * @property {number|null} step
 * @property {boolean|null} heeded
 * @property {boolean} dismissed
 */

/**
 * @typedef {Object} FollowUpRow
 * @property {number} id
 * @property {number} session_id
 * @property {string} agent
 * @property {number} at_ms
 * @property {string} text
 * @property {number|null} due_at
 * @property {boolean} done
 */

/**
 * One line of the timeline: `json` is the recorded engine Event or Output.
 * @typedef {Object} TimelineEntry
 * @property {number} at_ms
 * @property {"event"|"output"} origin
 * @property {string} kind
 * @property {Object} json
 */

/**
 * @typedef {Object} TeamStats
 * @property {AgentStats[]} agents
 * @property {number} counted
 * @property {number} total
 */

/**
 * @typedef {Object} AgentStats
 * @property {string} agent
 * @property {number} calls
 * @property {RuleStats[]} rules
 * @property {number} nudges
 * @property {number} heeded
 */

/**
 * @typedef {Object} RuleStats
 * @property {string} rule
 * @property {number} nudges
 * @property {number} heeded
 */

/**
 * @typedef {Object} Settings
 * @property {string} agent
 * @property {string} playbook
 * @property {Object<string, number>} thresholds
 * @property {string} dock
 * @property {string} theme
 * @property {boolean} expanded
 * @property {string} database
 * @property {boolean} notifications
 * @property {Hotkeys} hotkeys
 * @property {boolean} endpoint
 * @property {number} endpoint_port
 * @property {Object<string, number>} dock_offsets
 * @property {string} stt_model
 * @property {boolean} review_team
 * @property {string} mic
 * @property {string} call_audio
 * @property {boolean} auto_call
 * @property {number} quiet_end_s
 */

/**
 * @typedef {Object} Hotkeys
 * @property {string} start_end
 * @property {string} hold
 * @property {string} tick
 * @property {string} flag_abuse
 * @property {string} dismiss
 * @property {string} note
 * @property {string} show_hide
 */

const tauri = /** @type {any} */ (window).__TAURI__;

/**
 * Calls a Rust command; rejects with the command's message.
 * @param {string} cmd
 * @param {Object} [args]
 * @returns {Promise<any>}
 */
export async function call(cmd, args) {
  try {
    return await tauri.core.invoke(cmd, args);
  } catch (e) {
    throw new Error(e && e.message ? e.message : String(e));
  }
}

/**
 * Listens for the messages Rust sends to this window.
 * @param {(e: UiEvent & Object) => void} handler
 */
export function onEvent(handler) {
  return tauri.event.listen("parley", (/** @type {{payload: any}} */ e) => handler(e.payload));
}

/** @param {number} ms */
export function mmss(ms) {
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * Builds an element; strings become text nodes, so nothing from a transcript is ever parsed as HTML.
 * @param {string} tag
 * @param {Object<string, any>} [attrs]
 * @param {...(Node|string|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

/** Short words and a symbol per rule, so colour is never the only signal. */
export const RULES = {
  speaking_fast: ["»", "Pace"],
  talk_share: ["◐", "Talk share"],
  interruption: ["⇆", "Interruption"],
  monologue: ["↻", "Monologue"],
  dead_air: ["…", "Dead air"],
  long_hold: ["‖", "Long hold"],
  heat: ["♨", "Heat"],
  paraphrase_first: ["↺", "Paraphrase"],
  acknowledge: ["♡", "Acknowledge"],
  over_apology: ["✕", "Apologies"],
  negative_phrasing: ["✎", "Phrasing"],
  boundary: ["⚑", "Boundary"],
  escalation: ["↑", "Escalation"],
  hot_button: ["⚠", "Hot button"],
  follow_up: ["☎", "Follow-up"],
};

/**
 * A level meter: a bar from -60 to 0 dBFS and a mark when the side hears speech.
 * @param {string} id
 * @param {string} label
 * @param {SideLevel|null} side
 */
export function levelMeter(id, label, side) {
  const fill = h("div", { class: "fill" });
  const db = side ? side.level_db : -90;
  fill.style.width = `${Math.round(Math.max(0, Math.min(1, (db + 60) / 60)) * 100)}%`;
  return h("div", { class: side && side.speech ? "level speech" : "level", id, "data-db": String(db),
    "data-speech": side && side.speech ? "1" : "0", title: side ? side.device : "not captured" },
    h("span", { class: "who" }, label), h("div", { class: "track" }, fill),
    h("span", { class: "val" }, side ? (side.speech ? "speech" : `${Math.round(db)} dB`) : "—"));
}

/** @param {string} rule */
export function ruleLabel(rule) {
  const r = /** @type {Record<string, string[]>} */ (RULES)[rule];
  return r ? r : ["•", rule];
}
