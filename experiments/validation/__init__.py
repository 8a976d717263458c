"""Virtual experiments that reproduce published field results from the agents' decisions (issue 12): a voucher
lottery (a), the InnoCom notch (b), a grant lottery (c) and stylised facts of firm demography (d). Each experiment
runs the model through ``model.run.run_one`` with a probe that installs the experiment (a lottery in place of an
instrument's selection, a wrapper that watches a decision) and returns ``Measured`` rows; ``python -m
innosim.experiments.validation`` runs them all and prints the table of docs/validation.md."""

from innosim.experiments.validation.common import Measured, Published, parameter_sets
from innosim.experiments.validation.facts import facts
from innosim.experiments.validation.grants import grant_lottery
from innosim.experiments.validation.notch import notch
from innosim.experiments.validation.table import markdown, run_all
from innosim.experiments.validation.vouchers import voucher_lottery

__all__ = ["Measured", "Published", "facts", "grant_lottery", "markdown", "notch", "parameter_sets", "run_all",
           "voucher_lottery"]
