"""The registry of instruments, in delivery order, and the instrument families used for mixes."""

from __future__ import annotations

from innosim.model.instruments.awards import HTEAward, PlatformAwards, RDReward
from innosim.model.instruments.base import Instrument
from innosim.model.instruments.equity import Equity
from innosim.model.instruments.finance import LoanSubsidy, VCSeedReward
from innosim.model.instruments.firm_list import FirmList
from innosim.model.instruments.grants import KeyTechGrants, NSFFund, PilotPlatforms, SMEProjectSupport
from innosim.model.instruments.ties import Visits
from innosim.model.instruments.transfer import TransferSupport
from innosim.model.instruments.vouchers import Vouchers

REGISTRY: dict[str, type[Instrument]] = {
    cls.key: cls
    for cls in (KeyTechGrants, SMEProjectSupport, HTEAward, RDReward, PlatformAwards, PilotPlatforms, NSFFund,
                Vouchers, Equity, VCSeedReward, LoanSubsidy, TransferSupport, Visits, FirmList)
}

FAMILIES: tuple[str, ...] = ("subsidy", "award", "voucher", "equity", "finance", "transfer")
