//! The `cmo` binary: everything lives in `cmo::cli`; this only hands over the exit code.

fn main() {
    std::process::exit(cmo::cli::run::main());
}
