//! The SMPP 3.4 carrier client (to be written).
