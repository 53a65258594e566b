//! Call-centre lines and pairs, each set measured as written and as speech-to-text gives it
//! (lowercase, no punctuation), through whole engines (see `probe`).
//!
//! Lines: `label<TAB>text`, label abuse, venting, or neutral/ordinary. Pairs:
//! `kind<TAB>label<TAB>customer<TAB>agent`, kind paraphrase or acknowledge, label yes or no.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::metrics::{Confusion, Rate, Scores};
use super::{probe, EvalError};
use crate::engine::Coach;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    Written,
    /// Lowercase, no punctuation: what a recognizer hands over.
    Asr,
}

impl Form {
    pub fn label(self) -> &'static str {
        match self {
            Form::Written => "written",
            Form::Asr => "asr",
        }
    }

    pub fn apply(self, text: &str) -> String {
        match self {
            Form::Written => text.to_string(),
            Form::Asr => asr(text),
        }
    }
}

/// Text as speech-to-text gives it.
pub fn asr(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '\u{2019}' => '\'',
            c if c.is_alphanumeric() || c == '\'' => c,
            _ => ' ',
        })
        .flat_map(char::to_lowercase)
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineLabel {
    Abuse,
    Venting,
    Ordinary,
}

pub struct Line {
    pub label: LineLabel,
    pub text: String,
}

