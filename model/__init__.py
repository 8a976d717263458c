"""innosim model core: scenario config, random streams, parameters, instruments, ledger and the Mesa model."""
