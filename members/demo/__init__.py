"""The members app's demo seeder: a realistic, deterministic member registry.

Proportions follow DESIGN §1: about 950 organizations in 24 countries, ~89 % small producer
organizations (some second-tier unions), ~11 % hired-labour workers' committees, sizes
skewed from under 30 to 16,000 members, Peru, Colombia and Mexico holding about half of the
people, one or two products each. The data is generated valid under the registry's rules
(women and youth within the total, Fairtrade sales within production, coordinates inside the
country, only allowed membership transitions, one open role per person and organization).

Layout: `data/` holds the reference tables (plain constants); the planners (`organizations`,
`membership`, `people`, `reports`) build unsaved rows; `users` creates the logins; `writing`
inserts rows with their planned dates and history; `seeder` runs it all in order.

Entry points, for the platform's demo command: `seed(ctx)`, `is_empty()`, `flush()`."""

from members.demo.organizations import MIN_ORGANIZATIONS, SCALES
from members.demo.seeder import flush, is_empty, seed
from members.demo.users import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "MIN_ORGANIZATIONS", "SCALES", "flush", "is_empty", "seed"]
