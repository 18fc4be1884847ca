//! `cargo run -p herald-codegen [-- MODELS_DIR OUT_DIR]` regenerates `herald-api/src/generated/`.

use std::path::Path;

use anyhow::Result;

fn main() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut args = std::env::args().skip(1);
    let models = args.next().map(Into::into).unwrap_or_else(|| herald_codegen::default_models_dir(&root));
    let out = args.next().map(Into::into).unwrap_or_else(|| herald_codegen::default_output_dir(&root));
    let written = herald_codegen::generate(&models, &out)?;
    println!("wrote {} files under {}", written.len(), out.display());
    Ok(())
}
