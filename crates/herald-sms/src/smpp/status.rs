//! What a non-zero `command_status` in a submit_sm_resp (or a generic_nack answering a submit_sm)
//! means for the message: slow down, try again later, or give up.
//!
//! "Transient" means the same part may succeed if submitted again later (the engine requeues it
//! within its retry budget); "permanent" means resubmitting the same part will fail the same way.
//!
//! | code        | name                 | class     | why                                                   |
//! |-------------|----------------------|-----------|-------------------------------------------------------|
//! | 0x00000014  | ESME_RMSGQFUL        | throttled | SMSC queue full: back off, then resend                |
//! | 0x00000058  | ESME_RTHROTTLED      | throttled | we exceeded the carrier's rate: back off, then resend |
//! | 0x00000001  | ESME_RINVMSGLEN      | permanent | the part itself is malformed                          |
//! | 0x00000002  | ESME_RINVCMDLEN      | permanent | "                                                     |
//! | 0x00000003  | ESME_RINVCMDID       | permanent | "                                                     |
//! | 0x00000004  | ESME_RINVBNDSTS      | transient | bind-state trouble, not the message's fault           |
//! | 0x00000005  | ESME_RALYBND         | transient | "                                                     |
//! | 0x00000006  | ESME_RINVPRTFLG      | permanent | invalid field in the part                             |
//! | 0x00000007  | ESME_RINVREGDLVFLG   | permanent | "                                                     |
//! | 0x00000008  | ESME_RSYSERR         | transient | SMSC-side failure                                     |
//! | 0x0000000A  | ESME_RINVSRCADR      | permanent | bad sender                                            |
//! | 0x0000000B  | ESME_RINVDSTADR      | permanent | bad destination                                       |
//! | 0x0000000C  | ESME_RINVMSGID       | permanent | invalid field in the part                             |
//! | 0x0000000D  | ESME_RBINDFAIL       | transient | bind trouble, not the message's fault                 |
//! | 0x0000000E  | ESME_RINVPASWD       | transient | "                                                     |
//! | 0x0000000F  | ESME_RINVSYSID       | transient | "                                                     |
//! | 0x00000015  | ESME_RINVSERTYP      | permanent | invalid field in the part                             |
//! | 0x00000033–0x00000044 | destination-list / esm_class errors | permanent | invalid field in the part |
//! | 0x00000045  | ESME_RSUBMITFAIL     | transient | generic submit failure, often momentary               |
//! | 0x00000048–0x00000055 | TON/NPI/system_type/replace/count errors | permanent | invalid field in the part |
//! | 0x00000061  | ESME_RINVSCHED       | permanent | invalid field in the part                             |
//! | 0x00000062  | ESME_RINVEXPIRY      | permanent | "                                                     |
//! | 0x00000063  | ESME_RINVDFTMSGID    | permanent | "                                                     |
//! | 0x00000064  | ESME_RX_T_APPN       | transient | "ESME receiver temporary app error"                   |
//! | 0x00000065  | ESME_RX_P_APPN       | permanent | "ESME receiver permanent app error"                   |
//! | 0x00000066  | ESME_RX_R_APPN       | permanent | "ESME receiver reject message"                        |
//! | 0x00000067  | ESME_RQUERYFAIL      | transient | not about the part                                    |
//! | 0x000000C0–0x000000C4 | optional-parameter errors | permanent | invalid field in the part             |
//! | 0x000000FE  | ESME_RDELIVERYFAILURE| transient | delivery failed, may succeed later                    |
//! | 0x000000FF  | ESME_RUNKNOWNERR     | transient | unknown: the retry budget bounds the cost             |
//! | anything else (incl. vendor 0x400–0x4FF) | — | transient | meaning unknown; retrying is bounded, losing a message is not |

/// What to do with a part the SMSC refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// 0: accepted.
    Ok,
    /// The carrier is asking us to slow down; resend later.
    Throttled,
    /// May succeed if resent later.
    Transient,
    /// Resending the same part fails the same way.
    Permanent,
}

pub const ESME_ROK: u32 = 0x00;
pub const ESME_RINVCMDLEN: u32 = 0x02;
pub const ESME_RINVCMDID: u32 = 0x03;
pub const ESME_RSYSERR: u32 = 0x08;
pub const ESME_RINVSRCADR: u32 = 0x0A;
pub const ESME_RINVDSTADR: u32 = 0x0B;
pub const ESME_RMSGQFUL: u32 = 0x14;
pub const ESME_RTHROTTLED: u32 = 0x58;
pub const ESME_RINVMSGLEN: u32 = 0x01;
pub const ESME_RX_T_APPN: u32 = 0x64;

