"""Per-product agronomy behind the yearly reports' numbers."""

# Yield per hectare in the product's unit of trade (lb, t, box, kg) and Fairtrade Premium per
# unit in USD (coffee $0.20/lb and cocoa $240/t as in DESIGN §1).
AGRONOMY: dict[str, tuple[float, float, float, float, float]] = {
    # product: (hectares per member low, high, yield low, high, premium USD per unit)
    "coffee": (1.5, 4.0, 800, 1800, 0.20),
    "cocoa": (1.5, 5.0, 0.35, 0.8, 240),
    "banana": (1.0, 3.0, 1200, 2600, 1.0),
    "cane-sugar": (3.0, 8.0, 5, 8, 80),
    "fresh-fruit": (1.5, 5.0, 9000, 22000, 0.04),
    "fruit-juices": (2.0, 6.0, 2000, 5000, 0.08),
    "dried-fruit": (1.0, 4.0, 1000, 3000, 0.10),
    "honey": (0.3, 1.0, 400, 1400, 0.20),
    "quinoa": (1.0, 3.0, 500, 1200, 0.10),
    "herbs-spices": (0.5, 2.0, 300, 1500, 0.15),
    "nuts": (3.0, 12.0, 80, 250, 0.15),
    "vegetables": (0.5, 2.0, 10000, 20000, 0.02),
    "cereals": (1.0, 4.0, 2000, 4000, 0.02),
    "flowers": (0.05, 0.15, 2500, 3500, 3.0),
    "wine-grapes": (1.0, 5.0, 8000, 15000, 0.05),
}
# Share of women among members, by product (hired-labour flower farms employ many women).
WOMEN_SHARE: dict[str, tuple[float, float]] = {
    "coffee": (0.20, 0.36), "cocoa": (0.20, 0.36), "banana": (0.08, 0.22), "cane-sugar": (0.08, 0.20),
    "honey": (0.30, 0.50), "quinoa": (0.30, 0.45), "herbs-spices": (0.40, 0.60), "flowers": (0.50, 0.65),
}  # fmt: skip
