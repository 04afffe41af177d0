"""Chapter 5, cost: prices, estimates, budgets, a response cache, and the record of every call.

* `pricing`: the dated price table, `usd` for a reply's usage, and the one price policy
  (asked: an unknown model raises; recorded: an unknown price is `None`, never $0).
* `estimates`: a call's cost bound before it is made; local calls in machine time.
* `breakeven`: a rented machine's dollars per 1M tokens by utilisation, against an API's price.
* `budget`: `Budget`, a hook that refuses a call that could overspend.
* `cache`: `ResponseCache`, a hook that answers repeated requests for free.
* `trace`: `Trace`, the one call recorder (tokens, dollars, latency per call), and `report`.
"""

from .breakeven import (
    MACHINES,
    Machine,
    api_usd_per_million,
    break_even_utilisation,
    local_machine,
    machine_usd_per_million,
    seconds_per_request,
)
from .budget import Budget
from .cache import ResponseCache, request_key
from .estimates import LOCAL_THROUGHPUT, Estimate, estimate, hardware_usd
from .pricing import Price, load_prices, price, prices, read_table, usd, usd_exact, usd_or_none
from .trace import Trace, report

__all__ = ["LOCAL_THROUGHPUT", "MACHINES", "Budget", "Estimate", "Machine", "Price", "ResponseCache", "Trace",
           "api_usd_per_million", "break_even_utilisation", "estimate", "hardware_usd", "load_prices",
           "local_machine", "machine_usd_per_million", "price", "prices", "read_table", "report", "request_key",
           "seconds_per_request", "usd", "usd_exact", "usd_or_none"]
