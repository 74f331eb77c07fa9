"""The week, declared once: the phases of one simulated week, in order.

:meth:`sim.core.model.ABXModel.step` runs them in this order, and the ODD's process overview and
submodels and the README's list of the week are generated from this declaration
(``python -m sim.studies.odd``). Each phase is a function ``(model, week)`` of its own module;
values pass between phases only through the :class:`~sim.core.week.Week` record and account state.
Between weeks, the Mesa event calendar runs the scheduled list reviews and budget reallocations
(:data:`sim.core.model.BETWEEN_WEEKS`).
"""

from __future__ import annotations

from sim.core.phases import buyers, customers, record, sales, vendor, world
from sim.core.week import Phase

PHASES: tuple[Phase, ...] = (
    Phase("world", "buying windows open and close (about 20% of accounts a year, CAL-6.1); in-market "
          "accounts research and emit intent; usage shocks hit customers; buyers find content on their "
          "own; committee members leave and are replaced", world.world_turns),
    Phase("signals", "what the vendor can see: intent surge, executive change, usage drop, expansion "
          "readiness, renewal due, competitor intent, deal stall", world.see_signals),
    Phase("orchestration", "the orchestration policy plans the week: siloed teams; signal-triggered plays "
          "(acquisition sequence, expansion play, retention recovery, competitive defense); or the same "
          "plays routed by hand, as far as coordinators' hours go", vendor.orchestrate),
    Phase("personalization", "the personalization policy sets the research depth invested and the "
          "personalization each touch claims (research on a newly listed account builds up over weeks)",
          vendor.personalize),
    Phase("delivery", "the marketing budget, SDR/AE/CS capacity and executive hours turn the plan into "
          "touches; what does not fit waits or is scaled down; spend is booked by team, tier and channel",
          vendor.deliver),
    Phase("response", "members' awareness, engagement, opinion, trust and fatigue move with diminishing "
          "returns; touches claiming more personalization than their research delivers are seen as "
          "superficial (theater) and cost trust; uncoordinated teams collide", buyers.respond),
    Phase("committees", "opinions spread by influence inside committees; interest decays (faster while a "
          "lead waits); coverage and support are recomputed", buyers.deliberate),
    Phase("funnel", "prospect stages, MQAs and leads; SDRs qualify in-market accounts into opportunities "
          "within AE capacity", sales.qualify),
    Phase("deals", "deals progress with consensus and AE effort, stall on vetoes, and end won, lost or in "
          "no decision", sales.decide),
    Phase("adoption", "onboarding; adoption grows with CS coverage; customer health", customers.adopt),
    Phase("renewals", "contracts that end renew, expand, contract or churn by health; churned customers "
          "return to the prospect pool", customers.renew),
    Phase("expansion", "expansion plays open, progress and close", customers.expand),
    Phase("referrals", "healthy customers refer peers in their industry", customers.refer),
    Phase("record", "the week's stock metrics are recorded", record.record_stocks),
)
