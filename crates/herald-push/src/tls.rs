//! TLS for provider connections (in progress).
