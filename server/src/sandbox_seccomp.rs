//! A seccomp filter for every sandbox: the kernel keyring calls (`add_key`, `request_key`,
//! `keyctl`) fail with EPERM. Keyrings belong to the host uid, and a sandbox's uid maps to the
//! server's (root, often): without the filter a verifier could read or plant keys in the
//! server user's keyring. Other architectures' (and x32's) system calls are refused outright.
//! The program is classic BPF as bubblewrap's `--seccomp FD` takes it.

/// One BPF instruction (`struct sock_filter`).
struct Insn {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

const LD_W_ABS: u16 = 0x20;
const JEQ_K: u16 = 0x15;
const JGE_K: u16 = 0x35;
const RET_K: u16 = 0x06;
const ALLOW: u32 = 0x7fff_0000;
const ERRNO_EPERM: u32 = 0x0005_0000 | 1;
/// `offsetof(struct seccomp_data, arch)` and `nr`.
const ARCH_OFFSET: u32 = 4;
const NR_OFFSET: u32 = 0;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// This machine's audit architecture and its keyring system call numbers.
fn target() -> Option<(u32, [u32; 3])> {
    if cfg!(target_arch = "x86_64") {
        Some((0xc000_003e, [248, 249, 250]))
    } else if cfg!(target_arch = "aarch64") {
        Some((0xc000_00b7, [217, 218, 219]))
    } else {
        None
    }
}

/// The filter's bytes, or `None` on an architecture it does not know (no filter then).
pub fn program() -> Option<Vec<u8>> {
    let (arch, [add_key, request_key, keyctl]) = target()?;
    let insns = [
        Insn { code: LD_W_ABS, jt: 0, jf: 0, k: ARCH_OFFSET },
        Insn { code: JEQ_K, jt: 1, jf: 0, k: arch },
        Insn { code: RET_K, jt: 0, jf: 0, k: ERRNO_EPERM },
        Insn { code: LD_W_ABS, jt: 0, jf: 0, k: NR_OFFSET },
        Insn { code: JGE_K, jt: 3, jf: 0, k: X32_SYSCALL_BIT },
        Insn { code: JEQ_K, jt: 2, jf: 0, k: add_key },
        Insn { code: JEQ_K, jt: 1, jf: 0, k: request_key },
        Insn { code: JEQ_K, jt: 0, jf: 1, k: keyctl },
        Insn { code: RET_K, jt: 0, jf: 0, k: ERRNO_EPERM },
        Insn { code: RET_K, jt: 0, jf: 0, k: ALLOW },
    ];
    let mut bytes = Vec::with_capacity(insns.len() * 8);
    for insn in insns {
        bytes.extend(insn.code.to_ne_bytes());
        bytes.push(insn.jt);
        bytes.push(insn.jf);
        bytes.extend(insn.k.to_ne_bytes());
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_program_is_whole_instructions_ending_in_allow() {
        let Some(bytes) = super::program() else { return };
        assert_eq!(bytes.len() % 8, 0);
        let last = &bytes[bytes.len() - 8..];
        assert_eq!(u32::from_ne_bytes([last[4], last[5], last[6], last[7]]), super::ALLOW);
    }
}
