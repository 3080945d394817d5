//! `make docs`: writes the registry documentation under `docs/` from the
//! provider's schemas and `examples/`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match terraform_provider_conductorone::docs::write(&root, &root.join("docs")) {
        Ok(n) => {
            println!("docs/: {n} pages written");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("docgen: {e}");
            ExitCode::FAILURE
        }
    }
}
