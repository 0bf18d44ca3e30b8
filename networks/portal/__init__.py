"""Portal pages of the networks app."""
