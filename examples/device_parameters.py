"""Device parameters: the default SOT-MTJ, one read from a file, and derived quantities.

Run: python examples/device_parameters.py
"""

from pathlib import Path

from spincim.devices.config import load_device
from spincim.devices.mtj import SotDevice, derived


def main() -> dict:
    default = SotDevice()
    from_file = load_device(Path(__file__).with_name("device.toml"))
    assert from_file == default, "device.toml lists the defaults"
    numbers = derived(default)
    for key in ("r_p_ohm", "r_ap_ohm", "tmr", "delta", "ic0_a"):
        print(f"{key:10s} {numbers[key]:.4g}")
    return numbers


if __name__ == "__main__":
    main()
