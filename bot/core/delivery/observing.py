"""What the dispatcher and the pacers tell whoever watches them (the metrics of `bot.ops`):
the core says what happened through this protocol, and knows nothing of how it is counted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bot.core.ports import Outcome

if TYPE_CHECKING:  # the dispatcher imports this module
    from bot.core.delivery.dispatcher import DispatchReport


class DeliveryObserver(Protocol):
    def sent(self, platform: str, outcome: Outcome, seconds: float) -> None:
        """A delivery's send was answered after `seconds` (the platform's call alone, not the
        wait for its slot)."""
        ...

    def settled(self, platform: str, report: DispatchReport) -> None:
        """The outcomes of these sends are recorded in the store."""
        ...

    def held(self, platform: str, seconds: float) -> None:
        """A 429 stopped the platform's pace, `seconds` longer than it was already stopped
        (0 when an earlier 429's hold covers it)."""
        ...


class Unobserved:
    """No one watches: what a dispatcher reports to by default."""

    def sent(self, platform: str, outcome: Outcome, seconds: float) -> None:
        pass

    def settled(self, platform: str, report: DispatchReport) -> None:
        pass

    def held(self, platform: str, seconds: float) -> None:
        pass
