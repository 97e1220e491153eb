"""A small sense-amplifier Monte Carlo in ngspice: 2000 trials of read, AND and OR.

Run: python examples/sense_monte_carlo.py   (a few seconds; needs ngspice)
"""

from spincim.characterize.sense_margin import SenseSetup, simulate, summarize


def main(trials: int = 2000, seed: int = 1) -> dict:
    setup = SenseSetup(fan_in=2)
    volts, failed = simulate(setup, trials=trials, seed=seed)
    summary = summarize(setup, volts, ops=("read", "and", "or"))
    print(f"{trials} trials, {failed} failed to converge")
    for op, d in summary.items():
        for state, st in d["states"].items():
            print(f"{op:4s} {state:4s} mean {st['mean_v']:.4f} V  sd {st['std_v'] * 1e3:.2f} mV"
                  f"  worst margin {st['margin_worst_v'] * 1e3:+.1f} mV  failures "
                  f"{st['failures']}")
    return summary


if __name__ == "__main__":
    main()
