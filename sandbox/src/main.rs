//! `conductorone-sandbox`: see `--help`.

use std::process::ExitCode;

use clap::Parser;
use conductorone_sandbox::{run, Config, Sandbox};

/// Resolves when the system asks the sandbox to stop besides Ctrl-C: SIGTERM
/// on Unix, Ctrl-Break on Windows. Never, where neither can be caught (so
/// that the sandbox keeps serving until Ctrl-C).
async fn terminated() {
    #[cfg(unix)]
    if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        s.recv().await;
        return;
    }
    #[cfg(windows)]
    if let Ok(mut s) = tokio::signal::windows::ctrl_break() {
        s.recv().await;
        return;
    }
    std::future::pending::<()>().await
}

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
    let stop = async {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            () = terminated() => {},
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
