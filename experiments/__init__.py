"""innosim experiments: runs, ensembles, results files, charts and the command line."""
