"""One cargo run: a row and validated values become a command line, run in the sandbox and parsed
into a result (CargoService)."""
