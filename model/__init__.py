"""innosim model: core (units, calendar, random streams, parameters, city profiles, ledger, signals), policy
(scenario schema and files, budget transformations, instruments and their delivery), the Mesa model and the one
run path (``model.run.run_one``). Layers: docs/architecture.md."""
