use super::*;

fn read(text: &str) -> Value {
    parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn reads_and_writes_back_byte_for_byte() {
    for text in [
        r#"{"b":1,"a":[true,false,null],"c":{"d":"x"}}"#,
        r#"[0,-0,1.5,-2e-7,1E+30,12345678901234567890123,0.30000000000000004]"#,
        r#""tab\tquote\"slash\\nl\nctl\u0001 é 😀""#,
        "[]",
        "{}",
    ] {
        assert_eq!(read(text).to_string(), text);
    }
}

#[test]
fn keeps_key_order_and_lets_the_last_duplicate_win() {
    let v = read(r#" { "z" : 1 , "a" : 2, "z": 3 } "#);
    assert_eq!(v.to_string(), r#"{"z":3,"a":2}"#);
    assert_eq!(v, read(r#"{"a":2,"z":3}"#), "equality ignores key order");
    assert_ne!(v, read(r#"{"a":2,"z":4}"#));
}

#[test]
fn big_objects_follow_the_same_repeat_rules() {
    let n = 200_000;
    let mut text: String = (0..n).map(|i| format!("\"k{i}\":{i},")).collect();
    text.push_str("\"k7\":\"again\"");
    let v = read(&format!("{{{text}}}"));
    let map = v.as_object().unwrap();
    assert_eq!(map.len(), n);
    assert_eq!(map.keys().nth(7).map(String::as_str), Some("k7"), "a repeated key keeps its first place");
    assert_eq!(v["k7"], "again", "and takes its last value");
    assert_eq!(v["k199999"], 199_999i64);
}

#[test]
fn decodes_escapes_and_surrogate_pairs() {
    assert_eq!(read(r#""\u00e9\ud83d\ude00\/\b\f""#), "é😀/\u{8}\u{c}");
    assert_eq!(read(r#""\ud800x""#), "\u{fffd}x", "a lone surrogate is replaced, not fatal");
}

#[test]
fn refuses_what_is_not_json() {
    for (text, offset) in [
        ("", 0),
        ("{", 1),
        ("[1,]", 3),
        ("{\"a\" 1}", 5),
        ("01", 1),
        ("1.", 0),
        ("-", 0),
        ("\"a\nb\"", 2),
        ("\"\\x\"", 2),
        ("\"\\u12g4\"", 3),
        ("nul", 0),
        ("true false", 5),
        ("{'a':1}", 1),
    ] {
        let e = parse(text).expect_err(text);
        assert_eq!(e.offset, offset, "{text}: {e}");
    }
    let deep = "[".repeat(200) + &"]".repeat(200);
    assert_eq!(parse(&deep).unwrap_err().message, "nested too deeply");
}

#[test]
fn numbers_keep_their_text_and_convert_exactly_where_it_matters() {
    let n = |t: &str| Number::parse(t).unwrap();
    assert_eq!(n("30").as_i64(), Some(30));
    assert_eq!(n("30.0").as_i64(), None);
    assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
    assert_eq!(n("9223372036854775808").as_i64(), None);
    for (text, expected) in [
        ("0.1", 0.1),
        ("-2.5e-3", -2.5e-3),
        ("1e22", 1e22),
        ("9007199254740993", 9007199254740992.0),
        ("123456.789", 123456.789),
        ("0.000001", 0.000001),
        ("1e400", f64::INFINITY),
        ("1e-99999999999", 0.0),
    ] {
        assert_eq!(n(text).as_f64(), expected, "{text}");
    }
    let long = n("0.30000000000000004").as_f64();
    assert!((long - 0.30000000000000004).abs() < 1e-15, "long literals are close: {long}");
    assert!(Number::parse("1.").is_none() && Number::parse("+1").is_none() && Number::parse("1 ").is_none());
    assert_eq!(Value::from(-7i64).to_string(), "-7");
}

#[test]
fn indexing_never_panics() {
    let v = read(r#"{"a":[{"b":"c"}]}"#);
    assert_eq!(v["a"][0]["b"], "c");
    assert!(v["missing"][3]["x"].is_null());
    assert_eq!(read("[1]")["a"], Value::Null);
}
