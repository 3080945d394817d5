//! `conductorone-sandbox`: see `--help`.

use std::process::ExitCode;

use clap::Parser;
use conductorone_sandbox::{run, Config, Sandbox};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SANDBOX_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    let sb = match Sandbox::new(config) {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("conductorone-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        #[cfg(unix)]
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    let stop = async move {
        tokio::select! {
            () = shutdown => {},
            () = term => {},
        }
    };
    match run(sb, stop).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conductorone-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}