/// Classifies a submit_sm_resp command_status (see the module table).
pub fn classify(command_status: u32) -> StatusClass {
    match command_status {
        ESME_ROK => StatusClass::Ok,
        ESME_RMSGQFUL | ESME_RTHROTTLED => StatusClass::Throttled,
        0x01..=0x03 | 0x06 | 0x07 | 0x0A..=0x0C | 0x15 | 0x33..=0x44 | 0x48..=0x55 | 0x61..=0x63 | 0x65 | 0x66 => {
            StatusClass::Permanent
        }
        0xC0..=0xC4 => StatusClass::Permanent,
        _ => StatusClass::Transient,
    }
}

/// The SMPP 3.4 name of a command_status, for logs.
pub fn status_name(command_status: u32) -> &'static str {
    match command_status {
        0x00 => "ESME_ROK",
        0x01 => "ESME_RINVMSGLEN",
        0x02 => "ESME_RINVCMDLEN",
        0x03 => "ESME_RINVCMDID",
        0x04 => "ESME_RINVBNDSTS",
        0x05 => "ESME_RALYBND",
        0x06 => "ESME_RINVPRTFLG",
        0x07 => "ESME_RINVREGDLVFLG",
        0x08 => "ESME_RSYSERR",
        0x0A => "ESME_RINVSRCADR",
        0x0B => "ESME_RINVDSTADR",
        0x0C => "ESME_RINVMSGID",
        0x0D => "ESME_RBINDFAIL",
        0x0E => "ESME_RINVPASWD",
        0x0F => "ESME_RINVSYSID",
        0x11 => "ESME_RCANCELFAIL",
        0x13 => "ESME_RREPLACEFAIL",
        0x14 => "ESME_RMSGQFUL",
        0x15 => "ESME_RINVSERTYP",
        0x33 => "ESME_RINVNUMDESTS",
        0x34 => "ESME_RINVDLNAME",
        0x40 => "ESME_RINVDESTFLAG",
        0x42 => "ESME_RINVSUBREP",
        0x43 => "ESME_RINVESMCLASS",
        0x44 => "ESME_RCNTSUBDL",
        0x45 => "ESME_RSUBMITFAIL",
        0x48 => "ESME_RINVSRCTON",
        0x49 => "ESME_RINVSRCNPI",
        0x50 => "ESME_RINVDSTTON",
        0x51 => "ESME_RINVDSTNPI",
        0x53 => "ESME_RINVSYSTYP",
        0x54 => "ESME_RINVREPFLAG",
        0x55 => "ESME_RINVNUMMSGS",
        0x58 => "ESME_RTHROTTLED",
        0x61 => "ESME_RINVSCHED",
        0x62 => "ESME_RINVEXPIRY",
        0x63 => "ESME_RINVDFTMSGID",
        0x64 => "ESME_RX_T_APPN",
        0x65 => "ESME_RX_P_APPN",
        0x66 => "ESME_RX_R_APPN",
        0x67 => "ESME_RQUERYFAIL",
        0xC0 => "ESME_RINVOPTPARSTREAM",
        0xC1 => "ESME_ROPTPARNOTALLWD",
        0xC2 => "ESME_RINVPARLEN",
        0xC3 => "ESME_RMISSINGOPTPARAM",
        0xC4 => "ESME_RINVOPTPARAMVAL",
        0xFE => "ESME_RDELIVERYFAILURE",
        0xFF => "ESME_RUNKNOWNERR",
        0x400..=0x4FF => "vendor-specific",
        _ => "reserved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_codes() {
        assert_eq!(classify(0x58), StatusClass::Throttled);
        assert_eq!(classify(0x14), StatusClass::Throttled);
    }

    #[test]
    fn transient_codes() {
        for code in [0x04, 0x05, 0x08, 0x0D, 0x0E, 0x0F, 0x45, 0x64, 0x67, 0xFE, 0xFF, 0x400, 0x4FF, 0x1234] {
            assert_eq!(classify(code), StatusClass::Transient, "{code:#x}");
        }
    }

    #[test]
    fn permanent_codes() {
        for code in
            [0x01, 0x02, 0x03, 0x06, 0x07, 0x0A, 0x0B, 0x0C, 0x15, 0x43, 0x48, 0x51, 0x61, 0x62, 0x65, 0x66, 0xC2]
        {
            assert_eq!(classify(code), StatusClass::Permanent, "{code:#x}");
        }
    }

    #[test]
    fn ok_and_names() {
        assert_eq!(classify(0), StatusClass::Ok);
        assert_eq!(status_name(0x58), "ESME_RTHROTTLED");
        assert_eq!(status_name(0x0B), "ESME_RINVDSTADR");
        assert_eq!(status_name(0x401), "vendor-specific");
    }
}
