//! A protocol-2 pickle writer for plain data (None, bools, numbers, strings, lists, tuples,
//! dicts): what `args` of `/v1/verifiers/execute` carries (§7.4). Python's `pickle.loads` reads
//! it; nothing but these opcodes is ever emitted, so unpickling it runs no code.
use serde_json::Value;

/// A Python value.
#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    None,
    Bool(bool),
    Int(i64),
    /// A float: pickle's `BINFLOAT`, the 8 bytes of the IEEE double, so Python reads the very
    /// double JavaScript held.
    Float(f64),
    Str(String),
    List(Vec<Py>),
    Tuple(Vec<Py>),
    Dict(Vec<(Py, Py)>),
}

impl From<&Value> for Py {
    /// JSON -> Python: arrays become lists, objects dicts, integral numbers ints.
    fn from(v: &Value) -> Py {
        match v {
            Value::Null => Py::None,
            Value::Bool(b) => Py::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Py::Int(i),
                None => Py::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Py::Str(s.clone()),
            Value::Array(items) => Py::List(items.iter().map(Py::from).collect()),
            Value::Object(map) => Py::Dict(map.iter().map(|(k, v)| (Py::Str(k.clone()), Py::from(v))).collect()),
        }
    }
}

const MARK: u8 = b'(';

fn write(out: &mut Vec<u8>, v: &Py) {
    match v {
        Py::None => out.push(b'N'),
        Py::Bool(true) => out.push(0x88),
        Py::Bool(false) => out.push(0x89),
        Py::Int(i) if (0..=0xff).contains(i) => out.extend([b'K', *i as u8]),
        Py::Int(i) if (0..=0xffff).contains(i) => {
            out.push(b'M');
            out.extend((*i as u16).to_le_bytes());
        }
        Py::Int(i) if i32::try_from(*i).is_ok() => {
            out.push(b'J');
            out.extend((*i as i32).to_le_bytes());
        }
        Py::Int(i) => {
            // LONG1: little-endian two's complement, 8 bytes is always enough for an i64.
            out.extend([0x8a, 8]);
            out.extend(i.to_le_bytes());
        }
        Py::Float(f) => {
            out.push(b'G');
            out.extend(f.to_be_bytes());
        }
        Py::Str(s) => {
            out.push(b'X');
            out.extend((s.len() as u32).to_le_bytes());
            out.extend(s.as_bytes());
        }
        Py::List(items) => {
            out.push(b']');
            if !items.is_empty() {
                out.push(MARK);
                items.iter().for_each(|i| write(out, i));
                out.push(b'e');
            }
        }
        Py::Tuple(items) => {
            out.push(MARK);
            items.iter().for_each(|i| write(out, i));
            out.push(b't');
        }
        Py::Dict(pairs) => {
            out.push(b'}');
            if !pairs.is_empty() {
                out.push(MARK);
                for (k, v) in pairs {
                    write(out, k);
                    write(out, v);
                }
                out.push(b'u');
            }
        }
    }
}

/// The protocol-2 pickle of `v`.
pub fn dumps(v: &Py) -> Vec<u8> {
    let mut out = vec![0x80, 2];
    write(&mut out, v);
    out.push(b'.');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn small_values_use_the_compact_opcodes() {
        assert_eq!(dumps(&Py::None), vec![0x80, 2, b'N', b'.']);
        assert_eq!(dumps(&Py::Int(7)), vec![0x80, 2, b'K', 7, b'.']);
        assert_eq!(dumps(&Py::Str("a".into())), vec![0x80, 2, b'X', 1, 0, 0, 0, b'a', b'.']);
    }

    /// Python itself reads what we write (python3 is on every machine this project runs on).
    #[test]
    fn python_loads_it_to_the_expected_value() {
        let payload = Py::Dict(vec![
            (Py::Str("args".into()), Py::Tuple(vec![Py::None, Py::from(&json!({ "env": "inst-1" }))])),
            (
                Py::Str("kwargs".into()),
                Py::from(
                    &json!({ "final_answer": "é 5", "n": [1, 300, 70000, -2, 5_000_000_000i64, 1.5, true, null], "exact": [0.1 + 0.2, 5e-324, 12345678901234567000.0] }),
                ),
            ),
        ]);
        let hex: String = dumps(&payload).iter().map(|b| format!("{b:02x}")).collect();
        let script = format!(
            "import pickle; v = pickle.loads(bytes.fromhex('{hex}')); \
             assert v == {{'args': (None, {{'env': 'inst-1'}}), 'kwargs': {{'final_answer': 'é 5', 'n': [1, 300, 70000, -2, 5000000000, 1.5, True, None], 'exact': [0.1 + 0.2, 5e-324, 12345678901234567000.0]}}}}, v; \
             assert isinstance(v['kwargs']['exact'][2], float); print('ok')"
        );
        let out = std::process::Command::new("python3").args(["-c", &script]).output().expect("python3");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok", "{}", String::from_utf8_lossy(&out.stderr));
    }
}
