use super::*;

fn builtin_src() -> String {
    Playbook::builtin_source().to_string()
}

#[test]
fn builtin_playbook_is_valid() {
    let p = Playbook::builtin();
    assert_eq!(p.name, "difficult-call");
    assert_eq!(p.boundary.steps.len(), 3);
}

#[test]
fn syntax_error_names_the_line() {
    let src = builtin_src().replacen("fast_wpm = 170.0", "fast_wpm = = 170", 1);
    let err = Playbook::parse(&src, "team.toml").unwrap_err().to_string();
    let line = src.lines().position(|l| l.starts_with("fast_wpm")).unwrap() + 1;
    assert!(err.contains(&format!("team.toml line {line}")), "{err}");
}

#[test]
fn bad_value_names_key_line_and_reason() {
    let src = builtin_src().replacen("cooldown_s = 60.0", "cooldown_s = 0.0", 1);
    let err = Playbook::parse(&src, "team.toml").unwrap_err().to_string();
    let line = src
        .lines()
        .position(|l| l.trim() == "cooldown_s = 0.0")
        .unwrap()
        + 1;
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(err.contains("cooldown_s"), "{err}");
    assert!(err.contains("above 0"), "{err}");
}

#[test]
fn long_headline_is_refused() {
    let src = builtin_src().replacen(
        "headline = \"Slow down\"",
        "headline = \"Please try to slow down a little bit now okay\"",
        1,
    );
    let err = Playbook::parse(&src, "x").unwrap_err().to_string();
    assert!(err.contains("rules.speaking_fast.headline"), "{err}");
}

#[test]
fn unknown_key_is_refused() {
    let src = builtin_src().replacen("[thresholds]\n", "[thresholds]\nfast_wmp = 3.0\n", 1);
    let err = Playbook::parse(&src, "x").unwrap_err().to_string();
    assert!(err.contains("fast_wmp"), "{err}");
}

#[test]
fn threshold_overrides_apply_and_are_checked() {
    let mut p = Playbook::builtin();
    p.override_thresholds(&[("fast_wpm".into(), 150.0)])
        .unwrap();
    assert_eq!(p.thresholds.fast_wpm, 150.0);
    assert!(p
        .override_thresholds(&[("talk_share_max".into(), 3.0)])
        .is_err());
    assert!(p.override_thresholds(&[("nope".into(), 3.0)]).is_err());
}

#[test]
fn scorecard_loads_and_a_bad_criterion_is_refused_with_its_line() {
    let p = Playbook::builtin();
    assert!(p
        .scorecard
        .iter()
        .any(|c| c.id == "empathy" && c.weight == 3.0));
    let src = builtin_src().replacen("items = [\"apologize\"]", "items = [\"apologise\"]", 1);
    let err = Playbook::parse(&src, "team.toml").unwrap_err().to_string();
    let line = src
        .lines()
        .position(|l| l.trim() == "items = [\"apologise\"]")
        .unwrap()
        + 1;
    assert!(err.contains(&format!("team.toml line {line}")), "{err}");
    assert!(err.contains("scorecard[3].items"), "{err}");
    assert!(
        err.contains("unknown checklist item \"apologise\""),
        "{err}"
    );
    let src = builtin_src().replacen("weight = 3.0", "weight = 0.0", 1);
    let err = Playbook::parse(&src, "team.toml").unwrap_err().to_string();
    assert!(err.contains("scorecard[2].weight"), "{err}");
    assert!(err.contains("above 0"), "{err}");
}

#[test]
fn a_playbook_without_a_scorecard_still_loads() {
    let src = builtin_src();
    let cut = src
        .find("# ---------------------------------------------------------------- scorecard")
        .unwrap();
    let p = Playbook::parse(&src[..cut], "old.toml").unwrap();
    assert!(p.scorecard.is_empty());
}
