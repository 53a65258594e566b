//! The report as a plain-text table for people.

use std::fmt::Write;

use super::metrics::Scores;
use super::Report;

fn prf(out: &mut String, name: &str, s: &Scores) {
    let c = s.counts;
    // Writing into a String cannot fail.
    let _ = writeln!(
        out,
        "  {name:<28} P {:.3}  R {:.3}  F1 {:.3}   (tp {} fp {} fn {} tn {})",
        s.precision, s.recall, s.f1, c.tp, c.fp, c.fn_, c.tn
    );
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "playbook: {}", r.playbook);
    let _ = writeln!(out, "data:     {}", r.data);
    let _ = writeln!(
        out,
        "language: {}",
        r.language_model.as_deref().unwrap_or("word rules only")
    );
    if !r.callcenter_lines.is_empty() {
        let _ = writeln!(
            out,
            "\ncall-centre lines: boundary (abuse vs venting + ordinary)"
        );
    }
    for l in &r.callcenter_lines {
        let c = l.boundary.counts;
        let _ = writeln!(
            out,
            "  {:<34} {:<7} P {:.3} R {:.3} F1 {:.3} (tp {} fp {} fn {})  venting flagged {}/{}  ordinary flagged {}/{}",
            l.file,
            l.form.label(),
            l.boundary.precision,
            l.boundary.recall,
            l.boundary.f1,
            c.tp,
            c.fp,
            c.fn_,
            l.venting_flagged.flagged,
            l.venting_flagged.n,
            l.ordinary_flagged.flagged,
            l.ordinary_flagged.n
        );
    }
    if !r.callcenter_rules.is_empty() {
        let _ = writeln!(out, "\ncall-centre rules");
    }
    for x in &r.callcenter_rules {
        let c = x.scores.counts;
        let _ = writeln!(
            out,
            "  {:<34} {:<7} {:<18} P {:.3} R {:.3} F1 {:.3} (tp {} fp {} fn {})  near misses flagged {}/{}",
            x.file,
            x.form.label(),
            x.rule,
            x.scores.precision,
            x.scores.recall,
            x.scores.f1,
            c.tp,
            c.fp,
            c.fn_,
            x.near_misses_flagged.flagged,
            x.near_misses_flagged.n
        );
    }
    if !r.callcenter_pairs.is_empty() {
        let _ = writeln!(out, "\ncall-centre replies: paraphrase and acknowledge");
    }
    for p in &r.callcenter_pairs {
        let (pc, ac) = (p.paraphrase.counts, p.acknowledge.counts);
        let _ = writeln!(
            out,
            "  {:<34} {:<7} paraphrase R {:.3} (tp {} fn {}) near misses ticked {}/{}   acknowledge R {:.3} (tp {} fn {}) non-acks ticked {}/{}",
            p.file,
            p.form.label(),
            p.paraphrase.recall,
            pc.tp,
            pc.fn_,
            pc.fp,
            pc.fp + pc.tn,
            p.acknowledge.recall,
            ac.tp,
            ac.fn_,
            ac.fp,
            ac.fp + ac.tn
        );
    }
    for b in &r.boundary {
        let _ = writeln!(
            out,
            "\nboundary vs venting ({}, {} tweets)",
            b.file, b.lines
        );
        prf(&mut out, "boundary (IND at you vs NOT+UNT)", &b.boundary);
        prf(&mut out, "strict (all others negative)", &b.boundary_strict);
        let _ = writeln!(
            out,
            "  {:<16} {:>6} {:>10} {:>10}",
            "group", "n", "abuse %", "venting %"
        );
        for (group, rate) in &b.abuse_rate {
            let venting = b.venting_rate.get(group).map_or(0.0, |v| v.rate);
            let _ = writeln!(
                out,
                "  {group:<16} {:>6} {:>9.1}% {:>9.1}%",
                rate.n,
                rate.rate * 100.0,
                venting * 100.0
            );
        }
        let _ = writeln!(
            out,
            "  mean cost {:.1} us per utterance",
            b.mean_us_per_utterance
        );
    }
    for p in &r.paraphrase {
        let _ = writeln!(out, "\nparaphrase ({}, {} pairs)", p.file, p.pairs);
        prf(&mut out, "with a restatement frame", &p.framed);
        prf(&mut out, "bare sentence", &p.bare);
        let _ = writeln!(
            out,
            "  frame alone counted          {} of {} ({:.1}%)",
            p.frame_alone.flagged,
            p.frame_alone.n,
            p.frame_alone.rate * 100.0
        );
        let _ = writeln!(out, "  mean cost {:.1} us per check", p.mean_us_per_check);
    }
    for c in &r.calls {
        let _ = writeln!(
            out,
            "\nwhole calls ({}): {} calls, {:.1} min",
            c.set, c.calls, c.minutes
        );
        let _ = writeln!(
            out,
            "  nudges {}  per call {:.2}  per minute {:.3}  boundary nudges {}",
            c.nudges, c.nudges_per_call, c.nudges_per_minute, c.boundary_nudges
        );
        let rules: Vec<String> = c.by_rule.iter().map(|(r, n)| format!("{r} {n}")).collect();
        let _ = writeln!(
            out,
            "  by rule: {}",
            if rules.is_empty() {
                "-".into()
            } else {
                rules.join(", ")
            }
        );
        let _ = writeln!(
            out,
            "  talk share: largest gap engine vs timings {:.2} points",
            c.talk_share_max_gap_points
        );
        let _ = writeln!(
            out,
            "  overlaps >= interruption length: {} in timings, {} seen by the engine",
            c.overlaps_timings, c.overlaps_seen
        );
    }
    if let Some(o) = &r.calls_overall {
        let _ = writeln!(
            out,
            "\nall whole calls: {} calls, {:.1} min, {} nudges, {:.3} per minute, boundary nudges {}",
            o.calls, o.minutes, o.nudges, o.nudges_per_minute, o.boundary_nudges
        );
    }
    out
}
