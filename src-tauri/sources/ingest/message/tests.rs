use proptest::prelude::*;

use super::*;

#[test]
fn parses_each_kind() {
    let ok = [
        r#"{"type":"call_start","agent":"Priya"}"#,
        r#"{"type":"final","seq":4,"speaker":"customer","start_ms":100,"end_ms":900,"text":"hi"}"#,
        r#"{"type":"partial","speaker":"agent","start_ms":100,"end_ms":100,"text":""}"#,
        r#"{"type":"hold_start","at_ms":5000}"#,
        r#"{"type":"agent","at_ms":5,"action":"tick_item","item":"paraphrase"}"#,
        r#"{"type":"voice_activity","speaker":"agent","start_ms":0,"end_ms":10,"level_db":-3.5}"#,
        r#"{"type":"talk_over","agent_start_ms":9000,"customer_start_ms":2000,"at_ms":9600}"#,
        r#"{"type":"speech_so_far","speaker":"agent","start_ms":100,"end_ms":2100,"syllable_rate":5.5}"#,
        r#"{"type":"call_end","at_ms":9000,"reason":"completed"}"#,
    ];
    for text in ok {
        assert!(parse(text).is_ok(), "{text}: {:?}", parse(text));
    }
    let seq = parse(ok[1]).unwrap().seq;
    assert_eq!(seq, Some(4));
}

#[test]
fn refusals_name_the_field() {
    let cases = [
        (
            r#"{"type":"final","speaker":"agent","start_ms":900,"end_ms":100,"text":"x"}"#,
            "end_ms",
        ),
        (
            r#"{"type":"final","speaker":"agent","start_ms":1,"end_ms":2,"text":"  "}"#,
            "text",
        ),
        (
            r#"{"type":"final","speaker":"boss","start_ms":1,"end_ms":2,"text":"x"}"#,
            "boss",
        ),
        (r#"{"type":"tick","at_ms":99999999999}"#, "at_ms"),
        (
            r#"{"type":"final","speaker":"agent","start_ms":1,"text":"x"}"#,
            "end_ms",
        ),
        (r#"{"type":"shout"}"#, "shout"),
        (
            r#"{"type":"talk_over","agent_start_ms":9000,"customer_start_ms":9700,"at_ms":9600}"#,
            "`customer_start_ms` 9700 is after at_ms 9600",
        ),
        (
            r#"{"type":"talk_over","agent_start_ms":0,"customer_start_ms":0,"at_ms":700000}"#,
            "`agent_start_ms` 0 is more than 10 minutes before",
        ),
        (
            r#"{"type":"voice_activity","speaker":"agent","start_ms":0,"end_ms":1,"syllable_rate":99}"#,
            "syllable_rate",
        ),
        (
            r#"{"type":"speech_so_far","speaker":"agent","start_ms":0,"end_ms":1,"level_db":900}"#,
            "level_db",
        ),
        (
            r#"{"type":"speech_so_far","speaker":"customer","start_ms":50,"end_ms":10}"#,
            "end_ms",
        ),
    ];
    for (text, needle) in cases {
        let e = parse(text).unwrap_err().to_string();
        assert!(e.contains(needle), "{text}: {e}");
    }
}

fn speaker() -> impl Strategy<Value = Speaker> {
    prop_oneof![Just(Speaker::Agent), Just(Speaker::Customer)]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (0..MAX_CALL_MS).prop_map(|at_ms| Event::Tick { at_ms }),
        (0..MAX_CALL_MS).prop_map(|at_ms| Event::HoldStarted { at_ms }),
        (
            MAX_SEGMENT_MS..MAX_CALL_MS,
            0..MAX_SEGMENT_MS,
            0..MAX_SEGMENT_MS
        )
            .prop_map(|(at_ms, a, c)| Event::TalkOver {
                agent_start_ms: at_ms - a,
                customer_start_ms: at_ms - c,
                at_ms,
            }),
        (
            speaker(),
            0..MAX_CALL_MS - MAX_SEGMENT_MS,
            0..MAX_SEGMENT_MS,
            prop::option::of(-120.0f32..0.0),
            prop::option::of(0.0f32..12.0)
        )
            .prop_map(|(speaker, start_ms, len, level_db, syllable_rate)| {
                Event::SpeechSoFar {
                    speaker,
                    start_ms,
                    end_ms: start_ms + len,
                    level_db,
                    syllable_rate,
                }
            }),
        (
            speaker(),
            0..MAX_CALL_MS - MAX_SEGMENT_MS,
            0..MAX_SEGMENT_MS,
            "[a-z ]{1,40}",
            any::<bool>()
        )
            .prop_filter("final text needs a letter", |(_, _, _, t, f)| !*f
                || !t.trim().is_empty())
            .prop_map(
                |(speaker, start_ms, len, text, is_final)| Event::Utterance(Utterance {
                    speaker,
                    text,
                    start_ms,
                    end_ms: start_ms + len,
                    is_final,
                })
            ),
    ]
}

proptest! {
    #[test]
    fn never_panics_on_any_text(text in ".{0,300}") {
        let _outcome = parse(&text);
    }

    #[test]
    fn never_panics_on_json_like_text(
        ty in "(call_start|final|partial|tick|agent|hold_end|voice_activity|speech_so_far|talk_over)",
        body in r#"[a-z_":,0-9{}\[\] -]{0,80}"#,
    ) {
        let _outcome = parse(&format!(r#"{{"type":"{ty}",{body}}}"#));
    }

    #[test]
    fn valid_events_survive_the_wire(event in event()) {
        let wire = serde_json::to_string(&Inbound { seq: Some(1), message: Message::from_event(&event) }).unwrap();
        let back = parse(&wire).unwrap();
        prop_assert_eq!(back.message.into_event(), event);
    }
}
