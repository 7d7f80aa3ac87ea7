"""Call-backs against an exact Markov chain (issue 18, "How it is checked").

An M/M/c+M queue with a call-back option: Poisson arrivals, exponential
inbound talk, exponential patience, exponential outbound talk, ``c`` handlers,
every call-back answered at the first try. A caller who must queue is offered a
call-back when the ACD estimate (places ahead + 1) x mean handling / c exceeds
the threshold, and takes it with probability ``q``; a call-back keeps its place
(first come, first served with the callers in line) and never abandons.

Because the order of callers in line and call-backs matters (only callers in
line abandon), the chain's state is (handlers on inbound calls, handlers on
call-backs, the sequence of L/C in the queue), the queue capped at ``K``
places (arrivals beyond it are lost; ``K`` is chosen so that the lost share is
below 1e-4, a fiftieth of the simulated intervals' half-width, and a test
checks it). The stationary distribution is the exact
solution of ``pi Q = 0`` (scipy's sparse solver); by PASTA the shares of
arrivals answered, called back and abandoned follow from it, and the simulated
shares must contain them in their 99% t-interval across replications, an
interval asserted narrow so the test cannot pass vacuously.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse, stats
from scipy.sparse.linalg import spsolve

from sim.config import scenario_from_dict
from sim.metrics.windows import calls_in_period
from sim.model.records import CallOutcome
from sim.model.replication import run_replication

HANDLERS = 2
CALLS_PER_HOUR = 16.0
AHT_S = 300.0
PATIENCE_S = 300.0
OUTBOUND_S = 240.0
THRESHOLD_S = 150.0
ACCEPT = 0.6
CAP = 10


def chain_shares(cap: int = CAP) -> dict[str, float]:
    """Shares of arrivals answered, called back, abandoned and lost, from the exact chain."""
    lam, mu, theta, mu_out = CALLS_PER_HOUR / 3600, 1 / AHT_S, 1 / PATIENCE_S, 1 / OUTBOUND_S
    states: list[tuple[int, int, str]] = []
    for busy in range(HANDLERS):
        states += [(b_in, busy - b_in, "") for b_in in range(busy + 1)]
    for b_in in range(HANDLERS + 1):
        for length in range(cap + 1):
            states += [
                (b_in, HANDLERS - b_in, "".join(q)) for q in itertools.product("LC", repeat=length)
            ]
    index = {s: i for i, s in enumerate(states)}
    rows, cols, rates = [], [], []
    callback_rate = np.zeros(len(states))  # rate at which call-backs are taken, per state
    lost_rate = np.zeros(len(states))

    def add(source: int, target: tuple[int, int, str], rate: float) -> None:
        rows.append(source)
        cols.append(index[target])
        rates.append(rate)

    for i, (b_in, b_out, queue) in enumerate(states):
        if b_in + b_out < HANDLERS:
            add(i, (b_in + 1, b_out, ""), lam)
        elif len(queue) == cap:
            lost_rate[i] = lam
        elif (len(queue) + 1) * AHT_S / HANDLERS > THRESHOLD_S:
            add(i, (b_in, b_out, queue + "C"), lam * ACCEPT)
            add(i, (b_in, b_out, queue + "L"), lam * (1 - ACCEPT))
            callback_rate[i] = lam * ACCEPT
        else:
            add(i, (b_in, b_out, queue + "L"), lam)
        for rate, kind in ((b_in * mu, "in"), (b_out * mu_out, "out")):
            if rate == 0:
                continue
            n_in, n_out = (b_in - 1, b_out) if kind == "in" else (b_in, b_out - 1)
            if not queue:
                add(i, (n_in, n_out, ""), rate)
            elif queue[0] == "L":
                add(i, (n_in + 1, n_out, queue[1:]), rate)
            else:
                add(i, (n_in, n_out + 1, queue[1:]), rate)
        for position, kind in enumerate(queue):
            if kind == "L":
                add(i, (b_in, b_out, queue[:position] + queue[position + 1 :]), theta)
    n = len(states)
    generator = sparse.coo_matrix((rates, (rows, cols)), shape=(n, n)).tocsr()
    generator = generator - sparse.diags(np.asarray(generator.sum(axis=1)).ravel())
    # pi Q = 0 with sum(pi) = 1: replace one balance equation by the normalisation.
    system = generator.T.tolil()
    system[0, :] = np.ones(n)
    rhs = np.zeros(n)
    rhs[0] = 1.0
    pi = spsolve(system.tocsr(), rhs)
    waiting_l = np.array([q.count("L") for _, _, q in states])
    called_back = float(pi @ callback_rate) / lam
    abandoned = float(pi @ (theta * waiting_l)) / lam
    lost = float(pi @ lost_rate) / lam
    return {
        "called_back": called_back,
        "abandoned": abandoned,
        "lost": lost,
        "answered": 1.0 - called_back - abandoned - lost,
    }


def callback_scenario(days: float, seed: int):
    return scenario_from_dict(
        {
            "name": "virtual-hold",
            "days": days,
            "warmup_days": 0.5,
            "seed": seed,
            "forces": {
                "f": {
                    "channels": {
                        "101": {
                            "volume_per_year": CALLS_PER_HOUR * 24 * 365,
                            "handling": {"distribution": "exponential", "mean_s": AHT_S},
                            "patience": {"distribution": "exponential", "mean_s": PATIENCE_S},
                            "callback": {
                                "threshold_s": THRESHOLD_S,
                                "accept_probability": ACCEPT,
                                "no_answer_probability": 0.0,
                                "outbound_talk": {
                                    "distribution": "exponential",
                                    "mean_s": OUTBOUND_S,
                                },
                            },
                        }
                    }
                }
            },
            "handler_pools": {"pool": {"serves": ["101"], "roster": {"staff": HANDLERS}}},
        }
    )


def test_the_chain_is_exact_enough_at_its_cap() -> None:
    """The cap loses almost nothing, and a larger cap changes no share that matters."""
    shares = chain_shares()
    assert shares["lost"] < 1e-4
    smaller = chain_shares(CAP - 2)
    for key in ("answered", "called_back", "abandoned"):
        # Far below the simulated intervals' half-width (asserted under 0.005).
        assert abs(shares[key] - smaller[key]) < 5e-4


@pytest.mark.slow
def test_call_backs_match_the_exact_markov_chain() -> None:
    theory = chain_shares()
    scenario = callback_scenario(days=28, seed=11)
    figures: dict[str, list[float]] = {"answered": [], "called_back": [], "abandoned": []}
    for replication in range(40):
        output = run_replication(scenario, replication)
        outcome = output.calls.outcome[calls_in_period(output)]
        figures["answered"].append(np.mean(outcome == CallOutcome.ANSWERED))
        figures["called_back"].append(np.mean(outcome == CallOutcome.CALLED_BACK))
        figures["abandoned"].append(np.mean(outcome == CallOutcome.ABANDONED))
    for key, values in figures.items():
        values = np.asarray(values)
        half = stats.t.ppf(0.995, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
        assert abs(values.mean() - theory[key]) <= half, (
            f"{key}: exact {theory[key]:.5f} outside simulated {values.mean():.5f} ± {half:.5f}"
        )
        assert half < 0.005, f"{key}: interval ±{half:.4f} too wide to test anything"
