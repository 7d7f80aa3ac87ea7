"""The metrics layer: a replication's records turned into numbers.

``windows`` defines the measured period, hours and staffing intervals of the
week; ``kpis`` gives the per-replication metric values of DESIGN §3 and the
records tables, ``warmup`` the hourly queue figures over the whole run, and
``statistics`` the confidence intervals, paired comparisons and the sequential
precision rule across replications. Never imports SimPy.
"""
