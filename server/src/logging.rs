//! The log: one event per line on stderr, whatever a caller put in the values it logs. Every
//! control character but the line's final newline is written as `\xNN`, so a task key such as
//! `"x\nFAKE LINE"` cannot forge a line, and terminal escapes cannot reach the operator's
//! terminal (hence no colours).
use std::io::Write;

/// Escapes control characters in each event `tracing-subscriber` writes (one `write` per event).
pub struct EscapingWriter<W>(pub W);

impl<W: Write> Write for EscapingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let (body, newline) = match buf.split_last() {
            Some((b'\n', rest)) => (rest, true),
            _ => (buf, false),
        };
        let mut out = Vec::with_capacity(buf.len() + 8);
        for &byte in body {
            if byte < 0x20 || byte == 0x7f {
                write!(out, "\\x{byte:02x}")?;
            } else {
                out.push(byte);
            }
        }
        if newline {
            out.push(b'\n');
        }
        self.0.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Logs to stderr at `$FLOTILLA_LOG` (an `EnvFilter`; default `info,access=off`). The access log
/// (one line per request, see `routes::access_log`) is on with `FLOTILLA_LOG=info,access=info`.
pub fn init() {
    tracing_subscriber::fmt()
        .with_writer(|| EscapingWriter(std::io::stderr()))
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FLOTILLA_LOG").unwrap_or_else(|_| "info,access=off".into()),
        )
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_final_newline_kept() {
        let mut out = EscapingWriter(Vec::new());
        out.write_all(b"key=a\nb\r\x1b[2J\x7f end\n").unwrap();
        assert_eq!(String::from_utf8(out.0).unwrap(), "key=a\\x0ab\\x0d\\x1b[2J\\x7f end\n");
    }
}
