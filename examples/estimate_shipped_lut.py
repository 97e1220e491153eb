"""Energy, latency and area per image of a zoo network, priced from the shipped LUT.

Run: python examples/estimate_shipped_lut.py
"""

from spincim.estimator.energy import estimate


def main() -> dict:
    est = estimate("svhn", "imce", bits="1:2")
    data = est.to_json()
    print(f"SVHN on IMCE, W:I = 1:2, LUT {data['lut']['path']}")
    print(f"energy per image   {data['energy_per_image_j']:.4g} J")
    print(f"latency per image  {data['latency_per_image_s']:.4g} s")
    print(f"area               {data['area_m2']:.4g} m^2")
    return data


if __name__ == "__main__":
    main()
