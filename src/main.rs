fn main() -> std::process::ExitCode {
    spanel::cli::main()
}
