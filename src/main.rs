fn main() -> std::process::ExitCode {
    graphmail::cli::main_entry()
}
