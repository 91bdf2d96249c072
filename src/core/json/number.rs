//! JSON numbers, kept as the text they arrived in.
//!
//! Numbers come from two places: JavaScript (`JSON.stringify`, which writes the shortest text that
//! reads back to the same double) and servers. Keeping that text means a number passes through the
//! SDK byte for byte, and the WebAssembly carries no float parser or printer: values handed back to
//! JS are read by the engine's own `JSON.parse`, and Python reads pickled floats from their text.

/// A valid JSON number literal (`-1`, `0.5`, `2e-3`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number(Box<str>);

/// 10^0 ..= 10^22: every one is exactly representable as an `f64`.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
    1e20, 1e21, 1e22,
];

impl Number {
    /// The number written as `text`, when `text` is exactly one JSON number literal.
    pub fn parse(text: &str) -> Option<Number> {
        (literal_len(text.as_bytes()) == Some(text.len())).then(|| Number(text.into()))
    }

    /// The literal, as it will be written out.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the literal has no fraction and no exponent (Python reads it as an `int`).
    pub fn is_integer_literal(&self) -> bool {
        !self.0.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
    }

    /// The value as an `i64`, when the literal is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        if self.is_integer_literal() {
            self.0.parse().ok()
        } else {
            None
        }
    }

    /// The value as an `f64`. Exact (correctly rounded) for literals of up to 15 significant digits
    /// with a modest exponent, which covers every integer below 2^53 and the decimals a person
    /// writes; longer literals are read to within a few units in the last place. The SDK uses this
    /// only for its own decisions (timeouts, intervals, limits); numbers handed to JS keep their text.
    pub fn as_f64(&self) -> f64 {
        let bytes = self.0.as_bytes();
        let negative = bytes[0] == b'-';
        let (mut mantissa, mut exponent, mut exact) = (0u64, 0i32, true);
        let mut i = usize::from(negative);
        let mut in_fraction = false;
        while i < bytes.len() && bytes[i] != b'e' && bytes[i] != b'E' {
            match bytes[i] {
                b'.' => in_fraction = true,
                digit => {
                    if mantissa < 1_000_000_000_000_000_000 {
                        mantissa = mantissa * 10 + u64::from(digit - b'0');
                        exponent -= i32::from(in_fraction);
                    } else {
                        exact &= digit == b'0';
                        exponent += i32::from(!in_fraction);
                    }
                }
            }
            i += 1;
        }
        if i < bytes.len() {
            let written = &self.0[i + 1..];
            let overflow = if written.starts_with('-') { -100_000 } else { 100_000 };
            exponent = exponent.saturating_add(written.parse::<i32>().unwrap_or(overflow));
        }
        let magnitude = if exact && mantissa <= 1 << 53 && exponent.unsigned_abs() <= 22 {
            let power = EXACT_POWERS_OF_TEN[exponent.unsigned_abs() as usize];
            if exponent < 0 { mantissa as f64 / power } else { mantissa as f64 * power }
        } else if exponent < -330 {
            0.0
        } else {
            mantissa as f64 * 10f64.powi(exponent.clamp(-400, 400))
        };
        if negative { -magnitude } else { magnitude }
    }
}

/// The length of the JSON number literal at the start of `bytes`, if one starts there.
pub(super) fn literal_len(bytes: &[u8]) -> Option<usize> {
    let digits = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digits(i),
        _ => return None,
    }
    if bytes.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 {
            return None;
        }
        i += 1 + n;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(i);
        if n == 0 {
            return None;
        }
        i += n;
    }
    Some(i)
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Number {
                Number(n.to_string().into_boxed_str())
            }
        }
    )*};
}
from_integer!(i32, i64, u8, u16, u32, u64, usize);
