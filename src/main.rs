/// jemalloc keeps the memory of the users-list refreshes (large, short-lived buffers on many
/// threads) from fragmenting the heap.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    spanel::cli::main()
}
