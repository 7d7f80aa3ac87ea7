"""The model layer: one replication of a scenario on SimPy, returning typed records.

``replication`` runs one replication: ``sampling`` draws its inputs up front,
``wiring`` connects the parts, and ``records`` is what comes out (calls,
incidents, unit assignments, online reports, outages, with ``IntEnum`` codes).
``demand`` samples arrivals, ``contact`` is the contact centre (queues, handler
pools, abandonment, redials) over the ``call_table`` (``handler_time`` adds up
its pools' handler-seconds once the run is over), ``incidents`` grades calls
into incidents (their attributes drawn as vectors before the run) and routes
them over the ``incident_table``, ``response`` dispatches response units, ``appointments`` keeps the
schedule cars' diary, ``teams`` is any team that works a queue of jobs (the
telephone resolution team, online desk review), ``outages`` is a platform's
clock of outages and learning, ``events`` is the run loop (pre-sampled arrivals
merged with SimPy's queue without events, cheap ``Callback`` events) and follows
rosters in time, and ``streams`` gives each named random stream its generator.
Callers who choose -- call-backs and reactions to waiting -- are ``callbacks``
(the contact centre that lets them), ``reactions`` (their samplers, built only
when a channel has them) and ``choice_records`` (what they chose).
"""