pub struct Pair {
    pub acknowledge: bool,
    pub yes: bool,
    pub customer: String,
    pub agent: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineSetReport {
    pub file: String,
    pub form: Form,
    /// Abuse against venting and ordinary lines together.
    pub boundary: Scores,
    pub venting_flagged: Rate,
    pub ordinary_flagged: Rate,
    pub mean_us_per_line: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairSetReport {
    pub file: String,
    pub form: Form,
    pub paraphrase: Scores,
    pub acknowledge: Scores,
}

pub enum Set {
    Lines(Vec<Line>),
    Pairs(Vec<Pair>),
    /// Agent lines: negative phrasing or not.
    AgentLines(Vec<(AgentLabel, String)>),
    /// Customer lines: escalation, hot button, or neither.
    Intents(Vec<(IntentLabel, String)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentLabel {
    Negative,
    /// The customer's own need handed back ("so you need to ..."): not an order.
    RestatedNeed,
    Positive,
    Ordinary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentLabel {
    Escalation,
    HotButton,
    /// Near misses: a manager, a lawyer or leaving mentioned without escalating.
    NotEscalation,
    Ordinary,
}

/// Which kind of set a label/text file is, from the labels it uses.
fn labelled(path: &Path, rows: Vec<(usize, String, String)>) -> Result<Set, EvalError> {
    let has = |l: &str| rows.iter().any(|(_, x, _)| x == l);
    if has("abuse") || has("venting") || has("neutral") {
        let mut out = Vec::new();
        for (line, label, text) in rows {
            let label = match label.as_str() {
                "abuse" => LineLabel::Abuse,
                "venting" => LineLabel::Venting,
                "neutral" | "ordinary" => LineLabel::Ordinary,
                other => return Err(format_err(path, line, format!("unknown label {other:?}"))),
            };
            out.push(Line { label, text });
        }
        Ok(Set::Lines(out))
    } else if has("negative") || has("restated_need") {
        let mut out = Vec::new();
        for (line, label, text) in rows {
            let label = match label.as_str() {
                "negative" => AgentLabel::Negative,
                "restated_need" => AgentLabel::RestatedNeed,
                "positive" => AgentLabel::Positive,
                "ordinary" => AgentLabel::Ordinary,
                other => return Err(format_err(path, line, format!("unknown label {other:?}"))),
            };
            out.push((label, text));
        }
        Ok(Set::AgentLines(out))
    } else {
        let mut out = Vec::new();
        for (line, label, text) in rows {
            let label = match label.as_str() {
                l if l.starts_with("escalation") || l == "churn" => IntentLabel::Escalation,
                "hot_button" => IntentLabel::HotButton,
                "not_escalation" => IntentLabel::NotEscalation,
                "ordinary" => IntentLabel::Ordinary,
                other => return Err(format_err(path, line, format!("unknown label {other:?}"))),
            };
            out.push((label, text));
        }
        Ok(Set::Intents(out))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleSetReport {
    pub file: String,
    pub form: Form,
    pub rule: String,
    pub scores: Scores,
    /// Near misses flagged (restated needs; escalation look-alikes).
    pub near_misses_flagged: Rate,
}

pub fn evaluate_agent_lines(
    file: &str,
    lines: &[(AgentLabel, String)],
    form: Form,
    coach: &Coach,
) -> RuleSetReport {
    let mut scores = Confusion::default();
    let mut near = Rate::default();
    for (label, text) in lines {
        let flagged = probe::agent_rules(coach, &form.apply(text))
            .contains(&crate::engine::Rule::NegativePhrasing);
        scores.add(*label == AgentLabel::Negative, flagged);
        if *label == AgentLabel::RestatedNeed {
            near.add(flagged);
        }
    }
    RuleSetReport {
        file: file.to_string(),
        form,
        rule: "negative_phrasing".into(),
        scores: scores.scores(),
        near_misses_flagged: near,
    }
}

pub fn evaluate_intents(
    file: &str,
    lines: &[(IntentLabel, String)],
    form: Form,
    coach: &Coach,
) -> Vec<RuleSetReport> {
    use crate::engine::Rule;
    let mut escalation = Confusion::default();
    let mut hot = Confusion::default();
    let mut near = Rate::default();
    let mut hot_near = Rate::default();
    for (label, text) in lines {
        let rules = probe::customer_rules(coach, &form.apply(text));
        let esc = rules.contains(&Rule::Escalation);
        let hb = rules.contains(&Rule::HotButton);
        escalation.add(*label == IntentLabel::Escalation, esc);
        hot.add(*label == IntentLabel::HotButton, hb);
        if *label == IntentLabel::NotEscalation {
            near.add(esc);
            hot_near.add(hb);
        }
    }
    vec![
        RuleSetReport {
            file: file.to_string(),
            form,
            rule: "escalation".into(),
            scores: escalation.scores(),
            near_misses_flagged: near,
        },
        RuleSetReport {
            file: file.to_string(),
            form,
            rule: "hot_button".into(),
            scores: hot.scores(),
            near_misses_flagged: hot_near,
        },
    ]
}

fn format_err(path: &Path, line: usize, reason: String) -> EvalError {
    EvalError::Format {
        path: path.to_path_buf(),
        line,
        reason,
    }
}

/// Reads a set, telling lines from pairs by the header. None: not a call-centre set.
pub fn read(path: &Path) -> Result<Option<Set>, EvalError> {
    let text = super::read_text(path)?;
    let mut rows_iter = text.lines().enumerate();
    let Some((_, header)) = rows_iter.next() else {
        return Ok(None);
    };
    let header: Vec<&str> = header.trim_end_matches('\r').split('\t').collect();
    match header.as_slice() {
        ["label", "text"] => {
            let mut rows = Vec::new();
            for (i, row) in rows_iter {
                let row = row.trim_end_matches('\r');
                if row.trim().is_empty() {
                    continue;
                }
                let Some((label, text)) = row.split_once('\t') else {
                    return Err(format_err(path, i + 1, "expected label<TAB>text".into()));
                };
                rows.push((i + 1, label.to_string(), text.to_string()));
            }
            labelled(path, rows).map(Some)
        }
        ["kind", "label", "customer", "agent"] => {
            let mut out = Vec::new();
            for (i, row) in rows_iter {
                let row = row.trim_end_matches('\r');
                if row.trim().is_empty() {
                    continue;
                }
                let f: Vec<&str> = row.split('\t').collect();
                let [kind, label, customer, agent] = f.as_slice() else {
                    return Err(format_err(
                        path,
                        i + 1,
                        format!("expected 4 tab-separated fields, found {}", f.len()),
                    ));
                };
                let acknowledge = match *kind {
                    "paraphrase" => false,
                    "acknowledge" => true,
                    other => {
                        return Err(format_err(path, i + 1, format!("unknown kind {other:?}")))
                    }
                };
                let yes = match *label {
                    "yes" => true,
                    "no" => false,
                    other => {
                        return Err(format_err(path, i + 1, format!("unknown label {other:?}")))
                    }
                };
                out.push(Pair {
                    acknowledge,
                    yes,
                    customer: customer.to_string(),
                    agent: agent.to_string(),
                });
            }
            Ok(Some(Set::Pairs(out)))
        }
        _ => Ok(None),
    }
}

pub fn evaluate_lines(file: &str, lines: &[Line], form: Form, coach: &Coach) -> LineSetReport {
    let mut boundary = Confusion::default();
    let mut venting = Rate::default();
    let mut ordinary = Rate::default();
    let started = Instant::now();
    for l in lines {
        let flagged = probe::climbs(coach, &form.apply(&l.text));
        boundary.add(l.label == LineLabel::Abuse, flagged);
        match l.label {
            LineLabel::Venting => venting.add(flagged),
            LineLabel::Ordinary => ordinary.add(flagged),
            LineLabel::Abuse => {}
        }
    }
    LineSetReport {
        file: file.to_string(),
        form,
        boundary: boundary.scores(),
        venting_flagged: venting,
        ordinary_flagged: ordinary,
        mean_us_per_line: started.elapsed().as_secs_f64() * 1e6 / lines.len().max(1) as f64,
    }
}

pub fn evaluate_pairs(file: &str, pairs: &[Pair], form: Form, coach: &Coach) -> PairSetReport {
    let mut paraphrase = Confusion::default();
    let mut acknowledge = Confusion::default();
    for p in pairs {
        let customer = form.apply(&p.customer);
        let r = probe::reply(coach, &[customer.as_str()], &form.apply(&p.agent));
        if p.acknowledge {
            acknowledge.add(p.yes, r.acknowledge);
        } else {
            paraphrase.add(p.yes, r.paraphrase);
        }
    }
    PairSetReport {
        file: file.to_string(),
        form,
        paraphrase: paraphrase.scores(),
        acknowledge: acknowledge.scores(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asr_form_drops_case_and_punctuation() {
        assert_eq!(
            asr("Well, I'm NOT happy!  Is that clear?"),
            "well i'm not happy is that clear"
        );
        assert_eq!(asr("It\u{2019}s fine."), "it's fine");
    }
}
