"""The week, declared once: the phases of one simulated week, in order.

:meth:`sim.core.model.ABXModel.step` runs them in this order, and the ODD's submodel section and the
docs are generated from this list. Each phase is a function ``(model, week)`` of its own module;
values pass between phases only through the :class:`~sim.core.week.Week` record and account state.
Between weeks, the Mesa event calendar runs the scheduled list reviews and budget reallocations
(:data:`sim.core.model.BETWEEN_WEEKS`).
"""

from __future__ import annotations

from sim.core.phases import buyers, customers, record, sales, vendor, world
from sim.core.week import Phase

PHASES: tuple[Phase, ...] = (
    Phase("world", "buying windows, research and intent, usage shocks, self-service, member turnover",
          world.world_turns),
    Phase("signals", "what the vendor can see: intent surges, executive changes, usage drops, renewals due, stalls",
          world.see_signals),
    Phase("orchestration", "the orchestration policy plans who is touched and which plays fire", vendor.orchestrate),
    Phase("personalization", "the personalization policy sets claimed personalization and research depth",
          vendor.personalize),
    Phase("delivery", "budgets and capacities turn the plan into touches; spend is booked", vendor.deliver),
    Phase("response", "members respond to touches: awareness, engagement, opinion, trust, fatigue", buyers.respond),
    Phase("committees", "opinions spread inside committees; interest decays; coverage and support",
          buyers.deliberate),
    Phase("funnel", "prospect stages, MQAs and leads; SDRs qualify opportunities", sales.qualify),
    Phase("deals", "deals progress by consensus and effort, stall on vetoes, and close", sales.decide),
    Phase("adoption", "onboarding, adoption and customer health", customers.adopt),
    Phase("renewals", "contracts churn, expand, contract or renew by health", customers.renew),
    Phase("expansion", "expansion plays open, progress and close", customers.expand),
    Phase("referrals", "healthy customers refer peers in their industry", customers.refer),
    Phase("record", "the week's stock metrics are recorded", record.record_stocks),
)
