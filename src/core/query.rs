//! Query strings, built in the protocol's key order with repeated keys for lists.

/// Builds `?k=v&k2=v2` from pairs whose value is present; returns "" when none is.
pub fn encode(pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> =
        pairs.iter().filter_map(|(k, v)| v.map(|v| format!("{}={}", escape(k), escape(v)))).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_absent_values_and_keeps_order() {
        assert_eq!(encode(&[("a", None), ("b", Some("1")), ("a", Some("x y"))]), "?b=1&a=x%20y");
        assert_eq!(encode(&[("a", None)]), "");
    }

    #[test]
    fn escapes_reserved_characters() {
        assert_eq!(escape("a/b?c&d=é"), "a%2Fb%3Fc%26d%3D%C3%A9");
    }
}
