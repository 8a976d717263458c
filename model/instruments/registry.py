"""The registry of instruments, in delivery order, and the instrument families used for mixes."""

from __future__ import annotations

from model.instruments.awards import HTEAward, PlatformAwards, RDReward
from model.instruments.base import Instrument
from model.instruments.equity import Equity
from model.instruments.finance import LoanSubsidy, VCSeedReward
from model.instruments.grants import KeyTechGrants, NSFFund, PilotPlatforms, SMEProjectSupport
from model.instruments.transfer import TransferSupport
from model.instruments.vouchers import Vouchers

REGISTRY: dict[str, type[Instrument]] = {
    cls.key: cls
    for cls in (KeyTechGrants, SMEProjectSupport, HTEAward, RDReward, PlatformAwards, PilotPlatforms, NSFFund,
                Vouchers, Equity, VCSeedReward, LoanSubsidy, TransferSupport)
}

FAMILIES: tuple[str, ...] = ("subsidy", "award", "voucher", "equity", "finance", "transfer")
