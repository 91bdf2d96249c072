//! The JSON writer: compact, UTF-8 as is, the escapes `JSON.stringify` and Python's
//! `json.dumps(ensure_ascii=False)` use. `value.to_string()` is the text.
use super::{Map, Value};
use std::fmt::{self, Write};

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => f.write_str(if *b { "true" } else { "false" }),
            Value::Number(n) => f.write_str(n.as_str()),
            Value::String(s) => write_string(f, s),
            Value::Array(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    item.fmt(f)?;
                }
                f.write_char(']')
            }
            Value::Object(map) => map.fmt(f),
        }
    }
}

impl fmt::Display for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('{')?;
        for (i, (key, value)) in self.iter().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            write_string(f, key)?;
            f.write_char(':')?;
            value.fmt(f)?;
        }
        f.write_char('}')
    }
}

/// A JSON string literal for `s`.
pub(super) fn write_string(f: &mut impl Write, s: &str) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    f.write_char('"')?;
    let mut start = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        f.write_str(&s[start..i])?;
        if escape.is_empty() {
            f.write_str("\\u00")?;
            f.write_char(HEX[usize::from(byte >> 4)] as char)?;
            f.write_char(HEX[usize::from(byte & 15)] as char)?;
        } else {
            f.write_str(escape)?;
        }
        start = i + 1;
    }
    f.write_str(&s[start..])?;
    f.write_char('"')
}
