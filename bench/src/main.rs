//! `natter-bench`: starts a release `natter` pinned to CPU 0, drives it from this process
//! pinned to CPU 1 over the documented live protocol, prints a table and one JSON line per
//! scenario, and writes `docs/benchmarks.md`. Every loop is bounded in count and time.

mod bare;
mod bigroom;
mod capacity;
mod client;
mod cluster;
mod host;
mod page;
mod plot;
mod report;
mod scenarios;
mod server;
mod tui;
mod uploads;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "Natter benchmarks")]
pub struct Args {
    /// The natter binary to benchmark (a release build).
    #[arg(long, default_value = "target/release/natter")]
    pub natter: String,
    /// Scenarios to run: a (fan-out latency), b (highest fan-out rate within 100 ms p99),
    /// c (idle connection memory), d (durable messages/s over 1,000 rooms), e (the page),
    /// f (10,000 in one room, a restart, and the cost per delivery beside a bare server),
    /// g (the terminal client with 10,000 messages), h (files: preparing a 12-megapixel photo,
    /// upload throughput, a's fan-out while 10 people upload), i (a's fan-out and d's durable
    /// messages on 1, 2 and 3 nodes of a cluster on PostgreSQL + Redis beside one SQLite node:
    /// CPU per delivery over all nodes, memory per connection per node). A run of some of them
    /// replaces only their sections of the report.
    #[arg(long, value_delimiter = ',', default_value = "a,b,c,d,e,f,g,h,i")]
    pub scenarios: Vec<String>,
    /// Scenario i: a PostgreSQL database through which the bench creates (and afterwards
    /// drops) a fresh database per configuration, with `psql`.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub postgres: String,
    /// Scenario i: the Redis the cluster's nodes share.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    pub redis: String,
    /// Scale every scenario down (for a quick smoke run): divide clients and duration by this.
    #[arg(long, default_value_t = 1)]
    pub scale_down: u32,
    /// Where to write the report.
    #[arg(long, default_value = "docs/benchmarks.md")]
    pub report: String,
    /// Where to write the plot of latency against delivery rate (scenario b).
    #[arg(long, default_value = "docs/benchmarks-latency.svg")]
    pub plot: String,
    /// The built site (`cargo leptos build --release`) whose WASM and JS scenario e weighs.
    #[arg(long, default_value = "target/site")]
    pub site: String,
    /// The terminal client scenario g drives (a release build).
    #[arg(long, default_value = "target/release/natter-tui")]
    pub tui: String,
    /// Be the bare broadcast server of scenario f instead (started by the bench itself).
    #[arg(long, hide = true)]
    pub bare_server: bool,
    #[arg(long, hide = true, default_value = "127.0.0.1:0")]
    pub addr: String,
    #[arg(long, hide = true)]
    pub data_dir: Option<String>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if args.bare_server {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        return match runtime.block_on(bare::serve(&args.addr)) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bare server: {error}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    // The generator runs on CPU 1, the server on CPU 0.
    server::pin_self_to_cpu(1);
    let _ = rlimit::increase_nofile_limit(200_000);
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(scenarios::run(&args)) {
        Ok(results) => {
            report::print(&results);
            if let Err(error) = report::write(&args.report, &results) {
                eprintln!("cannot write {}: {error}", args.report);
                return std::process::ExitCode::FAILURE;
            }
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("benchmark failed: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
