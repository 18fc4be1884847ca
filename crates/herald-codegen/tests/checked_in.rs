//! The checked-in generated code must be exactly what the generator makes from the models.

use std::path::{Path, PathBuf};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("readable generated dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn generated_code_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let models = herald_codegen::default_models_dir(&root);
    if !models.join("pinpoint.json").exists() {
        eprintln!("SKIPPED: {} is absent, cannot check the generated code", models.display());
        return;
    }
    let checked_in = herald_codegen::default_output_dir(&root);
    let fresh = tempfile::tempdir().expect("temp dir");
    herald_codegen::generate(&models, fresh.path()).expect("generation succeeds");

    let expected = files_under(fresh.path());
    assert_eq!(files_under(&checked_in), expected, "the set of generated files differs");
    for file in expected {
        let new = std::fs::read_to_string(fresh.path().join(&file)).expect("fresh file");
        let old = std::fs::read_to_string(checked_in.join(&file)).expect("checked-in file");
        assert!(
            new == old,
            "{} is out of date: run `cargo run -p herald-codegen` and commit the result",
            file.display()
        );
    }
}
