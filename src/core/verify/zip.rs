//! A minimal ZIP writer (stored entries, no compression) with fixed timestamps, so the same
//! files always give the same bytes and so the same sha256. fleet-python stamps the current time
//! into its zips, which is why its hashes change between processes (§7.2).

const DOS_TIME: u16 = 0; // 00:00:00
const DOS_DATE: u16 = (1 << 5) | 1; // 1980-01-01

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend(v.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend(v.to_le_bytes());
}

/// A zip of `(name, content)` entries, in the order given.
pub fn zip_stored(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let common = |buf: &mut Vec<u8>| {
            u16le(buf, 20); // version needed
            u16le(buf, 0); // flags
            u16le(buf, 0); // method: stored
            u16le(buf, DOS_TIME);
            u16le(buf, DOS_DATE);
            u32le(buf, crc);
            u32le(buf, data.len() as u32);
            u32le(buf, data.len() as u32);
            u16le(buf, name.len() as u16);
            u16le(buf, 0); // extra length
        };
        u32le(&mut out, 0x0403_4b50);
        common(&mut out);
        out.extend(name.as_bytes());
        out.extend(*data);

        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20); // version made by
        common(&mut central);
        u16le(&mut central, 0); // comment length
        u16le(&mut central, 0); // disk number
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, 0o100644 << 16); // external attributes: a regular file
        u32le(&mut central, offset);
        central.extend(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    let central_size = central.len() as u32;
    out.extend(central);
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, entries.len() as u16);
    u16le(&mut out, entries.len() as u16);
    u32le(&mut out, central_size);
    u32le(&mut out, central_offset);
    u16le(&mut out, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn the_same_files_give_the_same_bytes() {
        let a = zip_stored(&[("a.txt", b"x")]);
        assert_eq!(a, zip_stored(&[("a.txt", b"x")]));
        assert_ne!(a, zip_stored(&[("a.txt", b"y")]));
    }

    #[test]
    fn python_zipfile_opens_it() {
        let bytes = zip_stored(&[
            ("requirements.txt", b"fleet-python"),
            ("verifier.py", "def verify(env):\n    return 'é'\n".as_bytes()),
        ]);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let script = format!(
            "import io, zipfile; z = zipfile.ZipFile(io.BytesIO(bytes.fromhex('{hex}'))); assert z.testzip() is None; \
             assert z.namelist() == ['requirements.txt', 'verifier.py']; assert z.read('requirements.txt') == b'fleet-python'; \
             assert 'é' in z.read('verifier.py').decode(); print('ok')"
        );
        let out = std::process::Command::new("python3").args(["-c", &script]).output().expect("python3");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok", "{}", String::from_utf8_lossy(&out.stderr));
    }
}
