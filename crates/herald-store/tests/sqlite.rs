//! The conformance suite on the embedded SQLite backend.

#[tokio::test]
async fn sqlite_backend_conforms() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("herald.db").display());
    let store = herald_store::open(&url).await.expect("open sqlite");
    herald_store::conformance::run_all(store.as_ref()).await;
}

#[tokio::test]
async fn unsupported_urls_are_refused_with_the_reason() {
    let error = herald_store::open("mysql://localhost/db").await.err().expect("refused");
    assert!(error.to_string().contains("unsupported database URL"), "{error}");
}
