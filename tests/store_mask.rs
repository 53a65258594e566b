//! Masking: what must go, what must stay, and that it never panics and is idempotent.

use parley::store::mask::{mask, MaskOptions, Masker};
use proptest::prelude::*;

fn masked(input: &str, expected: &str) {
    assert_eq!(mask(input), expected, "input: {input:?}");
}

fn kept(input: &str) {
    assert_eq!(mask(input), input, "must not be masked: {input:?}");
}

#[test]
fn card_numbers_typed() {
    masked("my card is 4111111111111111", "my card is [card]");
    masked("4111 1111 1111 1111 please", "[card] please");
    masked("it's 4111-1111-1111-1111.", "it's [card].");
    masked("amex 3782 822463 10005", "amex [card]");
    masked("5555555555554444", "[card]");
    masked(
        "refund ticket raised, card 4111-1111-1111-1111.",
        "refund ticket raised, card [card].",
    );
    masked("visa 4012888888881881 and more", "visa [card] and more");
    // 19-digit card
    masked("6011 0000 0000 0000 001", "[card]");
}

#[test]
fn card_numbers_spoken() {
    masked(
        "it's four one one one one one one one one one one one one one one one",
        "it's [card]",
    );
    masked(
        "Four one one one, one one one one, one one one one, one one one one.",
        "[card].",
    );
    masked(
        "four double one one, one one one one, one one one one, triple one one",
        "[card]",
    );
    masked("the cvv is double seven two", "the cvv is [code]");
    masked(
        "the number is 4111 1111 one one one one 1111",
        "the number is [card]",
    );
}

#[test]
fn card_inside_longer_digit_run() {
    masked("4111 1111 1111 1111 12 25 thanks", "[card] 12 25 thanks");
}

#[test]
fn security_codes() {
    masked("the security code is 123", "the security code is [code]");
    masked("CVV: 4821", "CVV: [code]");
    masked("cvc is seven three one", "cvc is [code]");
    masked(
        "and the CVV on the back is 987.",
        "and the CVV on the back is [code].",
    );
    masked(
        "card 4111 1111 1111 1111 security code 123",
        "card [card] security code [code]",
    );
}

#[test]
fn ssn() {
    masked("my SSN is 123-45-6789", "my SSN is [ssn]");
    masked("123 45 6789", "[ssn]");
    masked(
        "social security number one two three four five six seven eight nine",
        "social security number [ssn]",
    );
    masked(
        "last four of my social are 6789",
        "last four of my social are [ssn]",
    );
    masked("ssn 123456789", "ssn [ssn]");
}

#[test]
fn bank_numbers_said_as_such() {
    masked("routing number 021000021", "routing number [routing]");
    masked(
        "my account number is 12345678901",
        "my account number is [account]",
    );
    masked(
        "checking account 000123456789",
        "checking account [account]",
    );
    masked("the sort code is 20-00-00", "the sort code is [routing]");
}

#[test]
fn emails_and_phones() {
    masked(
        "mail me at jane.doe+bills@example.co.uk ok",
        "mail me at [email] ok",
    );
    masked("call me at (555) 123-4567", "call me at [phone]");
    masked("my number is 555-123-4567.", "my number is [phone].");
    masked("+44 20 7946 0958", "[phone]");
    masked("my cell is 5551234567", "my cell is [phone]");
}

#[test]
fn phones_can_be_kept() {
    let m = Masker::new(MaskOptions {
        emails: true,
        phones: false,
    });
    assert_eq!(
        m.mask("call me at (555) 123-4567"),
        "call me at (555) 123-4567"
    );
    assert_eq!(m.mask("my cell is 5551234567"), "my cell is 5551234567");
    assert_eq!(m.mask("card 4111111111111111"), "card [card]");
    let m = Masker::new(MaskOptions {
        emails: false,
        phones: true,
    });
    assert_eq!(m.mask("a@b.com"), "a@b.com");
}

#[test]
fn near_misses_stay() {
    kept("your order number is 112-5839274-1234567");
    kept("order 4111111111111111 shipped");
    kept("your order number is 4111 1111 1111 1111");
    kept("tracking 1Z999AA10123456784");
    kept("the charge was $1,234.56 on 2024-01-15");
    kept("on 01/15/2024 at 10:30 you paid 45.99");
    kept("I called at 2:45 pm on March 3, 2024");
    kept("1234 5678 9012 3456 is not a card");
    kept("it costs 1200 dollars, 300 a month for 4 months");
    kept("reference INV-2024-000123");
    kept("my zip is 94110");
    kept("I've been a customer since 1998, for 26 years");
    kept("the one on the back");
    kept("a double one-way ticket and a triple seven slot machine");
    kept("two or three times, maybe four");
    kept("case 00012345 was opened");
    kept("I was charged twice, 49.99 and 49.99");
    kept("version 10.2.3.4");
    kept("room 123, floor 45, building 6789 and no more");
}

#[test]
fn json_strings_are_masked_keys_are_not() {
    let m = Masker::new(MaskOptions::default());
    let mut v = serde_json::json!({
        "type": "utterance",
        "text": "card 4111 1111 1111 1111",
        "nested": [{"note": "email a@b.io"}],
        "n": 4111111111111111u64
    });
    m.mask_json(&mut v);
    assert_eq!(v["text"], "card [card]");
    assert_eq!(v["nested"][0]["note"], "email [email]");
    assert_eq!(v["type"], "utterance");
}

fn digitish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[0-9]{1,5}",
        "[0-9]{13,19}",
        Just("4111 1111 1111 1111".to_string()),
        Just("four".to_string()),
        Just("one".to_string()),
        Just("oh".to_string()),
        Just("double".to_string()),
        Just("triple".to_string()),
        Just("cvv".to_string()),
        Just("security code".to_string()),
        Just("ssn".to_string()),
        Just("account".to_string()),
        Just("routing".to_string()),
        Just("order".to_string()),
        Just("[card]".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("-".to_string()),
        Just(",".to_string()),
        Just("@".to_string()),
        Just("(555)".to_string()),
        Just("+1".to_string()),
        "[a-z]{1,6}",
        "\\PC{0,3}",
    ];
    proptest::collection::vec((piece, prop_oneof![Just(" "), Just(""), Just("-")]), 0..24)
        .prop_map(|v| v.into_iter().map(|(p, s)| format!("{p}{s}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn idempotent_on_digit_heavy_text(s in digitish()) {
        let once = mask(&s);
        let twice = mask(&once);
        prop_assert_eq!(&once, &twice, "input {:?}", s);
    }

    #[test]
    fn never_panics_and_idempotent_on_any_text(s in "\\PC{0,200}") {
        let once = mask(&s);
        prop_assert_eq!(mask(&once), once);
    }

    #[test]
    fn luhn_valid_cards_never_survive(groups in proptest::collection::vec(0u8..10, 15)) {
        // Build a Luhn-valid 16-digit number and say it with spaces.
        let mut digits: Vec<u8> = groups;
        let sum: u32 = digits.iter().rev().enumerate().map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 { let x = d * 2; if x > 9 { x - 9 } else { x } } else { d }
        }).sum();
        digits.push(((10 - sum % 10) % 10) as u8);
        let typed: String = digits.chunks(4).map(|c| c.iter().map(|d| d.to_string()).collect::<String>()).collect::<Vec<_>>().join(" ");
        let out = mask(&format!("my card is {typed} thanks"));
        prop_assert_eq!(out, "my card is [card] thanks");
    }
}
